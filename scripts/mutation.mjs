#!/usr/bin/env node
// `npm run mutation [-- <stage>…]`: StrykerJS over functions/ and model/, one stage at a time (docs/mutation.md).
// A whole run is ~6,000 mutants, hours on a 2-core machine, so the scope is cut into stages that each finish in
// minutes and keep their own incremental file: rerunning a stage after a test change retests only the mutants whose
// code or covering tests changed. Everything else (runner, coverage, concurrency) comes from stryker.config.json.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { Stryker } from '@stryker-mutator/core';

// A stage's `mutate` replaces the config's, so the config's exclusions (tests, generated modules, fixtures) are
// carried over from it rather than written again here.
const CONFIG = JSON.parse(readFileSync(new URL('../stryker.config.json', import.meta.url), 'utf8'));
const NOT_SOURCE = CONFIG.mutate.filter((glob) => glob.startsWith('!'));

// The idempotency and validation edge first measured on its own (write-recs, the offers request and store, run layout).
const EDGE = [
  'functions/write-recs/**/*.ts',
  'functions/offers/request.ts',
  'functions/offers/store.ts',
  'functions/_shared/run-layout.ts',
];
const FIT = ['model/linalg/cg.ts', 'model/ease.ts', 'model/ials.ts'];
const EVAL = ['model/eval/**/*.ts', 'model/hyperparameters.ts', 'model/data/ids.ts', 'model/popularity.ts'];

const STAGES = {
  'functions-edge': EDGE,
  functions: ['functions/**/*.ts', ...EDGE.map((glob) => `!${glob}`)],
  'model-eval': EVAL,
  'model-serve': ['model/**/*.ts', '!model/linalg/**', ...[...FIT, ...EVAL].map((glob) => `!${glob}`)],
  'model-fit': FIT,
  // The remaining kernels (CSR, dense, the WebAssembly sweep and its worker pools): ~6 hours here, not yet run.
  'model-kernels': ['model/linalg/**/*.ts', ...FIT.map((glob) => `!${glob}`)],
};

const USAGE = `usage: npm run mutation -- <stage>… (stages: ${Object.keys(STAGES).join(', ')})`;

async function runStage(stage) {
  const mutate = [...STAGES[stage], ...NOT_SOURCE];
  process.stdout.write(`\n== mutation stage ${stage}: ${mutate.join(' ')}\n`);
  const results = await new Stryker({
    mutate,
    incrementalFile: `reports/stryker-${stage}.json`,
    htmlReporter: { fileName: `reports/mutation/${stage}.html` },
    jsonReporter: { fileName: `reports/mutation/${stage}.json` },
  }).runMutationTest();
  // Static mutants (module-level constants) come back as Ignored (ignoreStatic): they were not tested.
  const tested = results.filter((result) => result.status !== 'Ignored').length;
  process.stdout.write(`== ${stage}: ${tested} mutants tested, reports/mutation/${stage}.{html,json}\n`);
}

const stages = process.argv.slice(2);
const unknown = stages.filter((stage) => !Object.hasOwn(STAGES, stage));
if (stages.length === 0 || unknown.length > 0) {
  process.stderr.write(`${unknown.length > 0 ? `unknown stage: ${unknown.join(', ')}\n` : ''}${USAGE}\n`);
  process.exit(2);
}
for (const stage of stages) await runStage(stage);
