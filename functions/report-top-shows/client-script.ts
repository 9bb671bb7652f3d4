/**
 * The report page's own script (plain ES2017, no build step), inlined after chart.js. It reads the report JSON
 * embedded in the page, fills the filters, draws the three charts and the sortable table. Kept as a string so the
 * Lambda bundle carries it; it must not contain backticks or `${`.
 */
export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var ALL = 'all';
  var PALETTE = ['#4f46e5', '#0d9488', '#e11d48', '#d97706', '#0284c7', '#7c3aed', '#65a30d', '#db2777'];
  var brandColor = {};
  report.brands.forEach(function (brand, i) { brandColor[brand] = PALETTE[i % PALETTE.length]; });
  var hitsByShow = {};
  if (report.recommendations) {
    report.recommendations.shows.forEach(function (s) { hitsByShow[s.showId] = s; });
  }
  var int = new Intl.NumberFormat('en-US');
  var dec = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  var pct = function (v) { return v === null || v === undefined ? '–' : dec.format(v * 100) + '%'; };
  var signedPct = function (v) { return v === null || v === undefined ? 'new' : (v > 0 ? '+' : '') + pct(v); };
  var $ = function (id) { return document.getElementById(id); };

  // Opens on the report's defaultWeek (the last complete week with views); the week to date is labelled as such and
  // is never compared with a whole week (issue #16).
  var statusByWeek = {};
  (report.weekStatus || []).forEach(function (w) { statusByWeek[w.weekStart] = w; });
  var isToDate = function (week) { return Boolean(statusByWeek[week] && !statusByWeek[week].isComplete); };
  var weekLabel = function (week) {
    return 'Week of ' + week + (isToDate(week) ? ' (to date, through ' + statusByWeek[week].throughDate + ')' : '');
  };
  var state = {
    brand: ALL,
    partner: ALL,
    week: report.defaultWeek || report.weeks[report.weeks.length - 1],
    sortKey: 'uniqueViewers',
    sortDir: 'desc',
  };

  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#475569';
  Chart.defaults.borderColor = '#e2e8f0';
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  function fillSelect(select, values, label, selected) {
    values.forEach(function (v) {
      var option = document.createElement('option');
      option.value = v;
      option.textContent = label(v);
      select.appendChild(option);
    });
    select.value = selected;
  }
  fillSelect($('filter-brand'), [ALL].concat(report.brands), function (v) { return v === ALL ? 'All brands' : v; }, state.brand);
  fillSelect($('filter-partner'), [ALL].concat(report.partners), function (v) { return v === ALL ? 'All partners' : v; }, state.partner);
  fillSelect($('filter-week'), report.weeks.slice().reverse(), weekLabel, state.week);
  ['brand', 'partner', 'week'].forEach(function (key) {
    $('filter-' + key).addEventListener('change', function (event) { state[key] = event.target.value; render(); });
  });

  // The SQL ranks the top N per brand, so the overall top N is always among the per-brand rows.
  function selectedShows() {
    var rows = report.topShows.filter(function (r) {
      return r.partner === state.partner && r.weekStart === state.week && (state.brand === ALL || r.brand === state.brand);
    });
    rows.sort(function (a, b) { return b.uniqueViewers - a.uniqueViewers || b.watchHours - a.watchHours || (a.title < b.title ? -1 : 1); });
    return rows.slice(0, report.topN).map(function (r, i) {
      var hits = hitsByShow[r.showId];
      return Object.assign({}, r, {
        position: i + 1,
        recommendedViewers: hits ? hits.recommendedViewers : null,
        hitRate: hits ? hits.hitRate : null,
      });
    });
  }

  var topChart = new Chart($('chart-top-shows'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'Unique viewers', data: [], backgroundColor: [], borderRadius: 4 }] },
    options: {
      indexAxis: 'y',
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { afterLabel: function (ctx) { return 'Brand: ' + ctx.chart.$rows[ctx.dataIndex].brand; } } },
      },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } },
    },
  });

  var trendChart = new Chart($('chart-brand-trend'), {
    type: 'line',
    data: {
      labels: report.weeks.map(function (w) { return w.slice(5) + (isToDate(w) ? ' (to date)' : ''); }),
      datasets: report.brands.map(function (brand) {
        return {
          label: brand,
          data: report.weeks.map(function (w) {
            var row = report.brandWeeks.find(function (b) { return b.brand === brand && b.weekStart === w; });
            return row ? row.uniqueViewers : 0;
          }),
          borderColor: brandColor[brand],
          backgroundColor: brandColor[brand],
          tension: 0.3,
          pointRadius: 3,
          // The line into the week to date is dashed: a partial week's dip is not a trend.
          segment: { borderDash: function (ctx) { return isToDate(report.weeks[ctx.p1DataIndex]) ? [6, 4] : undefined; } },
        };
      }),
    },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { position: 'bottom' } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Unique viewers' } } },
    },
  });

  if (report.recommendations) {
    var recShows = report.recommendations.shows.slice(0, 10);
    new Chart($('chart-hit-rate'), {
      data: {
        labels: recShows.map(function (s) { return s.title; }),
        datasets: [
          { type: 'bar', label: 'Recommended to', data: recShows.map(function (s) { return s.recommendedViewers; }), backgroundColor: '#c7d2fe', borderRadius: 4, yAxisID: 'y' },
          { type: 'bar', label: 'Then watched', data: recShows.map(function (s) { return s.convertedViewers; }), backgroundColor: '#4f46e5', borderRadius: 4, yAxisID: 'y' },
          { type: 'line', label: 'Hit rate', data: recShows.map(function (s) { return s.hitRate * 100; }), borderColor: '#e11d48', backgroundColor: '#e11d48', yAxisID: 'rate', pointRadius: 4 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom' } },
        scales: {
          x: { grid: { display: false }, ticks: { autoSkip: false, maxRotation: 30 } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Viewers' } },
          rate: { position: 'right', beginAtZero: true, suggestedMax: 100, grid: { display: false }, ticks: { callback: function (v) { return v + '%'; } }, title: { display: true, text: 'Hit rate' } },
        },
      },
    });
  }

  function renderKpis(shows) {
    var week = state.week;
    var prevIndex = report.weeks.indexOf(week) - 1;
    var prevWeek = prevIndex >= 0 ? report.weeks[prevIndex] : null;
    var hours = function (w) {
      return report.brandWeeks.filter(function (b) { return b.weekStart === w && (state.brand === ALL || b.brand === state.brand); })
        .reduce(function (sum, b) { return sum + b.watchHours; }, 0);
    };
    var now = hours(week);
    var before = prevWeek ? hours(prevWeek) : 0;
    $('kpi-hours').textContent = int.format(Math.round(now));
    $('kpi-hours-note').textContent = isToDate(week)
      ? 'week to date: compared once the week is complete'
      : before > 0 ? signedPct((now - before) / before) + ' vs previous week' : 'no previous week';
    var top = shows[0];
    $('kpi-top').textContent = top ? top.title : '–';
    $('kpi-top-note').textContent = top ? int.format(top.uniqueViewers) + ' viewers · ' + top.brand : 'no views this week';
    var risers = shows.filter(function (s) { return s.wowChange !== null; })
      .sort(function (a, b) { return b.wowChange - a.wowChange; });
    $('kpi-riser').textContent = risers.length ? risers[0].title : '–';
    $('kpi-riser-note').textContent = risers.length
      ? signedPct(risers[0].wowChange) + ' viewers week over week'
      : isToDate(week) ? 'week to date: no week-over-week change yet' : 'no show with a previous week';
    var recs = report.recommendations;
    $('kpi-hit').textContent = recs ? pct(recs.hitRate) : '–';
    $('kpi-hit-note').textContent = recs
      ? int.format(recs.convertedViewers) + ' of ' + int.format(recs.recommendedViewers) + ' recommendations watched'
      : 'no recommendations recorded yet';
  }

  var COLUMNS = [
    { key: 'position', label: '#', numeric: true },
    { key: 'title', label: 'Show' },
    { key: 'brand', label: 'Brand' },
    { key: 'uniqueViewers', label: 'Unique viewers', numeric: true, format: function (v) { return int.format(v); } },
    { key: 'watchHours', label: 'Watch hours', numeric: true, format: function (v) { return dec.format(v); } },
    { key: 'repeatRate', label: 'Repeat rate', numeric: true, format: pct },
    { key: 'wowChange', label: 'Week over week', numeric: true, format: function (v) { return isToDate(state.week) ? '–' : signedPct(v); } },
    { key: 'recommendedViewers', label: 'Recommended to', numeric: true, format: function (v) { return v === null ? '–' : int.format(v); } },
    { key: 'hitRate', label: 'Hit rate', numeric: true, format: pct },
  ];

  var headRow = $('shows-table').querySelector('thead tr');
  COLUMNS.forEach(function (column) {
    var th = document.createElement('th');
    th.scope = 'col';
    th.dataset.key = column.key;
    if (column.numeric) th.className = 'num';
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = column.label;
    button.addEventListener('click', function () {
      if (state.sortKey === column.key) state.sortDir = state.sortDir === 'asc' ? 'desc' : 'asc';
      else { state.sortKey = column.key; state.sortDir = column.numeric ? 'desc' : 'asc'; }
      renderTable(selectedShows());
    });
    th.appendChild(button);
    headRow.appendChild(th);
  });

  // Nulls (a new show, a show nobody was recommended) sort last in either direction.
  function compare(a, b) {
    var x = a[state.sortKey];
    var y = b[state.sortKey];
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined) return -1;
    var order = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return state.sortDir === 'asc' ? order : -order;
  }

  function renderTable(shows) {
    headRow.querySelectorAll('th').forEach(function (th) {
      var sorted = th.dataset.key === state.sortKey;
      th.setAttribute('aria-sort', sorted ? (state.sortDir === 'asc' ? 'ascending' : 'descending') : 'none');
    });
    var body = $('shows-table').querySelector('tbody');
    body.textContent = '';
    shows.slice().sort(compare).forEach(function (show) {
      var tr = document.createElement('tr');
      COLUMNS.forEach(function (column) {
        var td = document.createElement('td');
        var value = show[column.key];
        if (column.numeric) td.className = 'num';
        if (column.key === 'brand') {
          var dot = document.createElement('span');
          dot.className = 'dot';
          dot.style.background = brandColor[value];
          td.appendChild(dot);
        }
        if (column.key === 'wowChange' && value !== null) td.classList.add(value >= 0 ? 'up' : 'down');
        td.appendChild(document.createTextNode(column.format ? column.format(value) : String(value)));
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    $('table-empty').hidden = shows.length > 0;
  }

  function render() {
    var shows = selectedShows();
    topChart.$rows = shows;
    topChart.data.labels = shows.map(function (s) { return s.title; });
    topChart.data.datasets[0].data = shows.map(function (s) { return s.uniqueViewers; });
    topChart.data.datasets[0].backgroundColor = shows.map(function (s) { return brandColor[s.brand]; });
    topChart.update();
    var scope = (state.brand === ALL ? 'all brands' : state.brand) + ' · ' + (state.partner === ALL ? 'all partners' : state.partner);
    $('top-shows-scope').textContent = weekLabel(state.week) + ' · ' + scope;
    $('table-scope').textContent = weekLabel(state.week) + ' · ' + scope;
    renderKpis(shows);
    renderTable(shows);
  }

  render();
  document.body.dataset.ready = 'true';
})();
`;
