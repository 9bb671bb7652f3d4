import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { TrainingDataError } from '../errors.js';

/** One `viewer<TAB>show[<TAB>weight]` line. */
export interface TsvInteraction {
  readonly viewer: string;
  readonly show: string;
  readonly weight: number;
}

/** Reads a TSV of `viewer<TAB>show[<TAB>weight]` lines (weight defaults to 1; blank lines skipped). */
export async function readInteractionsTsv(path: string): Promise<TsvInteraction[]> {
  const rows: TsvInteraction[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    const [viewer, show, weightText] = line.split('\t');
    const weight = weightText === undefined || weightText === '' ? 1 : Number(weightText);
    if (!viewer || !show || !Number.isFinite(weight)) {
      throw new TrainingDataError(`${path}:${lineNumber}: expected viewer<TAB>show[<TAB>weight]`);
    }
    rows.push({ viewer, show, weight });
  }
  return rows;
}
