/**
 * Splits a byte stream into lines without holding more than one chunk plus one line in memory. Pulling
 * the next chunk only after the caller has handled the previous lines is the backpressure: the S3 body
 * is not read faster than DynamoDB accepts the rows.
 */
export interface Line {
  /** 1-based line number within the object. */
  lineNumber: number;
  text: string;
  /** The line exceeded `maxLineChars`; `text` is empty and the line must be skipped. */
  isTooLong: boolean;
}

export async function* readLines(body: AsyncIterable<Uint8Array>, maxLineChars: number): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let lineNumber = 0;
  let isDiscarding = false;
  const emit = (text: string): Line => {
    lineNumber++;
    const isTooLong = isDiscarding || text.length > maxLineChars;
    isDiscarding = false;
    return { lineNumber, text: isTooLong ? '' : text.endsWith('\r') ? text.slice(0, -1) : text, isTooLong };
  };
  for await (const chunk of body) {
    const text = carry + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield emit(text.slice(start, end));
      start = end + 1;
    }
    carry = text.slice(start);
    // A line with no end in sight: drop what we have and remember to skip the rest of it.
    if (carry.length > maxLineChars) {
      carry = '';
      isDiscarding = true;
    }
  }
  const rest = carry + decoder.decode();
  if (rest.length > 0 || isDiscarding) yield emit(rest);
}

/**
 * Reads ahead of the consumer by up to `maxBufferedBytes`, so the next S3 bytes are already here when
 * the parser wants them: while a writer waits for DynamoDB, the body keeps arriving instead of the two
 * round trips taking turns. Bounded, so memory stays flat whatever the object size.
 */
export async function* prefetch(
  source: AsyncIterable<Uint8Array>,
  maxBufferedBytes: number,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Uint8Array[] = [];
  let bufferedBytes = 0;
  let isDone = false;
  let failure: { error: unknown } | undefined;
  let pulling: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const pull = async () => {
    try {
      while (!isDone && bufferedBytes < maxBufferedBytes) {
        const next = await iterator.next();
        if (next.done) {
          isDone = true;
        } else {
          queue.push(next.value);
          bufferedBytes += next.value.byteLength;
        }
        notify();
      }
    } catch (error) {
      failure = { error };
      isDone = true;
    } finally {
      pulling = undefined;
      notify();
    }
  };
  try {
    while (true) {
      if (!pulling && !isDone && bufferedBytes < maxBufferedBytes) pulling = pull();
      const chunk = queue.shift();
      if (chunk) {
        bufferedBytes -= chunk.byteLength;
        yield chunk;
        continue;
      }
      if (isDone) {
        if (failure) throw failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    if (!isDone) await iterator.return?.();
  }
}
