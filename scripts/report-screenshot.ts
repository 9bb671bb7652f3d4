// `npm run report:screenshot [-- --out .recs/report.png]`: builds the top-shows report from a seeded sample
// warehouse (PGlite in memory) and saves a full-page PNG of it rendered in headless Chromium (issue #8).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { generateReport } from '../functions/report-top-shows/generate-report.js';
import { launchChromium } from '../local/headless-chromium.js';
import { pgSqlRunner } from '../local/pg-sql-runner.js';
import { loadSampleWarehouse, makeSampleWarehouse } from '../local/report-sample-data.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: '.recs/report.png' } } });
const pngPath = resolve(values.out);
const htmlPath = `${pngPath.replace(/\.png$/, '')}.html`;

const sample = makeSampleWarehouse({ seed: 7 });
const db = new PGlite();
try {
  await loadSampleWarehouse(db, sample);
  const { html } = await generateReport(pgSqlRunner(db), {
    runId: sample.runId,
    asOf: sample.asOf,
    generatedAt: sample.asOf,
  });
  mkdirSync(dirname(pngPath), { recursive: true });
  writeFileSync(htmlPath, html);
} finally {
  await db.close();
}

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(htmlPath).href);
  await page.waitForSelector('body[data-ready="true"]');
  await page.screenshot({ path: pngPath, fullPage: true });
} finally {
  await browser.close();
}
process.stdout.write(`${pngPath}\n`);
process.stderr.write(`report page: ${htmlPath}\n`);
