import { z } from 'zod';
import { PartnerId } from '../../contracts/ids.js';
import { InvalidInputError } from '../_shared/errors.js';
import { ALL_PARTNERS, type TopShowsReport } from './report.js';

const Query = z.object({
  brand: z.string().min(1).max(64).optional(),
  partner: z.optional(PartnerId),
  week: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'week must be YYYY-MM-DD (a week start)')
    .optional(),
});

/** GET /reports/top-shows?brand=&partner=&week=: the report's rows for one brand/partner/week (default: the report's defaultWeek, all). */
export function filterReport(report: TopShowsReport, query: Readonly<Record<string, string | undefined>>) {
  const parsed = Query.safeParse(query);
  if (!parsed.success) throw new InvalidInputError(`bad query: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const { brand, partner = ALL_PARTNERS } = parsed.data;
  // Reports written before issue #16 have no defaultWeek: they fall back to the newest week with views.
  const weeksWithData = report.weeks.filter((w) => report.brandWeeks.some((b) => b.weekStart === w));
  const week = parsed.data.week ?? report.defaultWeek ?? weeksWithData.at(-1) ?? report.weeks.at(-1) ?? null;
  if (week !== null && !report.weeks.includes(week)) {
    throw new InvalidInputError(`week ${week} is outside the report (${report.weeks[0]} to ${report.weeks.at(-1)})`);
  }
  const topShows = report.topShows
    .filter((r) => r.weekStart === week && r.partner === partner && (brand === undefined || r.brand === brand))
    .sort((a, b) => b.uniqueViewers - a.uniqueViewers || a.showId.localeCompare(b.showId))
    .slice(0, report.topN);
  return {
    runId: report.runId,
    generatedAt: report.generatedAt,
    week,
    /** False for the week to date: its figures are partial and it has no week-over-week change. */
    weekIsComplete: report.weekStatus?.find((w) => w.weekStart === week)?.isComplete ?? null,
    brand: brand ?? null,
    partner,
    topShows,
    brandWeeks: report.brandWeeks.filter((b) => brand === undefined || b.brand === brand),
    recommendations: report.recommendations,
    // The experiment's figures for every brand, or for the chosen one (`brands` filtered like brandWeeks).
    experiment: report.experiment
      ? {
          ...report.experiment,
          brands: report.experiment.brands.filter((b) => brand === undefined || b.brand === brand),
        }
      : null,
  };
}
