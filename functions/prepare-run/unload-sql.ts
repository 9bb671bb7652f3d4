import { InvalidInputError } from '../_shared/errors.js';
import { RUN_PREFIX_PATTERN } from '../_shared/run-layout.js';

/**
 * Wraps the portable SELECTs of `sql/` in Redshift's UNLOAD, the one Redshift-only piece of SQL text
 * (STYLE.md). Only values we generate go into the text, each checked against a strict pattern first:
 * the bucket, a prefix under `runs/<runId>/`, the IAM role ARN, the KMS key id and the as-of timestamp.
 */

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
// KMS's own KeyId pattern (key id, key ARN, alias): no quote or backslash can get in.
const KMS_KEY_ID_PATTERN = /^[A-Za-z0-9:/_-]{1,2048}$/;

/**
 * PARALLEL / MAXFILESIZE per channel. Parallel ON (Redshift's default) writes one part per slice at once,
 * which is what makes a large UNLOAD fast, and many parts are what the later stages fan out over: batch
 * transform shards its input by S3 object and the Distributed Map batches the transform's output objects.
 * The transform input therefore also gets the smallest MAXFILESIZE Redshift allows (5 MB, about 170k
 * viewer ids), so even a small cluster yields enough objects to spread over transform instances and Map
 * children. Popular is at most 50 shows × partners rows: PARALLEL OFF gives one ordered part that Publish
 * reads in one GET. Readers list the prefix either way and never assume part names (contracts.md).
 */
const UNLOAD_OPTIONS: Record<string, string> = {
  viewership: 'PARALLEL ON',
  catalog: 'PARALLEL ON',
  accounts: 'PARALLEL ON',
  viewers: 'PARALLEL ON MAXFILESIZE 5 MB',
  popular: 'PARALLEL OFF',
  // Eight rows of counts (issue #7): one part, read by Publish and RecordFailure.
  dataQuality: 'PARALLEL OFF',
};

/** `TIMESTAMP 'YYYY-MM-DD HH:MM:SS'` (UTC) for the `{{AS_OF}}` token. */
export function asOfLiteral(asOf: Date): string {
  if (Number.isNaN(asOf.getTime())) throw new InvalidInputError('as-of time is not a valid date', 'asOf');
  return `TIMESTAMP '${asOf.toISOString().slice(0, 19).replace('T', ' ')}'`;
}

/**
 * Removes `--` comments (outside string literals) and a trailing semicolon: the SELECT becomes a string
 * literal inside UNLOAD, where Redshift parses it again, and comments there only add risk.
 */
export function stripSqlComments(sql: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (inString) {
      out += ch;
      if (ch === "'") inString = false;
    } else if (ch === "'") {
      inString = true;
      out += ch;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out += '\n';
    } else {
      out += ch;
    }
  }
  return out
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .join('\n')
    .replace(/;\s*$/, '');
}

export interface UnloadTarget {
  channel: string;
  bucket: string;
  prefix: string;
}

export interface UnloadCredentials {
  /** The role Redshift assumes to write the parts. */
  iamRoleArn: string;
  /** The stack's KMS key: parts are written SSE-KMS with it (ENCRYPTED KMS_KEY_ID), not the bucket default. */
  kmsKeyId: string;
}

/**
 * The SELECT as the text of a Redshift string literal. Inside a literal Redshift reads a backslash as an escape
 * (`\'` is a quote, `\\` a backslash), so both the backslash and the quote are doubled: the SELECT reaches the
 * parser exactly as written, whatever literals (regex, LIKE escapes, names with apostrophes) it contains.
 */
export const redshiftStringLiteralBody = (text: string): string => text.replaceAll('\\', '\\\\').replaceAll("'", "''");

/**
 * One `UNLOAD ('<select>') TO 's3://bucket/prefix' IAM_ROLE '…' KMS_KEY_ID '…' ENCRYPTED FORMAT JSON CLEANPATH …`
 * statement. CLEANPATH, not ALLOWOVERWRITE: a rerun that writes fewer parts must not leave stale parts behind to be
 * read twice. KMS_KEY_ID + ENCRYPTED: the parts are SSE-KMS with the stack's key, like everything else in the bucket.
 */
export function renderUnload(
  select: string,
  target: UnloadTarget,
  asOf: Date,
  { iamRoleArn, kmsKeyId }: UnloadCredentials,
): string {
  if (!BUCKET_PATTERN.test(target.bucket)) throw new InvalidInputError(`bad bucket name "${target.bucket}"`, 'bucket');
  if (!RUN_PREFIX_PATTERN.test(target.prefix))
    throw new InvalidInputError(`bad S3 prefix "${target.prefix}"`, 'prefix');
  if (!ROLE_ARN_PATTERN.test(iamRoleArn)) throw new InvalidInputError('bad IAM role ARN', 'iamRoleArn');
  if (!KMS_KEY_ID_PATTERN.test(kmsKeyId)) throw new InvalidInputError('bad KMS key id', 'kmsKeyId');
  const options = UNLOAD_OPTIONS[target.channel];
  if (!options) throw new InvalidInputError(`unknown UNLOAD channel "${target.channel}"`, 'channel');
  const body = stripSqlComments(select).replaceAll('{{AS_OF}}', asOfLiteral(asOf));
  if (body.includes('{{')) throw new InvalidInputError(`unknown template token in ${target.channel} SQL`, 'sql');
  return (
    `UNLOAD ('${redshiftStringLiteralBody(body)}')\nTO 's3://${target.bucket}/${target.prefix}'\n` +
    `IAM_ROLE '${iamRoleArn}'\nKMS_KEY_ID '${kmsKeyId}'\nENCRYPTED\nFORMAT JSON\nCLEANPATH\n${options}`
  );
}
