import { describe, expect, it } from 'vitest';
import { ConfigError } from '../_shared/errors.js';
import { loadOffersConfig } from './config.js';

/** Runs `load` and returns what it threw, so the error's fields can be asserted one by one. */
function thrownBy(load: () => unknown): unknown {
  try {
    load();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('loadOffersConfig', () => {
  it('defaults the service scope and the deep-link templates, and runs no experiment unless one is set', () => {
    expect(loadOffersConfig({ TABLE_NAME: 'recs' })).toEqual({
      tableName: 'recs',
      serviceScope: 'offers/read',
      deepLinkTemplates: {},
    });
  });

  it('reads deep-link templates keyed by partner id', () => {
    const templates = { hulu: 'https://www.hulu.example/watch/{showId}' };

    const config = loadOffersConfig({ TABLE_NAME: 'recs', DEEP_LINK_TEMPLATES: JSON.stringify(templates) });

    expect(config.deepLinkTemplates).toEqual(templates);
  });

  it('names each missing variable in a ConfigError', () => {
    const error = thrownBy(() => loadOffersConfig({ OFFERS_SERVICE_SCOPE: '' }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ message: 'invalid environment: TABLE_NAME, OFFERS_SERVICE_SCOPE' });
  });

  it('refuses deep-link templates that are not JSON, keeping the parse error as the cause', () => {
    const error = thrownBy(() => loadOffersConfig({ TABLE_NAME: 'recs', DEEP_LINK_TEMPLATES: '{hulu:' }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ message: 'DEEP_LINK_TEMPLATES is not JSON', cause: expect.any(SyntaxError) });
  });

  it.each([
    ['a template without {showId}', { hulu: 'https://www.hulu.example/' }],
    ['a partner id that is not lower-case', { Hulu: 'https://www.hulu.example/{showId}' }],
    ['a list instead of a map', ['https://www.hulu.example/{showId}']],
  ])('refuses %s as a ConfigError saying what a template must be', (_label, templates) => {
    const error = thrownBy(() =>
      loadOffersConfig({ TABLE_NAME: 'recs', DEEP_LINK_TEMPLATES: JSON.stringify(templates) }),
    );

    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      message: 'DEEP_LINK_TEMPLATES must map partner ids to URL templates containing {showId}',
    });
  });
});
