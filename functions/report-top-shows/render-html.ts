import { CHART_JS_UMD } from './chart-js.generated.js';
import { CLIENT_SCRIPT } from './client-script.js';
import { EXPERIMENT_SCRIPT, renderExperimentSection } from './experiment-html.js';
import type { TopShowsReport } from './report.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

// Inside <script>, only "</script" (any case) and "<!--" can end or confuse the element; JSON gets < escaped.
const safeScript = (code: string) => code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
const safeJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const STYLE = `
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --panel: #ffffff; --bg: #f1f5f9; --accent: #4f46e5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: #0f172a; color: #f8fafc; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 650; letter-spacing: -0.01em; }
header p { margin: 0; color: #cbd5e1; font-size: 13px; }
header code { color: #e2e8f0; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 32px 40px; }
.filters { display: flex; gap: 12px; flex-wrap: wrap; align-items: center; margin-bottom: 16px; }
.filters label { font-size: 12px; color: var(--muted); display: flex; gap: 6px; align-items: center; }
select { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 8px; background: #fff; color: var(--ink); }
.kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 16px; margin-bottom: 16px; }
.kpi, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; }
.kpi { padding: 14px 16px; }
.kpi h3 { margin: 0; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.kpi .value { font-size: 24px; font-weight: 650; margin-top: 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.kpi .note { font-size: 12px; color: var(--muted); }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; margin-bottom: 16px; }
.panel { padding: 16px 18px; }
.panel h2 { margin: 0; font-size: 15px; font-weight: 650; }
.panel .sub { margin: 2px 0 12px; font-size: 12px; color: var(--muted); }
.chart { position: relative; height: 300px; }
.wide { grid-column: 1 / -1; }
.experiment { margin-bottom: 16px; } .experiment .kpi { background: #f8fafc; } .experiment .chart { margin-bottom: 12px; }
td .note { color: var(--muted); font-size: 11px; } .scroll { overflow-x: auto; } td.ci { white-space: nowrap; }
.empty { color: var(--muted); padding: 24px 0; text-align: center; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 8px 10px; border-bottom: 1px solid var(--line); text-align: left; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
th button { all: unset; cursor: pointer; }
th button::after { content: " \\2195"; opacity: 0.35; }
th[aria-sort="ascending"] button::after { content: " \\2191"; opacity: 1; }
th[aria-sort="descending"] button::after { content: " \\2193"; opacity: 1; }
th[aria-sort="ascending"], th[aria-sort="descending"] { color: var(--accent); }
tbody tr:hover { background: #f8fafc; }
.num { text-align: right; }
.up { color: #047857; } .down { color: #b91c1c; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; }
footer { color: var(--muted); font-size: 12px; margin-top: 16px; }
@media (max-width: 900px) { .grid, .kpis { grid-template-columns: minmax(0, 1fr); } }
`;

// Reports written before issue #16 carry no weekStartsOn: their weeks were ISO weeks.
const weekDay = (report: TopShowsReport) => {
  const day = report.window.weekStartsOn ?? 'monday';
  return `${day.charAt(0).toUpperCase()}${day.slice(1)}s`;
};

/** Renders the report as one self-contained HTML page (chart.js and the data inlined; works offline). */
export function renderReportHtml(report: TopShowsReport): string {
  const first = report.weeks[0] ?? report.window.since.slice(0, 10);
  const last = report.weeks[report.weeks.length - 1] ?? first;
  const recs = report.recommendations;
  const recNote = recs
    ? `Recommendations of run <code>${escapeHtml(recs.runId)}</code>: viewers each show was recommended to, and how many then watched it.`
    : 'No recommendation exposures are recorded for this run yet.';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Top-performing shows · ${escapeHtml(report.runId)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Top-performing shows</h1>
  <p>Run <code>${escapeHtml(report.runId)}</code> · weeks ${escapeHtml(first)} to ${escapeHtml(last)} · data as of ${escapeHtml(report.window.asOf)} UTC</p>
</header>
<main>
  <div class="filters">
    <label>Brand <select id="filter-brand"></select></label>
    <label>Partner <select id="filter-partner"></select></label>
    <label>Week <select id="filter-week"></select></label>
  </div>
  <section class="kpis">
    <div class="kpi"><h3>Watch hours</h3><div class="value" id="kpi-hours">–</div><div class="note" id="kpi-hours-note"></div></div>
    <div class="kpi"><h3>Top show</h3><div class="value" id="kpi-top">–</div><div class="note" id="kpi-top-note"></div></div>
    <div class="kpi"><h3>Biggest riser</h3><div class="value" id="kpi-riser">–</div><div class="note" id="kpi-riser-note"></div></div>
    <div class="kpi"><h3>Recommendation hit rate</h3><div class="value" id="kpi-hit">–</div><div class="note" id="kpi-hit-note"></div></div>
  </section>
  <section class="grid">
    <div class="panel">
      <h2>Top shows by unique viewers</h2>
      <p class="sub" id="top-shows-scope"></p>
      <div class="chart"><canvas id="chart-top-shows" aria-label="Top shows by unique viewers" role="img"></canvas></div>
    </div>
    <div class="panel">
      <h2>Weekly unique viewers per brand</h2>
      <p class="sub">Viewers resolved across partners; ${report.weeks.length} weeks.</p>
      <div class="chart"><canvas id="chart-brand-trend" aria-label="Weekly unique viewers per brand" role="img"></canvas></div>
    </div>
    <div class="panel wide">
      <h2>Recommendation hit rate</h2>
      <p class="sub">${recNote}</p>
      ${recs ? '<div class="chart"><canvas id="chart-hit-rate" aria-label="Recommendation hit rate" role="img"></canvas></div>' : '<p class="empty">Nothing to show yet.</p>'}
    </div>
  </section>
  ${renderExperimentSection(report.experiment)}
  <section class="panel">
    <h2>Top ${report.topN} shows</h2>
    <p class="sub" id="table-scope"></p>
    <table id="shows-table"><thead><tr></tr></thead><tbody></tbody></table>
    <p class="empty" id="table-empty" hidden>No views in this week for this selection.</p>
  </section>
  <footer>Repeat rate = share of the week's viewers who watched the show more than once that week (the catalog has no
  runtimes, so completion cannot be measured). Weeks start on ${escapeHtml(weekDay(report))}; the report opens on the
  last complete week. Week over week compares unique viewers with the whole week before, for complete weeks only: the
  week to date has no comparison until it ends; "new" means no viewers the week before. Generated ${escapeHtml(report.generatedAt)}.</footer>
</main>
<script type="application/json" id="report-data">${safeJson(report)}</script>
<script>${safeScript(CHART_JS_UMD)}</script>
<script>${safeScript(CLIENT_SCRIPT)}</script>
${report.experiment ? `<script>${safeScript(EXPERIMENT_SCRIPT)}</script>` : ''}
</body>
</html>
`;
}
