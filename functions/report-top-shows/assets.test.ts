import { describe, expect, it } from 'vitest';
import { assetModules } from './generate-assets.js';

describe('generated asset modules', () => {
  it.each(assetModules().map((m) => [m.file, m] as const))(
    '%s holds its source (else run generate-assets.ts)',
    async (file, m) => {
      const module = (await import(`./${file.replace('.generated.ts', '')}.generated.js`)) as Record<string, unknown>;

      expect(
        module[m.exportName] === m.value,
        `${file} is stale: npx tsx functions/report-top-shows/generate-assets.ts`,
      ).toBe(true);
    },
  );
});
