import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The AWS SDK clients share @aws-sdk/core and @smithy/*: clients from different releases pull in several
 * copies (bigger bundles, middleware that does not match). Not every client is published on every release,
 * so a bump moves all of them to a release that has each one.
 */
describe('package.json', () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const all = { ...manifest.dependencies, ...manifest.devDependencies };

  it('pins every @aws-sdk package to one version', () => {
    const versions = new Set(
      Object.entries(all)
        .filter(([name]) => name.startsWith('@aws-sdk/'))
        .map(([, version]) => version),
    );
    expect(versions.size).toBe(1);
    expect([...versions][0]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('pins exact versions', () => {
    const ranged = Object.entries(all).filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version));
    expect(ranged).toEqual([]);
  });
});
