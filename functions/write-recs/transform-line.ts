import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { PartnerId, ViewerId } from '../../contracts/ids.js';
import { TOP_K } from '../../contracts/recommendation-list.js';

/** One recommendation of a batch-transform output line (docs/contracts.md, serving container). */
const TransformRecommendation = z.object({
  showId: z.string().min(1).max(64),
  title: z.string().max(256),
  genre: z.string().max(64),
  brand: z.string().max(64),
  partner: PartnerId,
  score: z.number().finite(),
  reason: z.string().max(256).default(''),
});

const TransformListLine = z.object({
  viewerId: ViewerId,
  recommendations: z.array(TransformRecommendation).min(1).max(TOP_K),
});

/** The container's answer for a line it could not serve: counted as skipped, never written. */
const TransformErrorLine = z.object({
  line: z.number().optional(),
  error: z.object({ code: z.string().optional(), message: z.string().optional() }).loose(),
});

export type TransformListLine = z.infer<typeof TransformListLine>;

export type ParsedLine =
  | { kind: 'list'; value: TransformListLine }
  | { kind: 'skip'; reason: 'blank' | 'not-json' | 'container-error' | 'invalid' | 'too-long'; detail?: string };

/** Parses one transform output line; never throws (a bad line is skipped and counted, not fatal). */
export function parseTransformLine(text: string): ParsedLine {
  if (text.trim().length === 0) return { kind: 'skip', reason: 'blank' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'skip', reason: 'not-json' };
  }
  const list = TransformListLine.safeParse(json);
  if (list.success) return { kind: 'list', value: list.data };
  const error = TransformErrorLine.safeParse(json);
  if (error.success) return { kind: 'skip', reason: 'container-error', detail: error.data.error.code };
  const issue = list.error.issues[0];
  return { kind: 'skip', reason: 'invalid', detail: `${issue?.path.join('.')}: ${issue?.message}` };
}

/**
 * The table row, marshalled by hand: this runs once per viewer on the hot path, and building the
 * AttributeValue tree directly costs a fraction of the generic marshaller's reflection.
 */
export function toViewerListItem(
  line: TransformListLine,
  row: { runId: string; modelVersion: string; updatedAt: string; ttl: number },
): Record<string, AttributeValue> {
  return {
    viewerId: { S: line.viewerId },
    runId: { S: row.runId },
    modelVersion: { S: row.modelVersion },
    recommendations: {
      L: line.recommendations.map((rec, index) => ({
        M: {
          showId: { S: rec.showId },
          title: { S: rec.title },
          genre: { S: rec.genre },
          brand: { S: rec.brand },
          partner: { S: rec.partner },
          score: { N: String(rec.score) },
          rank: { N: String(index + 1) },
          reason: { S: rec.reason },
        },
      })),
    },
    updatedAt: { S: row.updatedAt },
    ttl: { N: String(row.ttl) },
  };
}
