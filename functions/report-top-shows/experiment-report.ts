import { z } from 'zod';
import { InvalidInputError } from '../_shared/errors.js';
import { controlThreshold, type Experiment, type Variant } from '../_shared/experiment.js';
import {
  type Difference,
  type MeanSums,
  MIN_SAMPLE,
  type RatioSums,
  retentionLift,
  retentionRatio,
  welchDifference,
} from './experiment-stats.js';
import type { SqlRow, SqlRunner } from './sql-runner.js';

/**
 * The experiment section of the report (issue #18): runs sql/report_experiment.sql for the stage's experiment and
 * turns its sums into per-variant figures and lifts with 95 % intervals (experiment-stats.ts). Intention to treat:
 * every viewer the hash assigns counts, whether or not they came back.
 */

const DAY_MS = 86_400_000;
const ALL_BRANDS = 'all';
const VARIANTS: readonly Variant[] = ['control', 'treatment'];

export interface VariantFigures {
  /** Viewers assigned (intention to treat). */
  viewers: number;
  /** Retention (share of viewer-weeks active with an outcome week that were followed by activity); null: no weeks. */
  retention: number | null;
  activeWeeks: number;
  retainedWeeks: number;
  /** Watch hours in the outcome weeks per assigned viewer. */
  watchHoursPerViewer: number;
  /** The exposure run's hit rate for this variant's lists (control's were computed, not shown); null: none. */
  hitRate: number | null;
  exposures: number;
  conversions: number;
}

export interface Lift extends Difference {
  /** Human reading of the verdict, e.g. "not enough data yet: this sample detects lifts from 2.3 points". */
  summary: string;
}

export interface BrandExperiment {
  brand: string;
  variants: Record<Variant, VariantFigures>;
  retentionLift: Lift | null;
  /** Watch hours per viewer, treatment − control (Welch). */
  watchTimeLift: Lift | null;
}

export interface ExperimentReport {
  id: string;
  start: string;
  end: string | null;
  controlShare: number;
  control: Experiment['control'];
  /** Outcome weeks (Mondays) measured: complete weeks inside the experiment; empty until one is complete. */
  weeks: string[];
  variants: Record<Variant, VariantFigures>;
  /** Treatment − control retention in absolute proportion points (0.05 = 5 points). */
  retentionLift: Lift | null;
  watchTimeLift: Lift | null;
  /** Per brand, the same figures (retention and watch time on that brand's shows). */
  brands: BrandExperiment[];
  /** Retention per outcome week and variant, every brand together (the chart). */
  retentionByWeek: { weekStart: string; control: number | null; treatment: number | null }[];
}

const num = z.coerce.number();
// Every column is in every row (NULL where a section does not use it), as the SQL's UNION ALL returns them.
const nullableNum = z.union([z.null(), z.coerce.number()]).transform((v) => v ?? 0);
const Row = z.object({
  section: z.enum(['variant', 'variant_brand', 'retention_week', 'hits']),
  variant: z.enum(['control', 'treatment']),
  brand: z.string().nullish(),
  week_start: z.string().nullish(),
  viewers: nullableNum,
  active_weeks: nullableNum,
  retained_weeks: nullableNum,
  active_weeks_sq: nullableNum,
  retained_weeks_sq: nullableNum,
  active_retained_weeks: nullableNum,
  watch_seconds: nullableNum,
  watch_seconds_sq: nullableNum,
  exposures: nullableNum,
  conversions: num.nullish(),
});

const sqlTimestamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const mondayOf = (ms: number) => {
  const day = new Date(ms);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  return midnight - ((new Date(midnight).getUTCDay() + 6) % 7) * DAY_MS;
};

/**
 * The outcome weeks: from the first Monday at or after the start (the first week wholly inside the experiment) to
 * the last week that ended by min(end, asOf). Mondays as epoch ms; `last < first` when no week is complete yet.
 */
