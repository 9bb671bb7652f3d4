import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalSession } from '../../local/runtime.js';

/** Helpers shared by the redrive tests: a run's DynamoDB items, normalized for comparison, and the job registry. */

export type Item = Record<string, unknown>;

export async function scanTable(session: LocalSession): Promise<Item[]> {
  const doc = DynamoDBDocumentClient.from(session.stack.dynamo);
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: session.pipeline.names.tableName, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function getItem(session: LocalSession, key: { viewerId: string; runId: string }): Promise<Item> {
  const doc = DynamoDBDocumentClient.from(session.stack.dynamo);
  const out = await doc.send(
    new GetCommand({ TableName: session.pipeline.names.tableName, Key: key, ConsistentRead: true }),
  );
  return (out.Item ?? {}) as Item;
}

const jobBase = (runId: string) => runId.toLowerCase().replace(/[^a-z0-9-]+/g, '-');

/**
 * Everything one run left in the table (viewer lists, popular fallback, run record), with what legitimately
 * differs between two runs of the same data removed: run ids and job names (the execution name, the redrive
 * count), timestamps and TTLs, and the live model's ndcg the gate compared with (none for the first run).
 */
export async function runContent(session: LocalSession, runId: string): Promise<Item[]> {
  const base = jobBase(runId);
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      const out: Item = {};
      for (const [key, inner] of Object.entries(value as Item)) {
        if (['updatedAt', 'ttl', 'publishedAt', 'timings', 'liveNdcg'].includes(key)) continue;
        out[key] = strip(inner);
      }
      return out;
    }
    if (typeof value === 'string') {
      return value
        .replaceAll(runId, '<run>')
        .replaceAll(base, '<job>')
        .replace(/-r\d+$/, '-r<n>');
    }
    return value;
  };
  return (await scanTable(session))
    .filter((item) => item.runId === runId)
    .map((item) => strip(item) as Item)
    .sort((a, b) => String(a.viewerId).localeCompare(String(b.viewerId)));
}

export interface Registry {
  trainingJobs: Record<string, { TrainingJobStatus?: string }>;
  models: Record<string, unknown>;
  transformJobs: Record<string, { TransformJobStatus?: string }>;
}

export const readRegistry = (dataDir: string): Registry =>
  JSON.parse(readFileSync(join(dataDir, 'sagemaker', 'registry.json'), 'utf8')) as Registry;

/** The registry's job and model names of one run. */
export function jobsOf(registry: Registry, runId: string) {
  const base = jobBase(runId);
  const mine = (names: string[]) => names.filter((name) => name.startsWith(`${base}-`)).sort();
  return {
    training: mine(Object.keys(registry.trainingJobs)),
    models: mine(Object.keys(registry.models)),
    transforms: mine(Object.keys(registry.transformJobs)),
  };
}

/** The Distributed Map's per-batch records of an execution (local/distributed-map.ts MapRunStore). */
export function mapRunBatches(dataDir: string, executionName: string): { index: number; status: string }[] {
  const dir = join(dataDir, 'executions', executionName, 'map-runs');
  return readdirSync(dir).flatMap(
    (file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as { index: number; status: string }[],
  );
}
