import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset, ShowInfo } from './data/dataset.js';
import { ModelArtifactError } from './errors.js';
import type { Csr } from './linalg/csr.js';
import type { ModelState } from './recommender.js';

/** A trained model plus what serving needs to rank for viewer ids: written to /opt/ml/model as model.json + arrays.bin. */
export interface Artifact {
  readonly dataset: Dataset;
  readonly model: ModelState;
  readonly popularity: ModelState;
  readonly k: number;
  readonly isExcludingWatched: boolean;
  readonly metrics: Readonly<Record<string, number>>;
}

interface ArrayEntry {
  readonly name: string;
  readonly type: 'f32' | 'i32';
  readonly offset: number;
  readonly length: number;
}

const FORMAT = 1;

/** Writes the artifact; arrays go into one binary file, little-endian, 4-byte aligned. */
export async function saveArtifact(dir: string, artifact: Artifact): Promise<void> {
  const arrays: Record<string, Float32Array | Int32Array> = {};
  const addCsr = (prefix: string, m: Csr) => {
    arrays[`${prefix}.indptr`] = m.indptr;
    arrays[`${prefix}.indices`] = m.indices;
    arrays[`${prefix}.data`] = m.data;
  };
  const d = artifact.dataset;
  addCsr('interactions', d.interactions);
  addCsr('viewerPartners', d.viewerPartners);
  addCsr('showPartners', d.showPartners);
  for (const [name, a] of Object.entries(artifact.model.arrays)) arrays[`model.${name}`] = a;
  for (const [name, a] of Object.entries(artifact.popularity.arrays)) arrays[`popularity.${name}`] = a;
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    entries.push({ name, type: a instanceof Float32Array ? 'f32' : 'i32', offset, length: a.length });
    offset += a.byteLength;
  }
  const bin = Buffer.alloc(offset);
  for (const e of entries) {
    const a = arrays[e.name];
    bin.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), e.offset);
  }
  const meta = {
    format: FORMAT,
    k: artifact.k,
    isExcludingWatched: artifact.isExcludingWatched,
    metrics: artifact.metrics,
    model: { name: artifact.model.name, params: artifact.model.params },
    popularity: { name: artifact.popularity.name, params: artifact.popularity.params },
    hasCatalog: d.hasCatalog,
    shape: {
      interactions: [d.interactions.rows, d.interactions.cols],
      viewerPartners: [d.viewerPartners.rows, d.viewerPartners.cols],
      showPartners: [d.showPartners.rows, d.showPartners.cols],
    },
    viewerIds: d.viewerIds,
    showIds: d.showIds,
    partnerIds: d.partnerIds,
    shows: d.shows,
    arrays: entries,
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'arrays.bin'), bin);
  await writeFile(join(dir, 'model.json'), JSON.stringify(meta));
}

/**
 * Reads an artifact written by saveArtifact; throws ModelArtifactError when files are missing or inconsistent. With
 * `shared`, the arrays live on one SharedArrayBuffer, so worker threads (serve-pool.ts) read them without a copy each.
 */
export async function loadArtifact(dir: string, options: { shared?: boolean } = {}): Promise<Artifact> {
  let meta: ReturnType<typeof JSON.parse>;
  let bin: Buffer;
  try {
    meta = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    bin = await readFile(join(dir, 'arrays.bin'));
  } catch (cause) {
    throw new ModelArtifactError(`no readable model in ${dir}`, { cause });
  }
  if (meta.format !== FORMAT) throw new ModelArtifactError(`model format ${meta.format} is not ${FORMAT}`);
  // Copy into a fresh aligned buffer so typed-array views can start at any 4-byte offset.
  const buffer = options.shared ? new SharedArrayBuffer(bin.byteLength) : new ArrayBuffer(bin.byteLength);
  new Uint8Array(buffer).set(bin);
  const arrays = new Map<string, Float32Array | Int32Array>();
  for (const e of meta.arrays as ArrayEntry[]) {
    if (e.offset + e.length * 4 > buffer.byteLength) throw new ModelArtifactError(`array ${e.name} is truncated`);
    arrays.set(
      e.name,
      e.type === 'f32' ? new Float32Array(buffer, e.offset, e.length) : new Int32Array(buffer, e.offset, e.length),
    );
  }
  const get = (name: string) => {
    const a = arrays.get(name);
    if (!a) throw new ModelArtifactError(`array ${name} is missing`);
    return a;
  };
  const csr = (prefix: string): Csr => {
    const [rows, cols] = meta.shape[prefix] as [number, number];
    return {
      rows,
      cols,
      indptr: get(`${prefix}.indptr`) as Int32Array,
      indices: get(`${prefix}.indices`) as Int32Array,
      data: get(`${prefix}.data`) as Float32Array,
    };
  };
  const prefixed = (prefix: string) =>
    Object.fromEntries(
      [...arrays].filter(([n]) => n.startsWith(`${prefix}.`)).map(([n, a]) => [n.slice(prefix.length + 1), a]),
    );
  return {
    dataset: {
      viewerIds: meta.viewerIds,
      showIds: meta.showIds,
      partnerIds: meta.partnerIds,
      shows: meta.shows as ShowInfo[],
      interactions: csr('interactions'),
      viewerPartners: csr('viewerPartners'),
      showPartners: csr('showPartners'),
      hasCatalog: meta.hasCatalog,
    },
    model: { ...meta.model, arrays: prefixed('model') },
    popularity: { ...meta.popularity, arrays: prefixed('popularity') },
    k: meta.k,
    isExcludingWatched: meta.isExcludingWatched,
    metrics: meta.metrics,
  };
}