export function outcomeWeeks(experiment: Experiment, asOf: Date): { first: number; last: number } {
  const startMs = Date.parse(experiment.start);
  const startMonday = mondayOf(startMs);
  const first = startMonday === startMs ? startMs : startMonday + 7 * DAY_MS;
  const endMs = Math.min(experiment.end ? Date.parse(experiment.end) : Number.POSITIVE_INFINITY, asOf.getTime());
  // A week [W, W+7d) is complete when W + 7d <= end; the newest such W is the Monday of (end) minus a week,
  // or end's own Monday when end falls exactly on it.
  const last = mondayOf(endMs - 1) + 7 * DAY_MS <= endMs ? mondayOf(endMs - 1) : mondayOf(endMs - 1) - 7 * DAY_MS;
  return { first, last };
}

const emptySums = () => ({ ratio: emptyRatio(), watch: emptyMean(), exposures: 0, conversions: 0 });
const emptyRatio = (): RatioSums => ({
  viewers: 0,
  activeWeeks: 0,
  retainedWeeks: 0,
  activeWeeksSq: 0,
  retainedWeeksSq: 0,
  activeRetainedWeeks: 0,
});
const emptyMean = (): MeanSums => ({ viewers: 0, sum: 0, sumSq: 0 });
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const points = (value: number) => `${(value * 100).toFixed(1)} points`;

function describe(lift: Difference, unit: (value: number) => string): Lift {
  const rounded: Difference = {
    ...lift,
    estimate: round(lift.estimate, 6),
    ci95: [round(lift.ci95[0], 6), round(lift.ci95[1], 6)],
    standardError: round(lift.standardError, 6),
    minimumDetectableEffect: round(lift.minimumDetectableEffect, 6),
  };
  const range = `${unit(lift.ci95[0])} to ${unit(lift.ci95[1])}`;
  const summary =
    lift.verdict === 'not-enough-data'
      ? `not enough data yet: ${unit(lift.estimate)} (95 % CI ${range}); this sample detects effects from ${unit(lift.minimumDetectableEffect)}`
      : `${lift.verdict === 'lift' ? 'lift' : 'drop'} of ${unit(lift.estimate)} (95 % CI ${range})`;
  return { ...rounded, summary };
}

/** Runs the experiment SQL and builds the report section (null inputs never reach here: no experiment, no section). */
export async function buildExperimentReport(
  sql: SqlRunner,
  experimentSql: string,
  options: { experiment: Experiment; runId: string; asOf: Date },
): Promise<ExperimentReport> {
  const { experiment, asOf } = options;
  const { first, last } = outcomeWeeks(experiment, asOf);
  const weeks: string[] = [];
  for (let week = first; week <= last; week += 7 * DAY_MS) weeks.push(new Date(week).toISOString().slice(0, 10));
  const rows = await sql.run(experimentSql, {
    experiment_id: experiment.id,
    control_threshold: String(controlThreshold(experiment.controlShare)),
    first_week: sqlTimestamp(first),
    last_week: sqlTimestamp(last),
    run_id: options.runId,
    as_of: sqlTimestamp(asOf.getTime()),
  });
  return experimentReportFromRows(rows, experiment, weeks);
}

