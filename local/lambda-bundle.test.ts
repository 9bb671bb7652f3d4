import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from './lambda-bundle.js';
import { readYaml } from './serverless-refs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('lambdaBuildOptions', () => {
  it("bundles a function with serverless.yml's custom.esbuild, less serverless-esbuild's packaging settings", () => {
    const { exclude, outputFileExtension, alias, ...compile } = (
      readYaml(join(ROOT, 'serverless.yml')) as { custom: { esbuild: Record<string, unknown> } }
    ).custom.esbuild;

    const options = lambdaBuildOptions(ROOT, 'offers');

    expect([exclude, outputFileExtension]).not.toContain(undefined);
    expect(options).toEqual({
      ...compile,
      // serverless-esbuild resolves a relative alias target from the service folder.
      alias: Object.fromEntries(
        Object.entries(alias as Record<string, string>).map(([from, to]) => [from, join(ROOT, to)]),
      ),
      entryPoints: [join(ROOT, 'functions/offers/handler.ts')],
    });
  });

  it('refuses a function serverless.yml does not declare', () => {
    expect(() => lambdaBuildOptions(ROOT, 'nope')).toThrow('serverless.yml has no function nope');
  });
});
