import { describe, expect, it } from 'vitest';
import { renderExperimentSection } from './experiment-html.js';
import type { BrandExperiment, ExperimentReport, Lift, VariantFigures } from './experiment-report.js';

// What business users read in the experiment panel: every figure's formatting, the verdict's colour and words, and
// names escaped. (The sorting script is exercised by the browser test.)

const figures = (over: Partial<VariantFigures>): VariantFigures => ({
  viewers: 0,
  retention: null,
  activeWeeks: 0,
  retainedWeeks: 0,
  watchHoursPerViewer: 0,
  hitRate: null,
  exposures: 0,
  conversions: 0,
  ...over,
});

const lift = (verdict: Lift['verdict'], estimate: number, ci95: [number, number], summary = 'summary'): Lift => ({
  verdict,
  estimate,
  ci95,
  standardError: 0.01,
  minimumDetectableEffect: 0.03,
  summary,
});

const brand: BrandExperiment = {
  brand: 'Night & Day',
  variants: {
    control: figures({ viewers: 80, retention: 0.5, watchHoursPerViewer: 1 }),
    treatment: figures({ viewers: 720, retention: null, watchHoursPerViewer: 1.125, hitRate: 0.25 }),
  },
  retentionLift: lift('not-enough-data', 0.02, [-0.01, 0.05]),
  watchTimeLift: null,
};

function report(over: Partial<ExperimentReport> = {}): ExperimentReport {
  return {
    id: 'holdout-1',
    start: '2026-11-02T00:00:00.000Z',
    end: null,
    controlShare: 0.1,
    control: 'popular',
    weeks: ['2026-11-09', '2026-11-16'],
    variants: {
      control: figures({ viewers: 1234, retention: 0.45, watchHoursPerViewer: 1.5, hitRate: null }),
      treatment: figures({ viewers: 11111, retention: 0.6, watchHoursPerViewer: 0.75, hitRate: 0.125 }),
    },
    retentionLift: lift('lift', 0.15, [0.05, 0.25], 'lift of 15.0 points <b>'),
    watchTimeLift: lift('drop', -0.75, [-1.2, -0.3], 'drop & more'),
    brands: [brand],
    retentionByWeek: [],
    ...over,
  };
}

const between = (html: string, open: string, close: string) => {
  const start = html.indexOf(open);
  expect(start, `${open} in the panel`).toBeGreaterThanOrEqual(0);
  return html.slice(start + open.length, html.indexOf(close, start + open.length));
};
const kpi = (html: string, title: string) => between(html, `<h3>${title}</h3>`, '</div></div>');
const bodyRows = (html: string) =>
  between(html, '<tbody>', '</tbody>')
    .split('\n')
    .map((tr) => [...tr.matchAll(/<td([^>]*)>(.*?)<\/td>/g)].map(([, attributes, text]) => ({ attributes, text })));

