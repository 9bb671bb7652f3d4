/**
 * The recommendation list, as every stage agrees on it (docs/contracts.md), defined once and imported by the
 * model container (training, serving) and the Lambdas (writer, offers, quality gate). The Step Functions
 * MetricDefinitions cannot import it; test/contracts.test.ts checks they match.
 */

/** The longest list a viewer gets: what training evaluates, serving answers, the writer stores and offers returns. */
export const TOP_K = 10;

/** The metric lines training prints and the quality gate reads (SageMaker FinalMetricDataList names). */
export const METRIC_NAMES = {
  ndcg: `validation:ndcg@${TOP_K}`,
  recall: `validation:recall@${TOP_K}`,
  popularityNdcg: `validation:popularity_ndcg@${TOP_K}`,
} as const;
