import { describe, expect, it } from 'vitest';
import { parseTransformLine, toViewerListItem } from './transform-line.js';

const rec = { showId: 's1', title: 'T', genre: 'g', brand: 'b', partner: 'hulu', score: 0.5, reason: 'r' };

describe('parseTransformLine', () => {
  it('accepts a ranked list and classifies every kind of bad line', () => {
    expect(parseTransformLine(JSON.stringify({ viewerId: 'v1', recommendations: [rec] })).kind).toBe('list');
    expect(parseTransformLine('  ')).toEqual({ kind: 'skip', reason: 'blank' });
    expect(parseTransformLine('{')).toEqual({ kind: 'skip', reason: 'not-json' });
    expect(parseTransformLine('{"line":4,"error":{"code":"bad","message":"m"}}')).toMatchObject({
      reason: 'container-error',
      detail: 'bad',
    });
    expect(parseTransformLine(JSON.stringify({ viewerId: '#run', recommendations: [rec] }))).toMatchObject({
      reason: 'invalid',
    });
    expect(
      parseTransformLine(JSON.stringify({ viewerId: 'v', recommendations: [{ ...rec, score: 'high' }] })),
    ).toMatchObject({ reason: 'invalid' });
  });

  it('marshals a row with ranks in list order and a numeric ttl', () => {
    const parsed = parseTransformLine(
      JSON.stringify({ viewerId: 'v1', recommendations: [rec, { ...rec, showId: 's2' }] }),
    );
    if (parsed.kind !== 'list') throw new Error('expected a list');

    const item = toViewerListItem(parsed.value, { runId: 'r', modelVersion: 'm', updatedAt: 'u', ttl: 12 });

    expect(item.viewerId).toEqual({ S: 'v1' });
    expect(item.ttl).toEqual({ N: '12' });
    expect(item.recommendations?.L?.[1]?.M?.rank).toEqual({ N: '2' });
    expect(item.recommendations?.L?.[1]?.M?.showId).toEqual({ S: 's2' });
  });
});
