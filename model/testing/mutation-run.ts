/**
 * True inside `npm run mutation` (vitest.mutation.config.ts sets RECS_MUTATION_RUN). Tests that start real worker
 * threads skip there: StrykerJS runs vitest in worker threads and a kernel's workers load the instrumented module
 * with no mutant active, so they would only check the original code, and the two-thread sweep outran 60 s under
 * the instrumentation. The single-thread tests of the same kernels still run against every mutant.
 */
export const UNDER_MUTATION_RUN = process.env.RECS_MUTATION_RUN === '1';
