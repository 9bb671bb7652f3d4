import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../contracts/recommendation-list.js';
import { InvalidInputError } from '../_shared/errors.js';
import { evaluateQuality } from './quality-gate.js';

const thresholds = { minLift: 0.1, maxDrop: 0.2 };
const metrics = (ndcg: number, popularityNdcg: number, recall = 0.3) => [
  { MetricName: METRIC_NAMES.ndcg, Value: ndcg, Timestamp: '2024-05-01T00:00:00Z' },
  { MetricName: METRIC_NAMES.recall, Value: recall },
  { MetricName: METRIC_NAMES.popularityNdcg, Value: popularityNdcg },
];

describe('evaluateQuality', () => {
  it('passes a model that beats popularity by the lift when nothing is live', () => {
    const verdict = evaluateQuality(metrics(0.34, 0.3), null, thresholds);

    expect(verdict).toMatchObject({ passed: true, ndcg: 0.34, recall: 0.3, popularityNdcg: 0.3, liveNdcg: null });
  });

  it('fails a model within the lift of popularity', () => {
    const verdict = evaluateQuality(metrics(0.32, 0.3), null, thresholds);

    expect(verdict.passed).toBe(false);
    expect(verdict.reason).toMatch(/below popularity/);
  });

  it('fails a model that drops more than allowed below the live model', () => {
    expect(evaluateQuality(metrics(0.4, 0.1), 0.51, thresholds).passed).toBe(false);
    expect(evaluateQuality(metrics(0.41, 0.1), 0.51, thresholds).passed).toBe(true);
  });

  it('treats missing or non-finite metrics as invalid input', () => {
    expect(() => evaluateQuality(metrics(0.4, 0.1).slice(1), null, thresholds)).toThrow(InvalidInputError);
    expect(() => evaluateQuality(metrics(Number.NaN, 0.1), null, thresholds)).toThrow(InvalidInputError);
  });

  it('stops a collapsed model through the live comparison', () => {
    expect(evaluateQuality(metrics(0, 0), 0.3, thresholds).passed).toBe(false);
    expect(evaluateQuality(metrics(0, 0), null, thresholds).passed).toBe(false);
  });
});
