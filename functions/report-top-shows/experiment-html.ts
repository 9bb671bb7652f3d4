import type { Variant } from '../_shared/experiment.js';
import type { BrandExperiment, ExperimentReport, Lift } from './experiment-report.js';

/**
 * The report page's experiment panel (issue #18): headline figures, retention by variant per week (chart) and a
 * sortable per-brand table. Rendered on the server; EXPERIMENT_SCRIPT only draws the chart and sorts the table.
 */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const pct = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);
const signedPoints = (value: number) => `${value > 0 ? '+' : ''}${(value * 100).toFixed(1)}`;
const hours = (value: number) => value.toFixed(2);
const int = (value: number) => value.toLocaleString('en-US');

function liftCell(lift: Lift | null, unit: (v: number) => string): string {
  if (!lift) return '<td class="num" data-value="">–</td><td>–</td>';
  const css = lift.verdict === 'lift' ? 'up' : lift.verdict === 'drop' ? 'down' : '';
  const verdict = lift.verdict === 'not-enough-data' ? 'not enough data yet' : lift.verdict;
  return `<td class="num ${css}" data-value="${lift.estimate}">${unit(lift.estimate)}</td><td class="num ci">[${unit(lift.ci95[0])}, ${unit(lift.ci95[1])}]<br><span class="note">${verdict}</span></td>`;
}

