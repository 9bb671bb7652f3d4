import { GetObjectCommand, ListObjectsV2Command, NoSuchKey } from '@aws-sdk/client-s3';

/** The commands a `memoryS3` answered, in order (bucket, key or prefix, continuation token). */
export type MemoryS3Call =
  | { command: 'ListObjectsV2'; bucket: string; prefix: string | undefined; token: string | undefined }
  | { command: 'GetObject'; bucket: string; key: string | undefined };

/**
 * An in-memory S3 for unit tests of code that lists a prefix and reads objects: ListObjectsV2 honours Bucket, Prefix
 * and pages of `pageSize` keys (in key order, as S3 lists them) with continuation tokens; GetObject answers with a
 * Body that is both an async iterable of chunks (what a stream reader consumes) and has `transformToString`, or
 * throws NoSuchKey. Any other command is refused, so a test notices when the code under test sends one.
 */
export function memoryS3(buckets: Record<string, Record<string, string>>, options: { pageSize?: number } = {}) {
  const pageSize = options.pageSize ?? 1000;
  const calls: MemoryS3Call[] = [];
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof ListObjectsV2Command) {
      const { Bucket = '', Prefix, ContinuationToken } = command.input;
      calls.push({ command: 'ListObjectsV2', bucket: Bucket, prefix: Prefix, token: ContinuationToken });
      const keys = Object.keys(buckets[Bucket] ?? {})
        .filter((key) => key.startsWith(Prefix ?? ''))
        .sort();
      const start = ContinuationToken === undefined ? 0 : Number(ContinuationToken.replace('page-', ''));
      const page = keys.slice(start, start + pageSize);
      const truncated = start + pageSize < keys.length;
      return {
        // S3 leaves Contents out of an empty listing.
        ...(page.length > 0 ? { Contents: page.map((Key) => ({ Key })) } : {}),
        KeyCount: page.length,
        IsTruncated: truncated,
        ...(truncated ? { NextContinuationToken: `page-${start + pageSize}` } : {}),
      };
    }
    if (command instanceof GetObjectCommand) {
      const { Bucket = '', Key } = command.input;
      calls.push({ command: 'GetObject', bucket: Bucket, key: Key });
      const text = Key === undefined ? undefined : buckets[Bucket]?.[Key];
      if (text === undefined) throw new NoSuchKey({ message: `no object ${Bucket}/${Key}`, $metadata: {} });
      const bytes = new TextEncoder().encode(text);
      return {
        Body: {
          transformToString: async () => text,
          async *[Symbol.asyncIterator]() {
            // Two chunks, split mid-object, so a line reader has to join them.
            const middle = Math.floor(bytes.length / 2);
            if (middle > 0) yield bytes.slice(0, middle);
            yield bytes.slice(middle);
          },
        },
      };
    }
    throw new Error(`memoryS3 does not answer ${(command as object).constructor.name}`);
  };
  return { s3: { send } as never, calls };
}