/** Pure: the rows of sql/report_experiment.sql → the report section. */
export function experimentReportFromRows(
  rows: readonly SqlRow[],
  experiment: Experiment,
  weeks: string[],
): ExperimentReport {
  const assigned: Record<Variant, number> = { control: 0, treatment: 0 };
  const byBrand = new Map<string, Record<Variant, ReturnType<typeof emptySums>>>();
  const brandSums = (brand: string) => {
    let sums = byBrand.get(brand);
    if (!sums) {
      sums = { control: emptySums(), treatment: emptySums() };
      byBrand.set(brand, sums);
    }
    return sums;
  };
  const weekly = new Map<string, Record<Variant, number | null>>();
  for (const [index, raw] of rows.entries()) {
    const parsed = Row.safeParse(raw);
    if (!parsed.success) {
      throw new InvalidInputError(`experiment row ${index} does not match the SQL's columns: ${parsed.error.message}`);
    }
    const row = parsed.data;
    const brand = row.brand ?? ALL_BRANDS;
    if (row.section === 'variant') assigned[row.variant] = row.viewers;
    else if (row.section === 'variant_brand') {
      const sums = brandSums(brand)[row.variant];
      sums.ratio = {
        viewers: 0,
        activeWeeks: row.active_weeks,
        retainedWeeks: row.retained_weeks,
        activeWeeksSq: row.active_weeks_sq,
        retainedWeeksSq: row.retained_weeks_sq,
        activeRetainedWeeks: row.active_retained_weeks,
      };
      // Watch time in hours, so the lift reads in hours per viewer.
      sums.watch = { viewers: 0, sum: row.watch_seconds / 3600, sumSq: row.watch_seconds_sq / 3600 ** 2 };
    } else if (row.section === 'hits') {
      const sums = brandSums(brand)[row.variant];
      sums.exposures = row.exposures;
      sums.conversions = row.conversions ?? 0;
    } else if (brand === ALL_BRANDS && row.week_start) {
      const week = weekly.get(row.week_start) ?? { control: null, treatment: null };
      week[row.variant] = row.active_weeks > 0 ? round(row.retained_weeks / row.active_weeks, 4) : null;
      weekly.set(row.week_start, week);
    }
  }
  const brandFigures = (brand: string): BrandExperiment => {
    const sums = brandSums(brand);
    for (const variant of VARIANTS) {
      // Intention to treat: every assigned viewer is in every brand's denominator, with zeros where inactive.
      sums[variant].ratio.viewers = assigned[variant];
      sums[variant].watch.viewers = assigned[variant];
    }
    const figures = (variant: Variant): VariantFigures => {
      const s = sums[variant];
      const ratio = retentionRatio(s.ratio);
      return {
        viewers: assigned[variant],
        retention: ratio ? round(ratio.ratio, 6) : null,
        activeWeeks: s.ratio.activeWeeks,
        retainedWeeks: s.ratio.retainedWeeks,
        watchHoursPerViewer: assigned[variant] > 0 ? round(s.watch.sum / assigned[variant], 4) : 0,
        hitRate: s.exposures > 0 ? round(s.conversions / s.exposures, 6) : null,
        exposures: s.exposures,
        conversions: s.conversions,
      };
    };
    const retention = retentionLift(sums.treatment.ratio, sums.control.ratio);
    const watch = welchDifference(sums.treatment.watch, sums.control.watch);
    return {
      brand,
      variants: { control: figures('control'), treatment: figures('treatment') },
      retentionLift: retention ? describe(retention, points) : null,
      watchTimeLift: watch ? describe(watch, (hours) => `${hours.toFixed(2)} h per viewer`) : null,
    };
  };
  const overall = brandFigures(ALL_BRANDS);
  const brands = [...byBrand.keys()].filter((b) => b !== ALL_BRANDS).sort();
  return {
    id: experiment.id,
    start: experiment.start,
    end: experiment.end ?? null,
    controlShare: experiment.controlShare,
    control: experiment.control,
    weeks,
    variants: overall.variants,
    retentionLift: overall.retentionLift,
    watchTimeLift: overall.watchTimeLift,
    brands: brands.map(brandFigures),
    retentionByWeek: weeks.map((weekStart) => ({
      weekStart,
      control: weekly.get(weekStart)?.control ?? null,
      treatment: weekly.get(weekStart)?.treatment ?? null,
    })),
  };
}

/** Shown when a variant has too few weeks for an interval. */
export const MIN_SAMPLE_NOTE = `Intervals need at least ${MIN_SAMPLE} active viewer-weeks in each variant.`;