function row(entry: BrandExperiment): string {
  const v = (variant: Variant) => entry.variants[variant];
  const cells = [
    `<td data-value="${escapeHtml(entry.brand)}">${entry.brand === 'all' ? 'All brands' : escapeHtml(entry.brand)}</td>`,
    `<td class="num" data-value="${v('control').viewers}">${int(v('control').viewers)}</td>`,
    `<td class="num" data-value="${v('treatment').viewers}">${int(v('treatment').viewers)}</td>`,
    `<td class="num" data-value="${v('control').retention ?? ''}">${pct(v('control').retention)}</td>`,
    `<td class="num" data-value="${v('treatment').retention ?? ''}">${pct(v('treatment').retention)}</td>`,
    liftCell(entry.retentionLift, signedPoints),
    `<td class="num" data-value="${v('control').watchHoursPerViewer}">${hours(v('control').watchHoursPerViewer)}</td>`,
    `<td class="num" data-value="${v('treatment').watchHoursPerViewer}">${hours(v('treatment').watchHoursPerViewer)}</td>`,
    liftCell(entry.watchTimeLift, (x) => `${x > 0 ? '+' : ''}${hours(x)}`),
    `<td class="num" data-value="${v('control').hitRate ?? ''}">${pct(v('control').hitRate)}</td>`,
    `<td class="num" data-value="${v('treatment').hitRate ?? ''}">${pct(v('treatment').hitRate)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

const HEADERS = [
  'Brand',
  'Control viewers',
  'Treatment viewers',
  'Control retention',
  'Treatment retention',
  'Retention lift (points)',
  '95 % CI',
  'Control h/viewer',
  'Treatment h/viewer',
  'Watch-time lift (h)',
  '95 % CI',
  'Control hit rate',
  'Treatment hit rate',
];

/** The experiment panel's HTML, or '' when the report has no experiment. */
export function renderExperimentSection(experiment: ExperimentReport | null | undefined): string {
  if (!experiment) return '';
  const lift = experiment.retentionLift;
  const headline = lift
    ? `<div class="value ${lift.verdict === 'lift' ? 'up' : lift.verdict === 'drop' ? 'down' : ''}" id="experiment-lift">${signedPoints(lift.estimate)} points</div><div class="note" id="experiment-lift-note">${escapeHtml(lift.summary)}</div>`
    : '<div class="value" id="experiment-lift">–</div><div class="note" id="experiment-lift-note">not enough data yet: no complete week inside the experiment</div>';
  const watch = experiment.watchTimeLift;
  const control = experiment.control === 'popular' ? 'the popular-shows list' : "the previous live run's lists";
  const window = `${escapeHtml(experiment.start.slice(0, 10))} to ${experiment.end ? escapeHtml(experiment.end.slice(0, 10)) : 'now'}`;
  const entries = [
    {
      brand: 'all',
      variants: experiment.variants,
      retentionLift: experiment.retentionLift,
      watchTimeLift: experiment.watchTimeLift,
    },
    ...experiment.brands,
  ];
  return `<section class="panel experiment" id="experiment">
    <h2>Experiment <code>${escapeHtml(experiment.id)}</code>: do recommendations keep viewers watching?</h2>
    <p class="sub">${window}; ${(experiment.controlShare * 100).toFixed(1)} % of viewers held out with ${control}. Intention to
    treat: every assigned viewer counts. Retention = share of viewers active in a week who are active the next week,
    over ${experiment.weeks.length} complete week(s); lifts are treatment − control with 95 % intervals.</p>
    <div class="kpis">
      <div class="kpi"><h3>Retention lift</h3>${headline}</div>
      <div class="kpi"><h3>Retention</h3><div class="value">${pct(experiment.variants.treatment.retention)}</div><div class="note">treatment (${int(experiment.variants.treatment.viewers)} viewers) vs ${pct(experiment.variants.control.retention)} control (${int(experiment.variants.control.viewers)})</div></div>
      <div class="kpi"><h3>Watch hours per viewer</h3><div class="value">${watch ? `${watch.estimate > 0 ? '+' : ''}${hours(watch.estimate)} h` : '–'}</div><div class="note">${watch ? escapeHtml(watch.summary) : 'not enough data yet'}</div></div>
      <div class="kpi"><h3>Hit rate</h3><div class="value">${pct(experiment.variants.treatment.hitRate)}</div><div class="note">treatment vs ${pct(experiment.variants.control.hitRate)} control (lists computed, not shown)</div></div>
    </div>
    <div class="chart"><canvas id="chart-experiment-retention" aria-label="Retention by variant per week" role="img"></canvas></div>
    <div class="scroll"><table id="experiment-table"><thead><tr>${HEADERS.map((h, i) => `<th data-column="${i}"${i === 0 ? '' : ' class="num"'}><button type="button">${h}</button></th>`).join('')}</tr></thead>
    <tbody>${entries.map(row).join('\n')}</tbody></table></div>
  </section>`;
}

/** Draws the retention chart and sorts the experiment table (plain ES2017; no backticks or template syntax inside). */
export const EXPERIMENT_SCRIPT = `
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var experiment = report.experiment;
  if (!experiment) return;
  var canvas = document.getElementById('chart-experiment-retention');
  if (canvas && typeof Chart !== 'undefined') {
    var series = function (variant) {
      return experiment.retentionByWeek.map(function (w) { return w[variant] === null ? null : w[variant] * 100; });
    };
    new Chart(canvas, {
      type: 'line',
      data: {
        labels: experiment.retentionByWeek.map(function (w) { return 'Week of ' + w.weekStart; }),
        datasets: [
          { label: 'Treatment (personalised)', data: series('treatment'), borderColor: '#4f46e5', backgroundColor: '#4f46e5' },
          { label: 'Control (held out)', data: series('control'), borderColor: '#94a3b8', backgroundColor: '#94a3b8' }
        ]
      },
      options: { maintainAspectRatio: false, scales: { y: { title: { display: true, text: 'Retention (%)' } } } }
    });
  }
  var table = document.getElementById('experiment-table');
  if (!table) return;
  var direction = {};
  Array.prototype.forEach.call(table.querySelectorAll('th'), function (th) {
    th.querySelector('button').addEventListener('click', function () {
      var column = Number(th.getAttribute('data-column'));
      var dir = direction[column] === 'ascending' ? 'descending' : 'ascending';
      direction = {};
      direction[column] = dir;
      Array.prototype.forEach.call(table.querySelectorAll('th'), function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir);
      var body = table.querySelector('tbody');
      var rows = Array.prototype.slice.call(body.querySelectorAll('tr'));
      var value = function (tr) {
        var raw = tr.children[column].getAttribute('data-value');
        var n = Number(raw);
        return raw !== '' && !isNaN(n) ? n : raw;
      };
      rows.sort(function (a, b) {
        var x = value(a);
        var y = value(b);
        var order = x < y ? -1 : x > y ? 1 : 0;
        return dir === 'ascending' ? order : -order;
      });
      rows.forEach(function (tr) { body.appendChild(tr); });
    });
  });
})();
`;
