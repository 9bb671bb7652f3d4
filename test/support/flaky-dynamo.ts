import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { BatchWriteClient } from '../../functions/write-recs/batch-writer.js';

export interface FlakyStats {
  calls: number;
  throttled: number;
  unprocessed: number;
}

/**
 * Wraps the real client the way DynamoDB misbehaves under load: a share of calls fail with
 * ProvisionedThroughputExceededException before writing anything, and of the others a random share of
 * the items is *not* sent to the table and comes back as UnprocessedItems. What is written is written
 * for real, in the stand-in. Pass a seeded `random` (makeRng from local/rng.ts) so a failing run can be replayed.
 */
export function flakyDynamo(
  real: DynamoDBClient,
  options: { unprocessedShare: number; throttleShare: number; random: () => number },
): BatchWriteClient & { stats: FlakyStats } {
  const stats: FlakyStats = { calls: 0, throttled: 0, unprocessed: 0 };
  return {
    stats,
    async send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput> {
      stats.calls++;
      if (options.random() < options.throttleShare) {
        stats.throttled++;
        throw new ProvisionedThroughputExceededException({ message: 'injected throttle', $metadata: {} });
      }
      const unprocessed: Record<string, WriteRequest[]> = {};
      const sent: Record<string, WriteRequest[]> = {};
      for (const [table, requests] of Object.entries(command.input.RequestItems ?? {})) {
        for (const request of requests) {
          const bucket = options.random() < options.unprocessedShare ? unprocessed : sent;
          const list = bucket[table] ?? [];
          list.push(request);
          bucket[table] = list;
        }
      }
      stats.unprocessed += Object.values(unprocessed).reduce((n, list) => n + list.length, 0);
      if (Object.keys(sent).length > 0) await real.send(new BatchWriteItemCommand({ RequestItems: sent }));
      return { UnprocessedItems: unprocessed, $metadata: {} };
    },
  };
}

/** One scripted answer: throw `error` before writing anything, or write all but the first `unprocessed` items. */
export type ScriptedAnswer = { error: unknown } | { unprocessed: number };

/**
 * Wraps the real client with a fixed script of answers, one per call (then it passes every call through), so a
 * test can say exactly which items came back unprocessed or which error a call met. What is written is written in
 * the stand-in; `calls` keeps the put requests each call carried.
 */
export function scriptedDynamo(
  real: DynamoDBClient,
  script: readonly ScriptedAnswer[],
): BatchWriteClient & { calls: WriteRequest[][] } {
  const calls: WriteRequest[][] = [];
  return {
    calls,
    async send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput> {
      const [table, requests] = Object.entries(command.input.RequestItems ?? {})[0] ?? ['', []];
      const answer = script[calls.length];
      calls.push(requests);
      if (answer && 'error' in answer) throw answer.error;
      const held = answer ? requests.slice(0, answer.unprocessed) : [];
      const sent = requests.slice(held.length);
      if (sent.length > 0) await real.send(new BatchWriteItemCommand({ RequestItems: { [table]: sent } }));
      return { UnprocessedItems: held.length > 0 ? { [table]: held } : {}, $metadata: {} };
    },
  };
}
