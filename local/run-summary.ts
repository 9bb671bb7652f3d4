import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PGlite } from '@electric-sql/pglite';
import type { StoredRecommendation } from '../functions/_shared/dynamo-table.js';
import type { Json } from './asl-loader.js';

/** What `recs run --json` prints for one execution, and the pieces of the final state and warehouse it is built from. */

export interface StateTiming {
  name: string;
  status: 'SUCCEEDED' | 'FAILED';
  seconds: number;
}

export interface ExecutionSummary {
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED';
  failedState?: string;
  error?: string;
  viewers: number;
  shows: number;
  events: number;
  recommendationsWritten: number;
  metrics: { 'recall@10'?: number; 'ndcg@10'?: number; 'popularity.ndcg@10'?: number };
  durationSeconds: number;
  states: StateTiming[];
  /** The first IAM denial of a failed run: which role lacked which action on which resource. */
  accessDenied?: string;
  runId?: string;
  sampleViewer?: SampleViewer;
  /** FAILED only: false when a Fail state ended it by decision (a redrive would only repeat it). */
  isRedrivable?: boolean;
}

export interface SampleViewer {
  viewerId: string;
  partners: string[];
  recommendations: Omit<StoredRecommendation, 'reason'>[];
}

/** A failed job's Cause may be its whole description or a Lambda error; the FailureReason or message is what a person needs. */
export function failureReason(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { FailureReason?: unknown; errorMessage?: unknown };
    if (typeof parsed.FailureReason === 'string') return parsed.FailureReason;
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message
  }
  return cause;
}

export const round = (value: number) => Math.round(value * 100) / 100;
export const oneLine = (text: string) => text.replace(/\s+/g, ' ').slice(0, 300);

export async function warehouseCounts(db: PGlite): Promise<{ viewers: number; shows: number; events: number }> {
  const { rows } = await db.query<{ viewers: number; shows: number; events: number }>(
    `SELECT (SELECT COUNT(DISTINCT viewer_id)::int FROM identity_map) AS viewers,
            (SELECT COUNT(*)::int FROM shows) AS shows,
            (SELECT COUNT(*)::int FROM viewership_events) AS events`,
  );
  return rows[0] ?? { viewers: 0, shows: 0, events: 0 };
}

export function recommendationsWritten(state: Record<string, Json>): number {
  for (const value of Object.values(state)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.written === 'number')
      return value.written;
  }
  return 0;
}

/** FinalMetricDataList (wherever the state keeps it) → the summary's metric names. */
export function metricsOf(state: Record<string, Json>): ExecutionSummary['metrics'] {
  const metrics: ExecutionSummary['metrics'] = {};
  for (const value of Object.values(state)) {
    const list = value && typeof value === 'object' && !Array.isArray(value) ? value.metrics : undefined;
    if (!Array.isArray(list)) continue;
    for (const metric of list as { MetricName?: string; Value?: number }[]) {
      const name = String(metric.MetricName ?? '');
      if (typeof metric.Value !== 'number') continue;
      if (/popularity/i.test(name)) metrics['popularity.ndcg@10'] = metric.Value;
      else if (/ndcg/i.test(name)) metrics['ndcg@10'] = metric.Value;
      else if (/recall/i.test(name)) metrics['recall@10'] = metric.Value;
    }
  }
  return metrics;
}

export async function sampleViewer(
  stack: { warehouse: PGlite; dynamo: DynamoDBClient },
  tableName: string,
  runId: string,
): Promise<SampleViewer | undefined> {
  const { rows } = await stack.warehouse.query<{ viewer_id: string; partners: string }>(
    `SELECT viewer_id, STRING_AGG(DISTINCT partner, ',') AS partners
       FROM identity_map GROUP BY viewer_id ORDER BY COUNT(*) DESC, viewer_id LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const item = await DynamoDBDocumentClient.from(stack.dynamo).send(
    new GetCommand({ TableName: tableName, Key: { viewerId: row.viewer_id, runId } }),
  );
  if (!item.Item) return undefined;
  const list = item.Item as { recommendations?: SampleViewer['recommendations'] };
  return { viewerId: row.viewer_id, partners: row.partners.split(','), recommendations: list.recommendations ?? [] };
}
