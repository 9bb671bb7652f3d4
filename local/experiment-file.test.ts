import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  experimentFilePath,
  readExperimentFile,
  readLocalExperiment,
  startLocalExperiment,
  stopLocalExperiment,
} from './experiment-file.js';

const NOW = new Date('2026-11-02T09:00:00Z');
const later = (days: number) => new Date(NOW.getTime() + days * 86_400_000);
const freshDir = () => mkdtempSync(join(tmpdir(), 'recs-experiment-'));

describe('the local experiment file', () => {
  it('starts, stops and keeps each replaced experiment in the history, bumping the revision', () => {
    const dir = freshDir();

    const first = startLocalExperiment(dir, { id: 'holdout-a' }, NOW);
    const stopped = stopLocalExperiment(dir, later(14));
    const second = startLocalExperiment(
      dir,
      { id: 'holdout-b', controlShare: 0.2, control: 'previous-model' },
      later(15),
    );

    expect(first).toEqual({ id: 'holdout-a', start: NOW.toISOString(), controlShare: 0.1, control: 'popular' });
    expect(stopped.end).toBe(later(14).toISOString());
    expect(second).toMatchObject({ id: 'holdout-b', controlShare: 0.2, control: 'previous-model' });
    const file = readExperimentFile(dir);
    expect(file.revision).toBe(3);
    expect(file.history.map((e) => e.id)).toEqual(['holdout-a']);
    expect(readLocalExperiment(dir)?.id).toBe('holdout-b');
  });

  it('refuses a second running experiment, a reused id and stopping nothing', () => {
    const dir = freshDir();
    startLocalExperiment(dir, { id: 'holdout-a' }, NOW);

    expect(() => startLocalExperiment(dir, { id: 'holdout-b' }, NOW)).toThrow(/holdout-a is running/);
    stopLocalExperiment(dir, later(1));
    expect(() => stopLocalExperiment(dir, later(2))).toThrow(/no experiment is running/);
    expect(() => startLocalExperiment(dir, { id: 'holdout-a' }, later(2))).toThrow(/used before/);
  });

  it('names the flag of a bad value and reports a damaged file', () => {
    const dir = freshDir();

    expect(() => startLocalExperiment(dir, { id: 'x', controlShare: 0.9 }, NOW)).toThrow(/--control-share/);
    expect(readLocalExperiment(dir)).toBeUndefined();
    writeFileSync(experimentFilePath(dir), '{"version": 7}');
    expect(() => readLocalExperiment(dir)).toThrow(/not a valid experiment file/);
  });
});
