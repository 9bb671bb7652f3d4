import { describe, expect, it } from 'vitest';
import { TOP_K } from '../../contracts/recommendation-list.js';
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

describe('parseTransformLine at the contract limits', () => {
  const line = (overrides: Record<string, unknown>, recommendations = [rec]) =>
    JSON.stringify({ viewerId: 'v1', recommendations: recommendations.map((r) => ({ ...r, ...overrides })) });
  const kindOf = (text: string) => parseTransformLine(text).kind;

  it.each([
    ['showId', 64],
    ['title', 256],
    ['genre', 64],
    ['brand', 64],
    ['reason', 256],
  ])('accepts a %s of %i characters and skips one longer as invalid, naming the field', (field, max) => {
    expect(kindOf(line({ [field]: 'x'.repeat(max) }))).toBe('list');
    expect(parseTransformLine(line({ [field]: 'x'.repeat(max + 1) }))).toMatchObject({
      kind: 'skip',
      reason: 'invalid',
      detail: expect.stringMatching(new RegExp(`^recommendations\\.0\\.${field}: \\S`)),
    });
  });

  it('skips an empty show id, an infinite score and an empty partner', () => {
    expect(kindOf(line({ showId: '' }))).toBe('skip');
    expect(kindOf(line({}).replace('"score":0.5', '"score":1e999'))).toBe('skip');
    expect(kindOf(line({ partner: '' }))).toBe('skip');
  });

  it(`takes 1 to ${TOP_K} recommendations a line, no more and none fewer`, () => {
    expect(
      kindOf(
        line(
          {},
          Array.from({ length: TOP_K }, () => rec),
        ),
      ),
    ).toBe('list');
    expect(
      parseTransformLine(
        line(
          {},
          Array.from({ length: TOP_K + 1 }, () => rec),
        ),
      ),
    ).toMatchObject({
      reason: 'invalid',
      detail: expect.stringMatching(/^recommendations: /),
    });
    expect(kindOf(line({}, []))).toBe('skip');
  });

  it('gives a recommendation without a reason an empty one', () => {
    const { reason: _, ...withoutReason } = rec;

    const parsed = parseTransformLine(JSON.stringify({ viewerId: 'v1', recommendations: [withoutReason] }));

    expect(parsed).toEqual({
      kind: 'list',
      value: { viewerId: 'v1', recommendations: [{ ...withoutReason, reason: '' }] },
    });
  });

  it('reports a container error without a code as such, not as an invalid list', () => {
    expect(parseTransformLine('{"error":{"message":"timeout"}}')).toEqual({ kind: 'skip', reason: 'container-error' });
  });
});

describe('toViewerListItem', () => {
  it('writes every field of the contract row', () => {
    const item = toViewerListItem(
      { viewerId: 'v1', recommendations: [rec] },
      { runId: 'r', modelVersion: 'm', updatedAt: 'u', ttl: 12 },
    );

    expect(item).toEqual({
      viewerId: { S: 'v1' },
      runId: { S: 'r' },
      modelVersion: { S: 'm' },
      recommendations: {
        L: [
          {
            M: {
              showId: { S: 's1' },
              title: { S: 'T' },
              genre: { S: 'g' },
              brand: { S: 'b' },
              partner: { S: 'hulu' },
              score: { N: '0.5' },
              rank: { N: '1' },
              reason: { S: 'r' },
            },
          },
        ],
      },
      updatedAt: { S: 'u' },
      ttl: { N: '12' },
    });
  });
});
