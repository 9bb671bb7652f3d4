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
