import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingDataError } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import { optMlPaths } from '../paths.js';
import { confidenceWeight } from '../weights.js';
import { AccountRow, readChannel, ViewershipRow } from './channels.js';
import { loadChannels } from './dataset.js';
import { readInteractionsTsv } from './tsv.js';

// The container's view of the UNLOAD output (the training channels, SageMaker's /opt/ml layout), read in-process:
// what becomes a viewer, a show and a partner index, how rows combine into one weight, and how bad input is named.

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'recs-dataset-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

let case_ = 0;
/** A fresh /opt/ml root holding the given channel files (name → relative path → content). */
async function optMl(channels: Record<string, Record<string, string | Buffer>>) {
  const dir = join(root, `case-${case_++}`);
  for (const [channel, files] of Object.entries(channels)) {
    for (const [file, content] of Object.entries(files)) {
      const path = join(dir, 'input', 'data', channel, file);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, content);
    }
  }
  return optMlPaths({ SM_OPT_ML_ROOT: dir });
}

const lines = (...rows: object[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
const rowOf = (m: Csr, r: number) =>
  Object.fromEntries(
    Array.from({ length: m.indptr[r + 1] - m.indptr[r] }, (_, k) => [
      m.indices[m.indptr[r] + k],
      m.data[m.indptr[r] + k],
    ]),
  );

describe('confidenceWeight', () => {
  it('is 1 + α·ln(1 + hours) + α·ln(views), with negative seconds as 0 and fewer than one view as one', () => {
    expect(confidenceWeight(7200, 3, 0.5)).toBeCloseTo(1 + 0.5 * Math.log(3) + 0.5 * Math.log(3), 12);
    expect(confidenceWeight(-100, 0, 0.5)).toBe(1);
    expect(confidenceWeight(3600, 1, 0)).toBe(1);
  });
});

describe('loadChannels', () => {
  it('indexes viewers, shows and partners in order of appearance and sums a show over partners before weighting', async () => {
    const paths = await optMl({
      viewership: {
        'part-000': lines(
          { viewer_id: 'ann', show_id: 'dune', partner: 'hulu', watch_seconds: 3600, view_count: 1 },
          { viewer_id: 'bob', show_id: 'gaia', partner: 'youtube', watch_seconds: '1800' },
        ),
        // A second part, gzipped as UNLOAD … GZIP writes it: ann's dune again on another partner.
        'part-001.gz': gzipSync(
          lines({ viewer_id: 'ann', show_id: 'dune', partner: 'youtube', watch_seconds: 3600, view_count: 2 }),
        ),
      },
    });

    const data = await loadChannels(paths, 0.5);

    expect(data.viewerIds).toEqual(['ann', 'bob']);
    expect(data.showIds).toEqual(['dune', 'gaia']);
    expect(data.partnerIds).toEqual(['hulu', 'youtube']);
    // ann × dune: 2 hours and 3 views in all, one cell. bob × gaia: half an hour, view_count defaulting to 1.
    expect(rowOf(data.interactions, 0)[0]).toBeCloseTo(confidenceWeight(7200, 3, 0.5), 6);
    expect(rowOf(data.interactions, 1)[1]).toBeCloseTo(confidenceWeight(1800, 1, 0.5), 6);
    expect(rowOf(data.viewerPartners, 0)).toEqual({ 0: 3600, 1: 3600 });
    expect(rowOf(data.viewerPartners, 1)).toEqual({ 1: 1800 });
    // No catalog: titles are the ids, no carriers.
    expect(data.hasCatalog).toBe(false);
    expect(data.shows).toEqual([
      { title: 'dune', genre: '', brand: '' },
      { title: 'gaia', genre: '', brand: '' },
    ]);
    expect(data.showPartners.indptr[data.showPartners.rows]).toBe(0);
  });

  it('takes show details and carriers from the catalog, skipping shows nobody watched; accounts add partners', async () => {
    const paths = await optMl({
      viewership: { part: lines({ viewer_id: 'ann', show_id: 'dune', partner: 'hulu', watch_seconds: 60 }) },
      catalog: {
        part: lines(
          { show_id: 'dune', title: 'Dune', genre: 'sci-fi', brand: 'Northlight', partner: 'hulu' },
          { show_id: 'dune', title: 'Dune (again)', genre: null, partner: 'appletv' },
          { show_id: 'unseen', title: 'Unseen', partner: 'peacock' },
        ),
      },
      accounts: { part: lines({ viewer_id: 'cat', partner: 'youtube' }) },
    });

    const data = await loadChannels(paths, 0.5);

    expect(data.hasCatalog).toBe(true);
    expect(data.showIds).toEqual(['dune']);
    expect(data.shows).toEqual([{ title: 'Dune', genre: 'sci-fi', brand: 'Northlight' }]);
    expect(data.partnerIds).toEqual(['hulu', 'appletv', 'youtube']);
    expect(rowOf(data.showPartners, 0)).toEqual({ 0: 1, 1: 1 });
    // An account without viewing is a viewer with an empty history and a partner at 0 seconds.
    expect(data.viewerIds).toEqual(['ann', 'cat']);
    expect(rowOf(data.interactions, 1)).toEqual({});
    expect(rowOf(data.viewerPartners, 1)).toEqual({ 2: 0 });
  });

  it('needs the viewership channel but not the catalog or accounts', async () => {
    const noViewership = await optMl({ catalog: { part: '' } });
    const onlyViewership = await optMl({ viewership: { part: '' } });

    await expect(loadChannels(noViewership, 0.5)).rejects.toThrow(
      new TrainingDataError(`channel folder ${noViewership.channel('viewership')} is missing`),
    );
    await expect(loadChannels(onlyViewership, 0.5)).resolves.toMatchObject({ viewerIds: [], hasCatalog: false });
  });
});

describe('readChannel', () => {
  it('reads every part in name order, in sub-folders too, skipping blank lines and hidden files', async () => {
    const paths = await optMl({
      accounts: {
        'b/part-1': lines({ viewer_id: 'v3', partner: 'hulu' }),
        'a-part': `\n${lines({ viewer_id: 'v1', partner: 'hulu' })}\n  \n${lines({ viewer_id: 'v2', partner: 'hulu' })}`,
        '.manifest': 'not json',
      },
    });
    const seen: string[] = [];

    const count = await readChannel(paths.channel('accounts'), AccountRow, (row) => seen.push(row.viewer_id));

    expect(seen).toEqual(['v1', 'v2', 'v3']);
    expect(count).toBe(3);
  });

  it('names the file, line and field of a bad row, and refuses a file where a folder should be', async () => {
    const paths = await optMl({
      viewership: {
        part: lines(
          { viewer_id: 'ann', show_id: 'dune', partner: 'hulu', watch_seconds: 1 },
          { viewer_id: 'ann', show_id: 'dune', partner: 'hulu', watch_seconds: -5 },
        ),
      },
      accounts: { part: '{"viewer_id": "ann",\n' },
    });
    const file = join(paths.channel('viewership'), 'part');
    const accounts = join(paths.channel('accounts'), 'part');

    await expect(readChannel(paths.channel('viewership'), ViewershipRow, () => {})).rejects.toThrow(
      new RegExp(`^${file}:2: watch_seconds Too small`),
    );
    await expect(readChannel(paths.channel('accounts'), AccountRow, () => {})).rejects.toThrow(
      `${accounts}:1: not valid JSON`,
    );
    await expect(readChannel(file, AccountRow, () => {})).rejects.toThrow(`channel ${file} is not a folder`);
    await expect(readChannel(join(root, 'nowhere'), AccountRow, () => {}, true)).resolves.toBe(0);
  });
});

describe('readInteractionsTsv', () => {
  it('reads viewer, show and an optional weight (1 by default), and names a bad line', async () => {
    const path = join(root, 'train.tsv');
    const bad = join(root, 'bad.tsv');
    await writeFile(path, 'ann\tdune\t2.5\n\nbob\tgaia\nbob\tdune\t\n');
    await writeFile(bad, 'ann\tdune\nann\n');

    await expect(readInteractionsTsv(path)).resolves.toEqual([
      { viewer: 'ann', show: 'dune', weight: 2.5 },
      { viewer: 'bob', show: 'gaia', weight: 1 },
      { viewer: 'bob', show: 'dune', weight: 1 },
    ]);
    await expect(readInteractionsTsv(bad)).rejects.toThrow(`${bad}:2: expected viewer<TAB>show[<TAB>weight]`);
  });
});
