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
