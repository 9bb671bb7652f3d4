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
  /**
   * (viewers − last week's) / last week's; null when the show had no viewers the week before, and for the week to
   * date (a partial week is never compared with a whole one).
   */
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

/** A week of the report: complete once asOf has reached its last second, else the week to date. */
export interface WeekStatus {
  weekStart: string;
  isComplete: boolean;
  /** Last day (YYYY-MM-DD) the week's figures cover: its last day, or asOf's day for the week to date. */
  throughDate: string;
}

export interface TopShowsReport {
  runId: string;
  generatedAt: string;
  window: ReportWindow;
  topN: number;
  /** Every week start (YYYY-MM-DD, on window.weekStartsOn) in the window, oldest first, including weeks without views. */
  weeks: string[];
  /** `weeks` with their completeness, same order. */
  weekStatus: WeekStatus[];
  /**
   * The week the report opens on: the newest complete week with views, else (the first days of data) the newest
   * week with views, which is then the week to date, else the newest week. Never a partial week next to a complete
   * one: a week to date compared with a whole week looks like a collapse that did not happen (issue #16).
   */
  defaultWeek: string;
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

/** Days a report week can start on; Monday (ISO weeks, Redshift's DATE_TRUNC('week', …)) unless configured. */
export const WEEK_START_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type WeekStartDay = (typeof WEEK_START_DAYS)[number];
export const DEFAULT_WEEK_START: WeekStartDay = 'monday';

export interface ReportWindow {
  /** 00:00 of the first reported week's start day, `YYYY-MM-DD HH:MM:SS` (a SQL TIMESTAMP literal). */
  since: string;
  /** Last second included, same format. */
  asOf: string;
  weekStartsOn: WeekStartDay;
}

const DAY_MS = 86_400_000;
const sqlTimestamp = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');
const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/** 00:00 UTC of the day the week holding `date` starts (Monday: what DATE_TRUNC('week', …) gives). */
export function weekStart(date: Date, startsOn: WeekStartDay = DEFAULT_WEEK_START): Date {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const daysAfterMonday = WEEK_START_DAYS.indexOf(startsOn);
  const daysSinceStart = (new Date(midnight).getUTCDay() + 6 - daysAfterMonday + 7) % 7;
  return new Date(midnight - daysSinceStart * DAY_MS);
}

/** The report covers the `weeks` weeks up to and including the one holding `asOf` (the week to date). */
export function reportWindow(asOf: Date, weeks: number, weekStartsOn: WeekStartDay = DEFAULT_WEEK_START): ReportWindow {
  if (!Number.isInteger(weeks) || weeks < 1) throw new InvalidInputError('weeks must be a positive integer', 'weeks');
  if (Number.isNaN(asOf.getTime())) throw new InvalidInputError('asOf is not a valid time', 'asOf');
  if (!WEEK_START_DAYS.includes(weekStartsOn)) {
    throw new InvalidInputError(`weekStartsOn must be one of ${WEEK_START_DAYS.join(', ')}`, 'weekStartsOn');
  }
  const since = new Date(weekStart(asOf, weekStartsOn).getTime() - (weeks - 1) * 7 * DAY_MS);
  return { since: sqlTimestamp(since), asOf: sqlTimestamp(asOf), weekStartsOn };
}

/** The named parameters of sql/report_top_shows.sql. */
export function reportParams(runId: string, window: ReportWindow, topN: number): Record<string, string> {
  return {
    run_id: runId,
    since: window.since,
    as_of: window.asOf,
    top_n: String(topN),
    week_start_day: String(WEEK_START_DAYS.indexOf(window.weekStartsOn)),
  };
}

const fromSqlTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);

/**
 * Every week of the window with its completeness. asOf is the last second included, so a week is complete when
 * asOf has reached its last second (Sunday 23:59:59 for a Monday week); any earlier and it is the week to date.
 */
export function weekStatuses(window: ReportWindow): WeekStatus[] {
  const asOf = fromSqlTimestamp(window.asOf).getTime();
  const last = weekStart(new Date(asOf), window.weekStartsOn).getTime();
  const weeks: WeekStatus[] = [];
  for (let t = fromSqlTimestamp(window.since).getTime(); t <= last; t += 7 * DAY_MS) {
    const end = t + 7 * DAY_MS;
    const isComplete = asOf >= end - 1000;
    weeks.push({
      weekStart: isoDate(new Date(t)),
      isComplete,
      throughDate: isoDate(new Date(isComplete ? end - DAY_MS : asOf)),
    });
  }
  return weeks;
}

/** The week a report opens on (see TopShowsReport.defaultWeek). */
export function defaultWeek(weeks: readonly WeekStatus[], weeksWithViews: ReadonlySet<string>): string {
  const newestFirst = [...weeks].reverse();
  const pick =
    newestFirst.find((w) => w.isComplete && weeksWithViews.has(w.weekStart)) ??
    newestFirst.find((w) => weeksWithViews.has(w.weekStart)) ??
    newestFirst[0];
  if (!pick) throw new InvalidInputError('the report window has no weeks', 'weeks');
  return pick.weekStart;
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
  const weekStatus = weekStatuses(meta.window);
  // Week over week compares complete weeks only: the week to date has no change until it ends.
  const toDate = new Set(weekStatus.filter((w) => !w.isComplete).map((w) => w.weekStart));
  const completeWow = (week: string, change: number | null) => (toDate.has(week) ? null : roundOrNull(change, 4));
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
        wowChange: completeWow(row.week_start, row.wow_change),
      });
    } else if (row.section === 'brand_week') {
      brandWeeks.push({
        brand: row.brand,
        weekStart: row.week_start,
        uniqueViewers: row.unique_viewers,
        watchHours: round(row.watch_hours, 2),
        prevUniqueViewers: row.prev_unique_viewers,
        wowChange: completeWow(row.week_start, row.wow_change),
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
    weeks: weekStatus.map((w) => w.weekStart),
    weekStatus,
    defaultWeek: defaultWeek(weekStatus, new Set(brandWeeks.map((b) => b.weekStart))),
    brands: [...new Set([...topShows, ...brandWeeks].map((r) => r.brand))].sort(),
    partners: [...new Set(topShows.map((r) => r.partner).filter((p) => p !== ALL_PARTNERS))].sort(),
    topShows,
    brandWeeks,
    recommendations: summarizeHits(hits),
  };
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
