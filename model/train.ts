import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { METRIC_NAMES, TOP_K } from '../contracts/recommendation-list.js';
import { saveArtifact } from './artifact.js';
import { loadChannels } from './data/dataset.js';
import { HyperparameterError, TrainingDataError } from './errors.js';
import { evaluateRanking } from './eval/evaluate.js';
import { holdOut } from './eval/split.js';
import { type Hyperparameters, parseHyperparameters } from './hyperparameters.js';
import { createModel, resolveModelName } from './models.js';
import type { OptMlPaths } from './paths.js';
import { PopularityRecommender } from './popularity.js';
import type { Recommender } from './recommender.js';
import { createRng } from './rng.js';

export interface TrainSummary {
  readonly model: string;
  readonly viewers: number;
  readonly shows: number;
  readonly interactions: number;
  readonly ndcg: number;
  readonly recall: number;
  readonly popularityNdcg: number;
  /** Threads the final fit ran on (1 for single-threaded models, or after a worker start failure). */
  readonly threads: number;
}

/** Viewers need this many shows before a slice of them is held out (REFERENCE.md protocol). */
const MIN_ITEMS_FOR_VALIDATION = 5;

/** Reads /opt/ml/input/config/hyperparameters.json (absent = all defaults) and validates it. */
export async function readHyperparameters(path: string): Promise<Hyperparameters> {
  if (!existsSync(path)) return parseHyperparameters({});
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new HyperparameterError(`${path} is not valid JSON`, { cause });
  }
  return parseHyperparameters(raw);
}

/**
 * The SageMaker `train` job: load channels, hold out a seeded validation slice, fit the model and the popularity
 * baseline on the rest, log the validation metrics in the form the state machine's MetricDefinitions read, then
 * refit both on all data and write the artifact to /opt/ml/model.
 */
export async function train(paths: OptMlPaths, log: (line: string) => void): Promise<TrainSummary> {
  const hp = await readHyperparameters(paths.hyperparameters);
  const info = (message: string, fields: Record<string, unknown> = {}) =>
    log(JSON.stringify({ level: 'INFO', message, ...fields }));
  const dataset = await loadChannels(paths, hp.weight_alpha);
  const x = dataset.interactions;
  let viewersWithHistory = 0;
  for (let u = 0; u < x.rows; u++) if (x.indptr[u + 1] > x.indptr[u]) viewersWithHistory++;
  info('training data loaded', {
    viewers: viewersWithHistory,
    shows: x.cols,
    interactions: x.indptr[x.rows],
    partners: dataset.partnerIds.length,
    hasCatalog: dataset.hasCatalog,
  });
  if (viewersWithHistory < hp.min_viewers) {
    throw new TrainingDataError(
      `too few viewers to train: ${viewersWithHistory} with viewing history, min_viewers is ${hp.min_viewers}`,
    );
  }
  const name = resolveModelName(hp.model, x.cols, hp.ease_max_items);
  const { train: trainPart, test } = holdOut(x, hp.validation_fraction, createRng(hp.seed), MIN_ITEMS_FOR_VALIDATION);
  let started = performance.now();
  const candidate = createModel(name, hp);
  await candidate.fit(trainPart, createRng(hp.seed));
  warnOnThreadFallback(candidate, 'validation', log);
  const popularity = new PopularityRecommender();
  await popularity.fit(trainPart, createRng(hp.seed));
  // The gate compares metrics at the contract's list length, whatever k this model serves.
  const quality = evaluateRanking(candidate, trainPart, test, TOP_K, popularity);
  const baseline = evaluateRanking(popularity, trainPart, test, TOP_K);
  if (quality.users === 0) {
    log(JSON.stringify({ level: 'WARN', message: `no viewer has ${MIN_ITEMS_FOR_VALIDATION}+ shows: metrics are 0` }));
  }
  info('validation done', {
    model: name,
    validationViewers: quality.users,
    threads: candidate.fitThreads?.used ?? 1,
    seconds: seconds(started),
  });
  // MetricDefinitions regexes (docs/contracts.md) read these three lines; keep them bare.
  log(`${METRIC_NAMES.ndcg}=${quality.ndcg.toFixed(6)}`);
  log(`${METRIC_NAMES.recall}=${quality.recall.toFixed(6)}`);
  log(`${METRIC_NAMES.popularityNdcg}=${baseline.ndcg.toFixed(6)}`);

  started = performance.now();
  const model = createModel(name, hp);
  await model.fit(x, createRng(hp.seed));
  warnOnThreadFallback(model, 'final', log);
  const threads = model.fitThreads?.used ?? 1;
  const finalPopularity = new PopularityRecommender();
  await finalPopularity.fit(x, createRng(hp.seed));
  await saveArtifact(paths.model, {
    dataset,
    model: model.state(),
    popularity: finalPopularity.state(),
    k: hp.k,
    isExcludingWatched: hp.exclude_watched,
    metrics: { ndcg: quality.ndcg, recall: quality.recall, popularityNdcg: baseline.ndcg },
  });
  info('model written', { model: name, dir: paths.model, threads, seconds: seconds(started) });
  return {
    model: name,
    viewers: viewersWithHistory,
    shows: x.cols,
    interactions: x.indptr[x.rows],
    ndcg: quality.ndcg,
    recall: quality.recall,
    popularityNdcg: baseline.ndcg,
    threads,
  };
}

/**
 * A fit whose worker threads failed to start ran on one thread: same factors, but slower, so a job near its
 * MaxRuntime would time out with no clue why. Say so with the context an operator needs (#17).
 */
export function warnOnThreadFallback(
  model: Recommender,
  fit: 'validation' | 'final',
  log: (line: string) => void,
): void {
  const threads = model.fitThreads;
  if (threads?.fallbackError === undefined) return;
  log(
    JSON.stringify({
      level: 'WARN',
      message: 'worker threads failed to start; fitted on fewer threads',
      model: model.name,
      fit,
      threadsRequested: threads.requested,
      threadsUsed: threads.used,
      error: threads.fallbackError,
    }),
  );
}

const seconds = (since: number): number => Number(((performance.now() - since) / 1000).toFixed(3));
