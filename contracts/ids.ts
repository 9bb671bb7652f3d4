import * as z from 'zod/mini';

/**
 * Ids that cross stages (docs/contracts.md), one schema each: the writer stores only what the offers endpoint
 * can read back, and the ranker only emits partners the writer and offers accept. zod/mini keeps the offers
 * bundle small; the schemas compose into full-zod objects too.
 */

/** Viewer ids: `#` is reserved for the table's meta items, so it can never match. */
export const VIEWER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const VIEWER_ID_RULE = '1-64 characters from A-Z, a-z, 0-9, "_" and "-"';
export const ViewerId = z.string().check(z.regex(VIEWER_ID_PATTERN, `viewer ids are ${VIEWER_ID_RULE}`));

/** Partner ids: lower-case letters and digits (also the keys of DEEP_LINK_TEMPLATES). */
export const PARTNER_ID_PATTERN = /^[a-z0-9]{1,32}$/;
export const PARTNER_ID_RULE = '1-32 lower-case letters and digits';
export const PartnerId = z.string().check(z.regex(PARTNER_ID_PATTERN, `partner ids are ${PARTNER_ID_RULE}`));
