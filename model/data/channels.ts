import { createReadStream, existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { TrainingDataError } from '../errors.js';

// Redshift's UNLOAD … FORMAT JSON writes BIGINT sums as numbers; strings are accepted too (coerced).
const count = z.coerce.number().finite().nonnegative();
const id = z.string().min(1);

export const ViewershipRow = z.object({
  viewer_id: id,
  show_id: id,
  partner: id,
  watch_seconds: count,
  view_count: count.default(1),
  last_watched_at: z.string().nullish(),
});
export const CatalogRow = z.object({
  show_id: id,
  title: z.string().nullish(),
  genre: z.string().nullish(),
  brand: z.string().nullish(),
  partner: id,
});
export const AccountRow = z.object({ viewer_id: id, partner: id });

export type ViewershipRow = z.infer<typeof ViewershipRow>;
export type CatalogRow = z.infer<typeof CatalogRow>;
export type AccountRow = z.infer<typeof AccountRow>;

/** Every regular file under dir (recursively), sorted, so parts are read in a stable order. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile() && !entry.name.startsWith('.')) out.push(path);
  }
  return out;
}

/**
 * Reads a JSON Lines channel (any part names; `.gz` parts are gunzipped) and validates each row, calling onRow per
 * row. A missing folder is an empty channel when optional. Errors name the file and line.
 */
export async function readChannel<T>(
  dir: string,
  schema: z.ZodType<T>,
  onRow: (row: T) => void,
  isOptional = false,
): Promise<number> {
  if (!existsSync(dir)) {
    if (isOptional) return 0;
    throw new TrainingDataError(`channel folder ${dir} is missing`);
  }
  if (!(await stat(dir)).isDirectory()) throw new TrainingDataError(`channel ${dir} is not a folder`);
  let rows = 0;
  for (const file of await listFiles(dir)) {
    const raw = createReadStream(file);
    const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (cause) {
        throw new TrainingDataError(`${file}:${lineNumber}: not valid JSON`, { cause });
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new TrainingDataError(
          `${file}:${lineNumber}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
        );
      }
      onRow(parsed.data);
      rows++;
    }
  }
  return rows;
}
