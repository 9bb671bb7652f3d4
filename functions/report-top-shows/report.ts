import { z } from 'zod';
import { InvalidInputError } from '../_shared/errors.js';
import type { ExperimentReport } from './experiment-report.js';
import type { SqlRow } from './sql-runner.js';

/** Partner value the SQL uses for "every partner together". */
export const ALL_PARTNERS = 'all';

const count = z.coerce.number().int().nonnegative();
const ratio = z.coerce.number();
const nullable = <T extends z.ZodType>(schema: T) =>
  z.union([z.null(), z.undefined(), schema]).transform((v) => v ?? null);

const TopShowRow = z.object({
  section: z.literal('top_show'),
  brand: z.string(),
  partner: z.string(),
  week_start: z.string(),
  show_id: z.string(),
  title: z.string(),
  show_rank: count,
  unique_viewers: count,
  watch_hours: ratio,
  repeat_viewers: count,
  repeat_rate: ratio,
  prev_unique_viewers: nullable(count),
  wow_change: nullable(ratio),
});
const BrandWeekRow = z.object({
  section: z.literal('brand_week'),
  brand: z.string(),
  week_start: z.string(),
  unique_viewers: count,
  watch_hours: ratio,
  prev_unique_viewers: nullable(count),
  wow_change: nullable(ratio),
});
const RecHitRow = z.object({
  section: z.literal('rec_hit'),
  brand: z.string(),
  show_id: z.string(),
  title: z.string(),
  exposure_run_id: z.string(),
  recommended_viewers: count,
  converted_viewers: count,
  hit_rate: ratio,
});
const ReportRow = z.discriminatedUnion('section', [TopShowRow, BrandWeekRow, RecHitRow]);

/** One show's week on one partner (or on all of them: partner = 'all'). */
export interface ShowWeek {
  brand: string;
  partner: string;
  weekStart: string;
  rank: number;
  showId: string;
  title: string;
  uniqueViewers: number;
  watchHours: number;
  repeatViewers: number;
  /** Share of the week's viewers who watched the show more than once that week. */
  repeatRate: number;
  prevUniqueViewers: number | null;
  /** (viewers − last week's) / last week's; null when the show had no viewers the week before. */
  wowChange: number | null;
}

export interface BrandWeek {
  brand: string;
  weekStart: string;
  uniqueViewers: number;
  watchHours: number;
  prevUniqueViewers: number | null;
  wowChange: number | null;
}

export interface ShowHits {
  showId: string;
  title: string;
  brand: string;
  recommendedViewers: number;
  convertedViewers: number;
  hitRate: number;
}

export interface TopShowsReport {
  runId: string;
  generatedAt: string;
  window: { since: string; asOf: string };
  topN: number;
  /** Every week start (Monday, YYYY-MM-DD) in the window, oldest first, including weeks without views. */
  weeks: string[];
  brands: string[];
  partners: string[];
  topShows: ShowWeek[];
  brandWeeks: BrandWeek[];
  /** The stage's holdout experiment (issue #18): per-variant figures and lifts; absent or null without one. */
  experiment?: ExperimentReport | null;
  /** Hit rate of the newest run with recorded exposures at or before runId; null when there is none. */
  recommendations: {
    runId: string;
    recommendedViewers: number;
    convertedViewers: number;
    hitRate: number;
    shows: ShowHits[];
  } | null;
}

export interface ReportWindow {
  /** Monday 00:00 of the first reported week, `YYYY-MM-DD HH:MM:SS` (a SQL TIMESTAMP literal). */
  since: string;
  asOf: string;
}

const DAY_MS = 86_400_000;
const sqlTimestamp = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');
const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/** Monday 00:00 UTC of the ISO week holding `date` (what DATE_TRUNC('week', …) gives). */
export function weekStart(date: Date): Date {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const daysSinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(midnight - daysSinceMonday * DAY_MS);
}

/** The report covers the `weeks` ISO weeks up to and including the one holding `asOf`. */
export function reportWindow(asOf: Date, weeks: number): ReportWindow {
  if (!Number.isInteger(weeks) || weeks < 1) throw new InvalidInputError('weeks must be a positive integer', 'weeks');
  if (Number.isNaN(asOf.getTime())) throw new InvalidInputError('asOf is not a valid time', 'asOf');
  const since = new Date(weekStart(asOf).getTime() - (weeks - 1) * 7 * DAY_MS);
  return { since: sqlTimestamp(since), asOf: sqlTimestamp(asOf) };
}