describe('renderExperimentSection', () => {
  it('heads the panel with the experiment, its window, the control share and treatment, and the weeks counted', () => {
    const html = renderExperimentSection(report({ id: 'holdout-<1>' }));

    expect(html).toContain('<h2>Experiment <code>holdout-&lt;1&gt;</code>:');
    expect(html).toContain('2026-11-02 to now; 10.0 % of viewers held out with the popular-shows list.');
    expect(html).toContain('over 2 complete week(s)');

    const ended = renderExperimentSection(report({ end: '2026-12-01T00:00:00.000Z', control: 'previous-model' }));
    expect(ended).toContain("2026-11-02 to 2026-12-01; 10.0 % of viewers held out with the previous live run's lists.");
  });

  it.each([
    { verdict: 'lift' as const, estimate: 0.15, css: 'value up', value: '+15.0 points' },
    { verdict: 'drop' as const, estimate: -0.03, css: 'value down', value: '-3.0 points' },
    { verdict: 'not-enough-data' as const, estimate: 0, css: 'value ', value: '0.0 points' },
  ])(
    'shows a $verdict headline as "$value" in class "$css", with its summary escaped',
    ({ verdict, estimate, css, value }) => {
      const html = renderExperimentSection(report({ retentionLift: lift(verdict, estimate, [-1, 1], 'a < b') }));

      expect(kpi(html, 'Retention lift')).toBe(
        `<div class="${css}" id="experiment-lift">${value}</div><div class="note" id="experiment-lift-note">a &lt; b`,
      );
    },
  );

  it('says there is not enough data yet while no week is complete', () => {
    const html = renderExperimentSection(report({ retentionLift: null, watchTimeLift: null }));

    expect(kpi(html, 'Retention lift')).toBe(
      '<div class="value" id="experiment-lift">–</div><div class="note" id="experiment-lift-note">not enough data yet: no complete week inside the experiment',
    );
    expect(kpi(html, 'Watch hours per viewer')).toBe('<div class="value">–</div><div class="note">not enough data yet');
  });

  it('shows retention, watch time and hit rate as percentages, signed hours and grouped viewer counts', () => {
    const html = renderExperimentSection(report());

    expect(kpi(html, 'Retention')).toBe(
      '<div class="value">60.0 %</div><div class="note">treatment (11,111 viewers) vs 45.0 % control (1,234)',
    );
    expect(kpi(html, 'Watch hours per viewer')).toBe(
      '<div class="value">-0.75 h</div><div class="note">drop &amp; more',
    );
    expect(kpi(html, 'Hit rate')).toBe(
      '<div class="value">12.5 %</div><div class="note">treatment vs – control (lists computed, not shown)',
    );
    const gain = renderExperimentSection(report({ watchTimeLift: lift('lift', 0.5, [0.1, 0.9]) }));
    expect(kpi(gain, 'Watch hours per viewer')).toContain('<div class="value">+0.50 h</div>');
  });

  it('lays out the table: 13 sortable headers, all brands first, then each brand with its name escaped', () => {
    const html = renderExperimentSection(report());
    const headers = [...between(html, '<thead><tr>', '</tr></thead>').matchAll(/<th data-column="(\d+)"([^>]*)>/g)];

    expect(headers.map(([, column]) => Number(column))).toEqual([...Array(13).keys()]);
    expect(headers.map(([, , attributes]) => attributes)).toEqual(['', ...Array(12).fill(' class="num"')]);
    const [all = [], night = []] = bodyRows(html);
    expect(all).toHaveLength(13);
    expect(all[0]).toEqual({ attributes: ' data-value="all"', text: 'All brands' });
    expect(night[0]).toEqual({ attributes: ' data-value="Night &amp; Day"', text: 'Night &amp; Day' });
  });

  it("fills a row with each variant's figures, sort values in data-value and each lift's interval and verdict", () => {
    const [all = [], night = []] = bodyRows(renderExperimentSection(report()));

    expect(all.slice(1).map((cell) => `${cell.attributes} ${cell.text}`)).toEqual([
      ' class="num" data-value="1234" 1,234',
      ' class="num" data-value="11111" 11,111',
      ' class="num" data-value="0.45" 45.0 %',
      ' class="num" data-value="0.6" 60.0 %',
      ' class="num up" data-value="0.15" +15.0',
      ' class="num ci" [+5.0, +25.0]<br><span class="note">lift</span>',
      ' class="num" data-value="1.5" 1.50',
      ' class="num" data-value="0.75" 0.75',
      ' class="num down" data-value="-0.75" -0.75',
      ' class="num ci" [-1.20, -0.30]<br><span class="note">drop</span>',
      ' class="num" data-value="" –',
      ' class="num" data-value="0.125" 12.5 %',
    ]);
    // No retention for a variant sorts as empty; an undecided lift is uncoloured; no lift at all is two dashes.
    expect(night.slice(3, 9).map((cell) => `${cell.attributes} ${cell.text}`)).toEqual([
      ' class="num" data-value="0.5" 50.0 %',
      ' class="num" data-value="" –',
      ' class="num " data-value="0.02" +2.0',
      ' class="num ci" [-1.0, +5.0]<br><span class="note">not enough data yet</span>',
      ' class="num" data-value="1" 1.00',
      ' class="num" data-value="1.125" 1.13',
    ]);
    expect(night.slice(9, 11)).toEqual([
      { attributes: ' class="num" data-value=""', text: '–' },
      { attributes: '', text: '–' },
    ]);
  });

  it('renders nothing without an experiment', () => {
    expect(renderExperimentSection(null)).toBe('');
    expect(renderExperimentSection(undefined)).toBe('');
  });
});
