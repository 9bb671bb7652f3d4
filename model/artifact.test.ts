import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Artifact, loadArtifact, saveArtifact } from './artifact.js';
import { ModelArtifactError } from './errors.js';
import { makeServingArtifact } from './testing/serving-artifact.js';

// The training job's output is the transform job's input: what saveArtifact writes, loadArtifact must give back
// exactly, and a damaged model must be refused by name rather than served.

let root: string;
let artifact: Artifact;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'recs-artifact-'));
  artifact = makeServingArtifact({ viewers: 7, shows: 5, factors: 3, perViewer: 2, seed: 4 });
});
afterAll(() => rm(root, { recursive: true, force: true }));

let dirs = 0;
async function saved(): Promise<string> {
  const dir = join(root, `model-${dirs++}`);
  await saveArtifact(dir, artifact);
  return dir;
}

/** Rewrites model.json through `edit`. */
async function editMeta(dir: string, edit: (meta: Record<string, unknown>) => void): Promise<void> {
  const path = join(dir, 'model.json');
  const meta = JSON.parse(await readFile(path, 'utf8'));
  edit(meta);
  await writeFile(path, JSON.stringify(meta));
}

describe('saveArtifact and loadArtifact', () => {
  it.each([
    { shared: false, buffer: ArrayBuffer },
    { shared: true, buffer: SharedArrayBuffer },
  ])('give back every id, show, matrix, model array and setting (shared: $shared)', async ({ shared, buffer }) => {
    const loaded = await loadArtifact(await saved(), { shared });

    expect(loaded).toEqual(artifact);
    expect(loaded.model.arrays.itemFactors?.buffer).toBeInstanceOf(buffer);
    expect(loaded.dataset.interactions.indptr).toBeInstanceOf(Int32Array);
    expect(loaded.dataset.interactions.data).toBeInstanceOf(Float32Array);
  });

  it('refuses a folder without a model, naming the folder', async () => {
    const empty = join(root, 'no-model');

    await expect(loadArtifact(empty)).rejects.toThrow(new ModelArtifactError(`no readable model in ${empty}`));
  });

  it('refuses another format, a truncated array and a missing one, by name', async () => {
    const otherFormat = await saved();
    await editMeta(otherFormat, (meta) => {
      meta.format = 2;
    });
    // A copy cut short (an interrupted upload): the last array runs past the end of arrays.bin.
    const truncated = await saved();
    const bin = await readFile(join(truncated, 'arrays.bin'));
    await writeFile(join(truncated, 'arrays.bin'), bin.subarray(0, bin.byteLength - 4));
    const lastArray = (
      JSON.parse(await readFile(join(truncated, 'model.json'), 'utf8')).arrays as { name: string }[]
    ).at(-1);
    const missing = await saved();
    await editMeta(missing, (meta) => {
      meta.arrays = (meta.arrays as { name: string }[]).filter((a) => a.name !== 'showPartners.indices');
    });

    await expect(loadArtifact(otherFormat)).rejects.toThrow('model format 2 is not 1');
    expect(lastArray?.name).toMatch(/^popularity\./);
    await expect(loadArtifact(truncated)).rejects.toThrow(`array ${lastArray?.name} is truncated`);
    await expect(loadArtifact(missing)).rejects.toThrow('array showPartners.indices is missing');
  });
});