/** The named parameters of sql/report_top_shows.sql. */
export function reportParams(runId: string, window: ReportWindow, topN: number): Record<string, string> {
  return { run_id: runId, since: window.since, as_of: window.asOf, top_n: String(topN) };
}

const round = (value: number, digits: number) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
const roundOrNull = (value: number | null, digits: number) => (value === null ? null : round(value, digits));

/** Turns the rows of sql/report_top_shows.sql into the report (pure: no clock, no I/O). */
export function buildReport(
  rows: readonly SqlRow[],
  meta: { runId: string; generatedAt: string; window: ReportWindow; topN: number },
): TopShowsReport {
  const topShows: ShowWeek[] = [];
  const brandWeeks: BrandWeek[] = [];
  const hits: (ShowHits & { runId: string })[] = [];
  for (const [index, raw] of rows.entries()) {
    const parsed = ReportRow.safeParse(raw);
    if (!parsed.success) {
      throw new InvalidInputError(`report row ${index} does not match the SQL's columns: ${parsed.error.message}`);
    }
    const row = parsed.data;
    if (row.section === 'top_show') {
      topShows.push({
        brand: row.brand,
        partner: row.partner,
        weekStart: row.week_start,
        rank: row.show_rank,
        showId: row.show_id,
        title: row.title,
        uniqueViewers: row.unique_viewers,
        watchHours: round(row.watch_hours, 2),
        repeatViewers: row.repeat_viewers,
        repeatRate: round(row.repeat_rate, 4),
        prevUniqueViewers: row.prev_unique_viewers,
        wowChange: roundOrNull(row.wow_change, 4),
      });
    } else if (row.section === 'brand_week') {
      brandWeeks.push({
        brand: row.brand,
        weekStart: row.week_start,
        uniqueViewers: row.unique_viewers,
        watchHours: round(row.watch_hours, 2),
        prevUniqueViewers: row.prev_unique_viewers,
        wowChange: roundOrNull(row.wow_change, 4),
      });
    } else {
      hits.push({
        runId: row.exposure_run_id,
        showId: row.show_id,
        title: row.title,
        brand: row.brand,
        recommendedViewers: row.recommended_viewers,
        convertedViewers: row.converted_viewers,
        hitRate: round(row.hit_rate, 4),
      });
    }
  }
  return {
    runId: meta.runId,
    generatedAt: meta.generatedAt,
    window: meta.window,
    topN: meta.topN,
    weeks: weeksBetween(meta.window),
    brands: [...new Set([...topShows, ...brandWeeks].map((r) => r.brand))].sort(),
    partners: [...new Set(topShows.map((r) => r.partner).filter((p) => p !== ALL_PARTNERS))].sort(),
    topShows,
    brandWeeks,
    recommendations: summarizeHits(hits),
  };
}

function weeksBetween(window: ReportWindow): string[] {
  const weeks: string[] = [];
  const last = weekStart(new Date(`${window.asOf.replace(' ', 'T')}Z`)).getTime();
  for (let t = new Date(`${window.since.replace(' ', 'T')}Z`).getTime(); t <= last; t += 7 * DAY_MS) {
    weeks.push(isoDate(new Date(t)));
  }
  return weeks;
}

function summarizeHits(hits: readonly (ShowHits & { runId: string })[]): TopShowsReport['recommendations'] {
  const first = hits[0];
  if (!first) return null;
  const recommendedViewers = hits.reduce((sum, h) => sum + h.recommendedViewers, 0);
  const convertedViewers = hits.reduce((sum, h) => sum + h.convertedViewers, 0);
  const shows = hits
    .map(({ runId: _runId, ...show }) => show)
    .sort((a, b) => b.recommendedViewers - a.recommendedViewers || a.showId.localeCompare(b.showId));
  return {
    runId: first.runId,
    recommendedViewers,
    convertedViewers,
    hitRate: recommendedViewers === 0 ? 0 : round(convertedViewers / recommendedViewers, 4),
    shows,
  };
}
