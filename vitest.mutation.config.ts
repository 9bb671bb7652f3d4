import { defineConfig } from 'vitest/config';

// The test set StrykerJS runs against each mutant (`npm run mutation`, docs/mutation.md): the unit tests beside
// functions/ and model/ plus the integration files that drive function code in-process against the local stand-ins
// (dynalite, s3rver, the SageMaker API and player, PGlite for the report's SQL). Left out, because one mutant would
// cost seconds to minutes on a 2-core machine and per-test coverage cannot see into the child processes they start
// anyway: the end-to-end files (pipeline, redrive, CLI, IAM, browser), the serving container's tests, and the offers
// property test (2,000 requests a run).
// Stryker runs vitest in worker threads, which refuse vitest.config.ts's execArgv; the script passes
// --openssl-legacy-provider through NODE_OPTIONS instead (s3rver's paginated listings need it on Node 20).
export default defineConfig({
  test: {
    include: [
      'functions/**/*.test.ts',
      'model/**/*.test.ts',
      'test/integration/batch-writer.test.ts',
      'test/integration/offers.test.ts',
      'test/integration/offers-cache.test.ts',
      'test/integration/publish.test.ts',
      'test/integration/write-recs.test.ts',
      // The SageMaker job function against the local SageMaker API (describe before create, reuse, timeouts).
      'test/integration/sagemaker-job.test.ts',
      'test/integration/sagemaker-throttling.test.ts',
      'test/retry-errors.test.ts',
      // The report's handler, SQL runner and renderer against PGlite and s3rver.
      'test/integration/experiment-assignment.test.ts',
      'test/integration/report-experiment.test.ts',
      'test/integration/report-exposures.test.ts',
      'test/integration/report-http.test.ts',
      'test/integration/report-top-shows.test.ts',
      'test/integration/report-weeks.test.ts',
    ],
    // RECS_MUTATION_RUN: tests that start worker threads skip (model/testing/mutation-run.ts says why).
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      RECS_MUTATION_RUN: '1',
    },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
