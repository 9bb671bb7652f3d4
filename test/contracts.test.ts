import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTNER_ID_PATTERN, PartnerId, VIEWER_ID_PATTERN } from '../contracts/ids.js';
import { METRIC_NAMES, TOP_K } from '../contracts/recommendation-list.js';
import { loadOffersConfig } from '../functions/offers/config.js';
import { parseOffersRequest } from '../functions/offers/request.js';
import { parseTransformLine } from '../functions/write-recs/transform-line.js';
import { type Json, loadPipeline } from '../local/asl-loader.js';
import { PROJECT_ROOT } from '../local/stack.js';
import { parseHyperparameters } from '../model/hyperparameters.js';

/** The contracts of contracts/*.ts hold at every stage that reads or writes them. */

const recommendation = (partner = 'hulu') => ({
  showId: 's1',
  title: 'T',
  genre: 'g',
  brand: 'b',
  partner,
  score: 1,
  reason: '',
});
const stores = (line: object) => parseTransformLine(JSON.stringify(line)).kind === 'list';
const offersAccept = (viewerId: string) => {
  try {
    parseOffersRequest({ pathParameters: { viewerId } });
    return true;
  } catch {
    return false;
  }
};
// Ids near the rule's edges: its alphabet, characters just outside it, and lengths around 64.
const idCharacters = fc.constantFrom(...'aZ09_-#/ .é\u0000'.split(''));
const nearIds = fc.oneof(fc.string({ unit: idCharacters, maxLength: 70 }), fc.string({ maxLength: 300 }));

describe('viewer ids', () => {
  it('are stored by the writer exactly when the offers endpoint can read them back', () => {
    fc.assert(
      fc.property(nearIds, (viewerId) => {
        const stored = stores({ viewerId, recommendations: [recommendation()] });
        expect(stored).toBe(offersAccept(viewerId));
        expect(stored).toBe(VIEWER_ID_PATTERN.test(viewerId));
      }),
      { numRuns: 2_000 },
    );
  });

  it('that the endpoint refuses are counted as invalid lines, never written', () => {
    const parsed = parseTransformLine(
      JSON.stringify({ viewerId: 'a'.repeat(65), recommendations: [recommendation()] }),
    );
    expect(parsed).toMatchObject({ kind: 'skip', reason: 'invalid' });
  });
});

describe('partner ids', () => {
  it('are one rule for the writer, the offers filter and the deep-link templates', () => {
    fc.assert(
      fc.property(nearIds, (partner) => {
        const valid = PARTNER_ID_PATTERN.test(partner);
        expect(stores({ viewerId: 'v1', recommendations: [recommendation(partner)] })).toBe(valid);
        expect(PartnerId.safeParse(partner).success).toBe(valid);
        let filterAccepted = true;
        try {
          parseOffersRequest({ pathParameters: { viewerId: 'v1' }, queryStringParameters: { partner } });
        } catch {
          filterAccepted = false;
        }
        // `?partner=` (an empty value) is no partner id either: a 400 naming the field, as any malformed one.
        expect(filterAccepted).toBe(valid);
      }),
      { numRuns: 2_000 },
    );
    const templates = (partner: string) =>
      loadOffersConfig({ TABLE_NAME: 't', DEEP_LINK_TEMPLATES: JSON.stringify({ [partner]: 'https://x/{showId}' }) });
    expect(() => templates('hulu')).not.toThrow();
    expect(() => templates('hu-lu')).toThrow();
  });
});

describe('list length', () => {
  it('is TOP_K for the writer, the offers limit and the hyperparameter k', () => {
    const list = (n: number) => ({
      viewerId: 'v1',
      recommendations: Array.from({ length: n }, () => recommendation()),
    });
    expect(stores(list(TOP_K))).toBe(true);
    expect(stores(list(TOP_K + 1))).toBe(false);
    expect(parseOffersRequest({ pathParameters: { viewerId: 'v' } }).limit).toBe(TOP_K);
    expect(() =>
      parseOffersRequest({ pathParameters: { viewerId: 'v' }, queryStringParameters: { limit: String(TOP_K + 1) } }),
    ).toThrow();
    expect(parseHyperparameters({}).k).toBe(TOP_K);
    expect(() => parseHyperparameters({ k: String(TOP_K + 1) })).toThrow(/"k"/);
  });

  it('names the metrics the training job definition scrapes', () => {
    const { definition } = loadPipeline({ root: PROJECT_ROOT });
    const found: { Name: string; Regex: string }[] = [];
    const walk = (value: Json | undefined): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'MetricDefinitions') found.push(...(inner as unknown as { Name: string; Regex: string }[]));
          else walk(inner);
        }
      }
    };
    walk(definition as unknown as Json);
    expect(found.map((m) => m.Name).sort()).toEqual(Object.values(METRIC_NAMES).sort());
    for (const { Name, Regex } of found) expect(new RegExp(Regex).exec(`${Name}=0.25`)?.[1]).toBe('0.25');
  });
});
