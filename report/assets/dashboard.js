/* Klantstem dashboard: filters and charts over the aggregates embedded in the page.
 *
 * Data comes from <script id="klantstem-data" type="application/json"> (see report/data.py
 * for its shape). Text from customers is only ever put into the page with textContent /
 * createTextNode, and into Plotly labels HTML-escaped, never as markup.
 */
(function () {
  'use strict';

  var D = JSON.parse(document.getElementById('klantstem-data').textContent);
  var state = {
    hiddenBrands: {},   // brand name -> true when unchecked (new brands appear checked)
    hiddenSources: {},
    hiddenLanguages: {},  // language group -> true when unchecked
    period: null,       // '7' | '30' | '90' | '365' | 'all' | 'custom'
    from: null,         // ISO dates, for 'custom'
    to: null,
    metric: 'net',
    journeyBrand: null,
    journeyMode: null,
    population: null    // 'organic' | 'invited' | 'all'; null: organic where the split exists
  };

  var BRAND_COLORS = ['#0b5cad', '#e8832a', '#7b4fb0', '#2a9d8f', '#c2185b', '#8d6e63', '#5c6bc0', '#7f8c8d'];
  var SOURCE_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e0b43b', '#9d755d', '#72b7b2', '#ff9da6'];
  var NEG = '#c8374a', NEU = '#c9ced6', POS = '#2e8b57';
  var STATUS = { open: 'Open', resolved: 'Resolved', level_shift: 'New normal' };
  var QUADRANTS = { fix_first: 'Fix first', keep: 'Keep it up', monitor: 'Monitor', overkill: 'Less important' };
  var PLOT_CONFIG = { displaylogo: false, responsive: true,
    modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d', 'toggleSpikelines'] };
  var FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', size: 12, color: '#1d2733' };

  // ---------------------------------------------------------------- small helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = v;
        else if (k === 'style') node.setAttribute('style', v);
        else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function byId(id) { return document.getElementById(id); }
  // Plotly renders a few tags (<b>, <br>, <a>) in labels: escape everything that came from data.
  function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }

  var NUM = new Intl.NumberFormat('en-GB');
  function fmtInt(n) { return n === null || n === undefined || isNaN(n) ? '–' : NUM.format(Math.round(n)); }
  function fmtPct(x, d) { return x === null || x === undefined || !isFinite(x) ? '–' : (100 * x).toFixed(d === undefined ? 0 : d) + '%'; }
  function fmtNum(x, d) { return x === null || x === undefined || !isFinite(x) ? '–' : x.toFixed(d === undefined ? 2 : d); }
  function fmtSigned(x, d) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    var digits = d === undefined ? 0 : d, r = Number(x.toFixed(digits));
    return (r > 0 ? '+' : r < 0 ? '−' : '±') + Math.abs(r).toFixed(digits);
  }
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function fmtDate(iso) {
    if (!iso) return '–';
    var p = iso.slice(0, 10).split('-');
    return Number(p[2]) + ' ' + MONTHS[Number(p[1]) - 1] + ' ' + p[0];
  }
  function fmtTime(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  }
  function dayNum(iso) { var p = iso.split('-'); return Date.UTC(+p[0], +p[1] - 1, +p[2]) / 864e5; }
  function isoOf(n) { return new Date(n * 864e5).toISOString().slice(0, 10); }
  function addDays(iso, n) { return isoOf(dayNum(iso) + n); }
  function stars(normalised) {
    if (normalised === null || normalised === undefined) return '';
    var n = Math.max(1, Math.min(5, Math.round(1 + 4 * normalised)));
    return '★★★★★'.slice(0, n) + '☆☆☆☆☆'.slice(0, 5 - n);
  }
  function ratingText(m) {
    if (m.rating === null || m.rating === undefined) return '';
    var max = m.rating_max || 5;
    return max === 5 ? stars((m.rating - 1) / 4) : fmtNum(m.rating, m.rating % 1 ? 1 : 0) + '/' + fmtNum(max, 0);
  }

  // ---------------------------------------------------------------- derived lookups
  var brandIndex, sourceIndex, dayIso, brandColor, ownBrands;
  function indexData() {
    brandIndex = {}; sourceIndex = {}; brandColor = {}; ownBrands = {};
    D.brands.forEach(function (b, i) {
      brandIndex[b.name] = i;
      brandColor[b.name] = BRAND_COLORS[i % BRAND_COLORS.length];
      if (b.own) ownBrands[b.name] = true;
    });
    D.sources.forEach(function (s, i) { sourceIndex[s] = i; });
    dayIso = D.days || [];
  }
  function brandOn(name) { return !state.hiddenBrands[name]; }
  function sourceOn(name) { return !state.hiddenSources[name]; }
  // Language groups (nl, fr, en, other): rows of a payload without them (older report) always count.
  function languageOn(name) { return !state.hiddenLanguages[name]; }
  function languagesOn() { return (D.languages || []).map(function (x) { return languageOn(x); }); }
  function rowLanguageOn(table, lOn, i) { return !table.l || lOn[table.l[i]]; }
  function selectedBrands() { return D.brands.filter(function (b) { return brandOn(b.name); }); }

  // ---------------------------------------------------------------- period
  function period() {
    var asOf = D.meta.as_of, p = state.period;
    if (p === 'all') return { from: D.meta.first_day || asOf, to: D.meta.last_day || asOf, all: true };
    if (p === 'custom') {
      var f = state.from || D.meta.first_day || asOf, t = state.to || asOf;
      if (f > t) { var x = f; f = t; t = x; }
      var len = dayNum(t) - dayNum(f) + 1;
      return { from: f, to: t, prevFrom: addDays(f, -len), prevTo: addDays(f, -1) };
    }
    var n = Number(p);
    var from = addDays(asOf, -(n - 1));
    return { from: from, to: asOf, prevFrom: addDays(from, -n), prevTo: addDays(from, -1) };
  }
  // A bucket (day, or the week starting that Monday) counts when it overlaps [from, to].
  function overlaps(startIso, from, to) {
    var end = D.meta.bucket === 'week' ? addDays(startIso, 6) : startIso;
    return end >= from && startIso <= to;
  }
  function dayMask(from, to) {
    return dayIso.map(function (iso) { return overlaps(iso, from, to); });
  }
  function displayGranularity(p) {
    var len = dayNum(p.to) - dayNum(p.from) + 1;
    if (len > 730) return 'month';
    if (len > 45 || D.meta.bucket === 'week') return 'week';
    return 'day';
  }
  function displayKey(iso, g) {
    if (g === 'day') return iso;
    if (g === 'month') return iso.slice(0, 8) + '01';
    var n = dayNum(iso), dow = (new Date(n * 864e5).getUTCDay() + 6) % 7;
    return isoOf(n - dow);
  }

  // ---------------------------------------------------------------- aggregation
  // population: 'all' for both; default the population chosen in the filters.
  function factRows(mask, population) {
    var f = D.facts, out = [];
    if (!f) return out;
    var bOn = D.brands.map(function (b) { return brandOn(b.name); });
    var sOn = D.sources.map(function (s) { return sourceOn(s); });
    var lOn = languagesOn();
    var pop = population || currentPopulation();
    for (var i = 0; i < f.t.length; i++) {
      if (mask[f.t[i]] && bOn[f.b[i]] && sOn[f.s[i]] && rowLanguageOn(f, lOn, i) && populationOn(f.p ? f.p[i] : 0, pop)) out.push(i);
    }
    return out;
  }
  function emptyTotals() { return { n: 0, sc: 0, neg: 0, neu: 0, pos: 0, ss: 0, r: 0, rs: 0, g: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }; }
  function addRow(t, i) {
    var f = D.facts;
    t.n += f.n[i]; t.sc += f.sc[i]; t.neg += f.neg[i]; t.neu += f.neu[i]; t.pos += f.pos[i];
    t.ss += f.ss[i]; t.r += f.r[i]; t.rs += f.rs[i];
    var g = f.g[i];
    if (g) for (var k = 0; k < 10; k++) t.g[k] += g[k];
  }
  function totals(rows) { var t = emptyTotals(); rows.forEach(function (i) { addRow(t, i); }); return t; }
  function gradeStats(g, offset) {
    // g[k] = responses with grade k + offset (offset 1 for reviews, 0 for the survey)
    var n = 0, sum = 0, det = 0, pas = 0, pro = 0;
    g.forEach(function (c, k) {
      var grade = k + offset;
      n += c; sum += c * grade;
      if (grade >= 9) pro += c; else if (grade >= 7) pas += c; else det += c;
    });
    return { n: n, mean: n ? sum / n : null, det: n ? det / n : null, pas: n ? pas / n : null, pro: n ? pro / n : null,
      nps: n ? 100 * (pro - det) / n : null };
  }

  // ---------------------------------------------------------------- notes and empty states
  function sectionNote(sectionId, sec) {
    var card = byId(sectionId), note = card.querySelector('.note');
    var missing = !!sec && sec.status !== 'ok';
    card.classList.toggle('no-data', missing);  // hides the empty chart area under the note
    if (!missing) { note.hidden = true; clear(note); return false; }
    clear(note);
    // Notes are our own text with `commands` in backticks: render those as <code>.
    String(sec.note || 'No data yet.').split('`').forEach(function (part, i) {
      note.appendChild(i % 2 ? el('code', { text: part }) : document.createTextNode(part));
    });
    note.hidden = false;
    return true;
  }
  function showEmpty(div, text) {
    if (div.classList.contains('js-plotly-plot')) window.Plotly.purge(div);
    clear(div).appendChild(el('div', { class: 'empty', text: text }));
  }
  function plot(div, traces, layout) {
    var empty = div.querySelector(':scope > .empty');
    if (empty) div.removeChild(empty);
    var base = {
      font: FONT, paper_bgcolor: '#fff', plot_bgcolor: '#fff',
      margin: { l: 52, r: 16, t: 10, b: 40 }, hovermode: 'closest',
      legend: { orientation: 'h', y: -0.18, x: 0, font: { size: 12 } },
      xaxis: { gridcolor: '#eef1f5', zeroline: false, automargin: true },
      yaxis: { gridcolor: '#eef1f5', zeroline: false, automargin: true }
    };
    Object.keys(layout || {}).forEach(function (k) {
      base[k] = (typeof layout[k] === 'object' && !Array.isArray(layout[k]) && base[k]) ? Object.assign({}, base[k], layout[k]) : layout[k];
    });
    window.Plotly.react(div, traces, base, PLOT_CONFIG);
  }

  // ---------------------------------------------------------------- filters UI
  function buildFilters() {
    var bWrap = clear(byId('filter-brands'));
    D.brands.forEach(function (b) {
      var input = el('input', { type: 'checkbox', value: b.name, 'data-brand': b.name });
      input.checked = brandOn(b.name);
      input.addEventListener('change', function () { state.hiddenBrands[b.name] = !input.checked; update(); });
      bWrap.appendChild(el('label', { class: 'chip', title: b.own ? 'Own brand' : 'Competitor' }, [
        input, el('span', { class: 'swatch', style: 'background:' + brandColor[b.name] }), b.name,
        b.own ? el('span', { class: 'own', text: 'own' }) : null
      ]));
    });
    var sWrap = clear(byId('filter-sources'));
    D.sources.forEach(function (s, i) {
      var input = el('input', { type: 'checkbox', value: s, 'data-source': s });
      input.checked = sourceOn(s);
      input.addEventListener('change', function () { state.hiddenSources[s] = !input.checked; update(); });
      sWrap.appendChild(el('label', { class: 'chip' }, [
        input, el('span', { class: 'swatch', style: 'background:' + SOURCE_COLORS[i % SOURCE_COLORS.length] }), s
      ]));
    });
    buildLanguageFilter();
    if (!D.brands.length) bWrap.appendChild(el('span', { class: 'hint', text: 'none yet' }));
    if (!D.sources.length) sWrap.appendChild(el('span', { class: 'hint', text: 'none yet' }));
  }
  var LANGUAGE_NAMES = { nl: 'Dutch', fr: 'French', en: 'English', other: 'other', all: 'all' };
  function buildLanguageFilter() {
    var lWrap = clear(byId('filter-languages'));
    (D.languages || []).forEach(function (x) {
      var input = el('input', { type: 'checkbox', value: x, 'data-language': x });
      input.checked = languageOn(x);
      input.addEventListener('change', function () { state.hiddenLanguages[x] = !input.checked; update(); });
      lWrap.appendChild(el('label', { class: 'chip', title: x === 'other' ? 'Languages the brand does not monitor' : x },
        [input, LANGUAGE_NAMES[x] || x]));
    });
    if (!(D.languages || []).length) lWrap.appendChild(el('span', { class: 'hint', text: 'none yet' }));
  }
  function syncPeriodInputs() {
    var p = period();
    byId('filter-period').value = state.period;
    byId('filter-from').value = p.from;
    byId('filter-to').value = p.to;
  }
  function wireFilters() {
    byId('filter-period').addEventListener('change', function (e) { state.period = e.target.value; update(); });
    ['filter-from', 'filter-to'].forEach(function (id) {
      byId(id).addEventListener('change', function () {
        var f = byId('filter-from').value, t = byId('filter-to').value;
        if (!f || !t) return;
        state.period = 'custom'; state.from = f; state.to = t; update();
      });
    });
    byId('sentiment-metric').addEventListener('change', function (e) { state.metric = e.target.value; renderSentiment(); });
    byId('journey-brand').addEventListener('change', function (e) { state.journeyBrand = e.target.value; renderJourney(); });
    byId('journey-mode').addEventListener('change', function (e) { state.journeyMode = e.target.value; renderJourney(); });
    byId('filter-population').addEventListener('change', function (e) { state.population = e.target.value; update(); });
  }
  function defaultPeriod() {
    var last = D.meta.last_day, asOf = D.meta.as_of;
    if (!last) return 'all';
    return dayNum(last) >= dayNum(asOf) - 89 ? '90' : 'all';
  }

  // ---------------------------------------------------------------- header, KPIs
  function renderHeader() {
    var m = D.meta, bits = [];
    if (m.warehouse) bits.push('Warehouse ' + m.warehouse);
    if (m.first_day) bits.push(fmtInt(m.mentions) + ' mentions, ' + fmtDate(m.first_day) + ' – ' + fmtDate(m.last_day));
    bits.push('generated ' + fmtTime(m.generated_at));
    byId('subtitle').textContent = bits.join(' · ');
    var live = byId('live-status');
    if (m.live) {
      live.hidden = false;
      live.classList.toggle('stale', !!m.stale);
      live.textContent = m.stale ? 'Warehouse busy – showing data from ' + fmtTime(m.generated_at)
        : 'Live · refreshes every ' + m.refresh_s + ' s · updated ' + fmtTime(m.generated_at);
      live.title = m.stale || '';
    }
    byId('footer').textContent = 'Klantstem ' + (m.version || '') + ' · aggregates from the DuckDB warehouse' +
      (m.bucket === 'week' ? ' (weekly buckets: the period filter works in whole weeks)' : '') +
      ' · self-contained page, no network access.';
    var g = byId('global-notice');
    if (D.status && D.status.status !== 'ok') { g.hidden = false; clear(g); sectionNoteInto(g, D.status.note); }
    else g.hidden = true;
  }
  function sectionNoteInto(node, text) {
    String(text || '').split('`').forEach(function (part, i) {
      node.appendChild(i % 2 ? el('code', { text: part }) : document.createTextNode(part));
    });
  }
  function kpi(id, label, value, delta, goodWhenUp, deltaText) {
    var cls = 'kpi-delta';
    if (delta !== null && delta !== undefined && isFinite(delta) && delta !== 0 && goodWhenUp !== null) {
      cls += (delta > 0) === goodWhenUp ? ' good' : ' bad';
    }
    return el('div', { class: 'kpi', id: id }, [
      el('div', { class: 'kpi-label', text: label }),
      el('div', { class: 'kpi-value', text: value }),
      el('div', { class: cls, text: deltaText || '' })
    ]);
  }
  function renderKpis(cur, prev, p) {
    var wrap = clear(byId('kpis'));
    var cg = gradeStats(cur.g, 1), pg = prev ? gradeStats(prev.g, 1) : null;
    var share = cur.sc ? cur.neg / cur.sc : null, pshare = prev && prev.sc ? prev.neg / prev.sc : null;
    var net = cur.sc ? (cur.pos - cur.neg) / cur.sc : null, pnet = prev && prev.sc ? (prev.pos - prev.neg) / prev.sc : null;
    function vs(d, unit) { return prev && d !== null && isFinite(d) ? fmtSigned(d, unit === '%' ? 1 : unit === 'g' ? 1 : 0) + (unit === '%' ? ' pts' : unit === 'g' ? '' : '') + ' vs previous period' : (prev ? 'no data in previous period' : ''); }
    var nDelta = prev && prev.n ? (cur.n - prev.n) / prev.n : null;
    wrap.appendChild(kpi('kpi-mentions', 'Mentions', fmtInt(cur.n), null, null,
      prev ? (nDelta === null ? 'no mentions in previous period' : fmtSigned(100 * nDelta, 0) + '% vs previous period') : fmtDate(p.from) + ' – ' + fmtDate(p.to)));
    wrap.appendChild(kpi('kpi-negative', 'Negative', fmtPct(share, 1),
      share !== null && pshare !== null ? share - pshare : null, false,
      share !== null && pshare !== null ? vs(100 * (share - pshare), '%') : (cur.sc ? fmtInt(cur.neg) + ' of ' + fmtInt(cur.sc) + ' scored' : 'not scored yet')));
    wrap.appendChild(kpi('kpi-net', 'Net sentiment', net === null ? '–' : fmtSigned(100 * net, 0),
      net !== null && pnet !== null ? net - pnet : null, true,
      net !== null && pnet !== null ? vs(100 * (net - pnet), '%') : '% positive − % negative'));
    wrap.appendChild(kpi('kpi-grade', 'Mean grade', cg.mean === null ? '–' : cg.mean.toFixed(1),
      cg.mean !== null && pg && pg.mean !== null ? cg.mean - pg.mean : null, true,
      cg.mean !== null && pg && pg.mean !== null ? vs(cg.mean - pg.mean, 'g') : fmtInt(cg.n) + ' rated reviews (1–10)'));
    wrap.appendChild(kpi('kpi-nps', 'NPS (reviews)', cg.nps === null ? '–' : fmtSigned(cg.nps, 0),
      cg.nps !== null && pg && pg.nps !== null ? cg.nps - pg.nps : null, true,
      cg.nps !== null && pg && pg.nps !== null ? vs(cg.nps - pg.nps, 'n') : '% promoters − % detractors'));
    var open = filteredAlerts(p).filter(function (a) { return a.status === 'open'; }).length;
    wrap.appendChild(kpi('kpi-alerts', 'Open alerts', D.alerts && D.alerts.status === 'ok' ? String(open) : '–', null, null,
      D.alerts && D.alerts.status === 'ok' ? 'in the selection' : 'no alerts data yet'));
  }

  // ---------------------------------------------------------------- sentiment over time
  var current = {};  // what update() computed, for the per-section controls
  function seriesByBrand(rows, g) {
    var f = D.facts, per = {};
    rows.forEach(function (i) {
      var brand = D.brands[f.b[i]].name, key = displayKey(dayIso[f.t[i]], g);
      var s = per[brand] || (per[brand] = {});
      var t = s[key] || (s[key] = emptyTotals());
      addRow(t, i);
    });
    return per;
  }
  function renderSentiment() {
    var div = byId('chart-sentiment'), p = current.period, rows = current.rows;
    if (sectionNote('section-sentiment', state.metric === 'rating' ? null : D.sentiment) && state.metric !== 'rating') {
      showEmpty(div, 'Choose “Mean rating” to see the star ratings over time.');
      return;
    }
    if (!rows.length) { showEmpty(div, 'No mentions match the filters.'); return; }
    var g = current.granularity, per = seriesByBrand(rows, g), keys = {};
    Object.keys(per).forEach(function (b) { Object.keys(per[b]).forEach(function (k) { keys[k] = true; }); });
    var x = Object.keys(keys).sort();
    var metric = state.metric, traces = [];
    selectedBrands().forEach(function (b) {
      var s = per[b.name];
      if (!s) return;
      var y = [], n = [];
      x.forEach(function (k) {
        var t = s[k], v = null, c = 0;
        if (t) {
          if (metric === 'rating') { c = t.r; v = t.r ? 1 + 4 * t.rs / t.r : null; }
          else {
            c = t.sc;
            if (t.sc) v = metric === 'net' ? 100 * (t.pos - t.neg) / t.sc : metric === 'neg' ? 100 * t.neg / t.sc : t.ss / t.sc;
          }
        }
        y.push(v); n.push(c);
      });
      traces.push({
        type: 'scatter', mode: x.length > 60 ? 'lines' : 'lines+markers', name: esc(b.name + (b.own ? ' (own)' : '')),
        x: x, y: y, customdata: n, connectgaps: false,
        line: { color: brandColor[b.name], width: b.own ? 3 : 1.8, shape: 'linear' },
        marker: { size: b.own ? 6 : 4 },
        hovertemplate: '%{x|%-d %b %Y}<br>' + esc(b.name) + ': %{y:' + (metric === 'score' || metric === 'rating' ? '.2f' : '.1f') + '}' +
          (metric === 'net' || metric === 'neg' ? '%' : '') + '<br>%{customdata} ' + (metric === 'rating' ? 'rated' : 'scored') + '<extra></extra>'
      });
    });
    var ytitle = { net: 'net sentiment (pts)', neg: '% negative', score: 'mean score', rating: 'stars' }[metric];
    plot(div, traces, {
      yaxis: { title: { text: ytitle }, zeroline: metric === 'net' || metric === 'score', zerolinecolor: '#c5ccd6',
        range: metric === 'rating' ? [1, 5] : undefined, ticksuffix: metric === 'neg' ? '%' : '' },
      xaxis: { type: 'date', title: { text: g === 'day' ? '' : g === 'week' ? 'week starting' : 'month' } },
      hovermode: 'x unified'
    });
  }

  // ---------------------------------------------------------------- volume by source
  function renderVolume() {
    var div = byId('chart-volume'), rows = current.rows, g = current.granularity, f = D.facts;
    sectionNote('section-volume', null);
    if (!rows.length) { showEmpty(div, 'No mentions match the filters.'); return; }
    var per = {}, keys = {};
    rows.forEach(function (i) {
      var s = D.sources[f.s[i]], k = displayKey(dayIso[f.t[i]], g);
      keys[k] = true;
      (per[s] || (per[s] = {}))[k] = ((per[s] || {})[k] || 0) + f.n[i];
    });
    var x = Object.keys(keys).sort();
    var traces = D.sources.filter(function (s) { return per[s]; }).map(function (s) {
      return { type: 'bar', name: esc(s), x: x, y: x.map(function (k) { return per[s][k] || 0; }),
        marker: { color: SOURCE_COLORS[sourceIndex[s] % SOURCE_COLORS.length] },
        hovertemplate: '%{x|%-d %b %Y}<br>' + esc(s) + ': %{y:,} mentions<extra></extra>' };
    });
    plot(div, traces, { barmode: 'stack', bargap: 0.15, xaxis: { type: 'date' }, yaxis: { title: { text: 'mentions' } },
      hovermode: 'x unified', legend: { traceorder: 'normal' } });
  }

  // ---------------------------------------------------------------- grades and NPS
  function surveyCounts(p) {
    var s = D.survey;
    if (!s || s.status !== 'ok') return null;
    var mask = dayMask(p.from, p.to), g = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (var i = 0; i < s.t.length; i++) if (mask[s.t[i]]) g[s.grade[i]] += s.n[i];
    return g;
  }
  function renderGrades() {
    var div = byId('chart-grades'), npsDiv = byId('chart-nps'), rows = current.rows, f = D.facts;
    if (sectionNote('section-grades', D.grades)) { showEmpty(div, 'No grades yet.'); showEmpty(npsDiv, ' '); return; }
    var per = {};
    rows.forEach(function (i) {
      var b = D.brands[f.b[i]].name, g = f.g[i];
      if (!g) return;
      var acc = per[b] || (per[b] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      for (var k = 0; k < 10; k++) acc[k] += g[k];
    });
    var traces = [], bars = [];
    selectedBrands().forEach(function (b) {
      var g = per[b.name];
      var st = g ? gradeStats(g, 1) : null;
      if (!st || !st.n) return;
      traces.push({ type: 'bar', name: esc(b.name), x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        y: g.map(function (c) { return 100 * c / st.n; }), customdata: g,
        marker: { color: brandColor[b.name] },
        hovertemplate: esc(b.name) + ' · grade %{x}: %{y:.1f}% (%{customdata:,})<extra></extra>' });
      bars.push({ name: b.name, st: st, color: brandColor[b.name] });
    });
    var sv = ownSelected() ? surveyCounts(current.period) : null;
    if (sv) {
      var sst = gradeStats(sv, 0);
      if (sst.n) {
        traces.push({ type: 'bar', name: 'Survey (enquête)', x: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          y: sv.map(function (c) { return 100 * c / sst.n; }), customdata: sv,
          marker: { color: '#9aa5b1', pattern: { shape: '/', fgcolor: '#6b7785' } },
          hovertemplate: 'Survey · score %{x}: %{y:.1f}% (%{customdata:,})<extra></extra>' });
        bars.push({ name: 'Survey (enquête)', st: sst, color: '#9aa5b1' });
      }
    }
    if (!traces.length) { showEmpty(div, 'No rated reviews match the filters.'); showEmpty(npsDiv, ' '); return; }
    var band = function (x0, x1, color) { return { type: 'rect', xref: 'x', yref: 'paper', x0: x0, x1: x1, y0: 0, y1: 1, fillcolor: color, opacity: 0.07, line: { width: 0 }, layer: 'below' }; };
    plot(div, traces, {
      barmode: 'group', bargap: 0.18,
      xaxis: { dtick: 1, title: { text: 'grade' }, range: [sv ? -0.6 : 0.4, 10.6] },
      yaxis: { title: { text: '% of rated' }, ticksuffix: '%' },
      shapes: [band(-0.6, 6.5, NEG), band(6.5, 8.5, '#8795a8'), band(8.5, 10.6, POS)],
      margin: { t: 10, b: 40 }, legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' }
    });
    npsDiv.style.height = (70 + 28 * bars.length) + 'px';
    var y = bars.map(function (b) { return esc(b.name) + '  <b>NPS ' + esc(fmtSigned(b.st.nps, 0)) + '</b>'; });
    var part = function (key, name, color) {
      return { type: 'bar', orientation: 'h', name: name, y: y, x: bars.map(function (b) { return 100 * b.st[key]; }),
        marker: { color: color }, text: bars.map(function (b) { return b.st[key] >= 0.06 ? fmtPct(b.st[key]) : ''; }),
        textposition: 'inside', insidetextanchor: 'middle', hovertemplate: name + ': %{x:.1f}%<extra></extra>' };
    };
    plot(npsDiv, [part('det', 'Detractors (0–6)', NEG), part('pas', 'Passives (7–8)', NEU), part('pro', 'Promoters (9–10)', POS)], {
      barmode: 'stack', xaxis: { range: [0, 100], ticksuffix: '%', showgrid: false }, yaxis: { autorange: 'reversed' },
      margin: { l: 10, r: 10, t: 4, b: 24 }, legend: { orientation: 'h', y: -0.25, traceorder: 'normal' }, showlegend: true, hovermode: 'closest'
    });
  }
  function ownSelected() { return D.brands.some(function (b) { return b.own && brandOn(b.name); }); }

  // ---------------------------------------------------------------- journey: importance x performance
  function journeyRows(brandName) {
    var a = D.aspects, p = current.period, mask = current.mask, per = {};
    var bi = brandIndex[brandName];
    var sOn = D.sources.map(function (s) { return sourceOn(s); });
    var lOn = languagesOn();
    var comp = {};
    for (var i = 0; i < a.t.length; i++) {
      if (!mask[a.t[i]] || !sOn[a.s[i]] || !rowLanguageOn(a, lOn, i) || !brandOn(D.brands[a.b[i]].name)) continue;
      if (!populationOn(a.p ? a.p[i] : 0, currentPopulation())) continue;
      var target = a.b[i] === bi ? per : comp;
      var t = target[a.a[i]] || (target[a.a[i]] = { n: 0, sc: 0, neg: 0, pos: 0, ss: 0, r: 0, gs: 0, unhappy: 0 });
      ['n', 'sc', 'neg', 'pos', 'ss', 'r', 'gs', 'unhappy'].forEach(function (k) { t[k] += a[k][i]; });
    }
    // denominators: all mentions of the brand (and of the competitors) in the selection
    var f = D.facts, own = 0, others = 0;
    current.rows.forEach(function (i) { if (f.b[i] === bi) own += f.n[i]; else others += f.n[i]; });
    return { own: per, comp: comp, ownTotal: own, compTotal: others };
  }
  // Place each label next to its marker where it overlaps the least with other labels and
  // markers (largest markers first): a small greedy layout, good enough for a dozen points.
  var LABEL_SPOTS = ['top center', 'bottom center', 'middle right', 'middle left', 'top right', 'top left',
    'bottom right', 'bottom left'];
  function labelPositions(points, sizes, toPx, area) {
    var boxes = points.map(function (pt, i) {
      var c = toPx(pt), r = sizes[i] / 2;
      return { x: c[0] - r, y: c[1] - r, w: 2 * r, h: 2 * r };
    });
    var overlap = function (a, b) {
      var w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x), h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      return w > 0 && h > 0 ? w * h : 0;
    };
    var outside = function (b) {
      return b.w * b.h - overlap(b, { x: 0, y: 0, w: area[0], h: area[1] });
    };
    var order = points.map(function (pt, i) { return i; }).sort(function (a, b) { return sizes[b] - sizes[a]; });
    var out = new Array(points.length), placed = [];
    order.forEach(function (i) {
      var c = toPx(points[i]), r = sizes[i] / 2 + 2, w = 6.6 * String(points[i].label).length + 4, h = 15, best = null;
      LABEL_SPOTS.forEach(function (spot) {
        var x = spot.indexOf('center') >= 0 ? c[0] - w / 2 : spot.indexOf('right') >= 0 ? c[0] + (spot.indexOf('middle') >= 0 ? r : 0.6 * r) : c[0] - w - (spot.indexOf('middle') >= 0 ? r : 0.6 * r);
        var y = spot.indexOf('top') === 0 ? c[1] - r - h : spot.indexOf('bottom') === 0 ? c[1] + r : c[1] - h / 2;
        var box = { x: x, y: y, w: w, h: h }, cost = 3 * outside(box);
        placed.concat(boxes.filter(function (b, j) { return j !== i; })).forEach(function (b) { cost += overlap(box, b); });
        if (!best || cost < best.cost - 0.5) best = { cost: cost, spot: spot, box: box };
      });
      out[i] = best.spot;
      placed.push(best.box);
    });
    return out;
  }
  function renderJourney() {
    var div = byId('chart-journey'), table = clear(byId('table-journey'));
    var sel = selectedBrands();
    var bsel = clear(byId('journey-brand'));
    sel.forEach(function (b) { bsel.appendChild(el('option', { value: b.name, text: b.name + (b.own ? ' (own)' : '') })); });
    if (!sel.some(function (b) { return b.name === state.journeyBrand; })) {
      var own = sel.filter(function (b) { return b.own; })[0];
      state.journeyBrand = own ? own.name : (sel[0] ? sel[0].name : null);
    }
    bsel.value = state.journeyBrand || '';
    var drivers = D.drivers && D.drivers.status === 'ok' ? D.drivers.rows.filter(function (r) { return r.brand === state.journeyBrand; }) : [];
    var modeSel = byId('journey-mode');
    modeSel.querySelector('option[value=drivers]').disabled = !drivers.length;
    var mode = state.journeyMode || (drivers.length ? 'drivers' : 'mentions');
    if (mode === 'drivers' && !drivers.length) mode = 'mentions';
    modeSel.value = mode;
    byId('journey-applies').textContent = mode === 'drivers' ? 'brand · all time (key drivers)' : 'brand · source · period';
    byId('journey-hint').textContent = mode === 'drivers'
      ? 'Importance: share of the explained variance of the review grade; performance: mean sentiment about the step. Bottom right: fix first.'
      : 'Importance: share of the brand’s mentions that talk about the step; performance: mean sentiment about it. Bottom right: fix first.';
    if (sectionNote('section-journey', D.aspects)) { showEmpty(div, 'No journey steps yet.'); return; }
    if (!state.journeyBrand) { showEmpty(div, 'Select a brand.'); return; }
    var list = D.aspects.list, data = journeyRows(state.journeyBrand), points = [];
    list.forEach(function (asp, ai) {
      var t = data.own[ai], c = data.comp[ai], d = null;
      if (mode === 'drivers') d = drivers.filter(function (r) { return r.aspect === asp.aspect; })[0] || null;
      var point = {
        key: asp.aspect, label: asp.label, position: asp.position,
        mentions: t ? t.n : 0,
        importance: mode === 'drivers' ? (d ? d.importance : null) : (data.ownTotal && t ? t.n / data.ownTotal : (data.ownTotal ? 0 : null)),
        performance: mode === 'drivers' ? (d ? d.performance : null) : (t && t.sc ? t.ss / t.sc : null),
        negative: t && t.sc ? t.neg / t.sc : null,
        grade: t && t.r ? t.gs / t.r : null,
        compImportance: data.compTotal && c ? c.n / data.compTotal : null,
        compPerformance: c && c.sc ? c.ss / c.sc : null,
        driver: d
      };
      points.push(point);
    });
    var shown = points.filter(function (pt) { return pt.importance !== null && pt.performance !== null && (mode === 'drivers' || pt.mentions > 0); });
    if (!shown.length) { showEmpty(div, 'No scored journey steps for ' + state.journeyBrand + ' in the selection.'); }
    else {
      var mi = shown.reduce(function (s, pt) { return s + pt.importance; }, 0) / shown.length;
      var mp = shown.reduce(function (s, pt) { return s + pt.performance; }, 0) / shown.length;
      var quadrant = function (pt) {
        if (pt.driver) return pt.driver.quadrant;
        return pt.importance >= mi ? (pt.performance < mp ? 'fix_first' : 'keep') : (pt.performance < mp ? 'monitor' : 'overkill');
      };
      var qColor = { fix_first: NEG, keep: POS, monitor: '#d08a00', overkill: '#7d8896' };
      shown.forEach(function (pt) { pt.quadrant = quadrant(pt); });
      var maxN = Math.max.apply(null, shown.map(function (pt) { return pt.mentions || 1; }));
      var sizes = shown.map(function (pt) { return 12 + 22 * Math.sqrt((pt.mentions || 1) / maxN); });
      var traces = [];
      var comps = mode === 'mentions' ? shown.filter(function (pt) { return pt.compImportance !== null && pt.compPerformance !== null; }) : [];
      if (comps.length) {
        traces.push({ type: 'scatter', mode: 'markers', name: 'Competitors (selected, pooled)',
          x: comps.map(function (pt) { return 100 * pt.compImportance; }), y: comps.map(function (pt) { return pt.compPerformance; }),
          text: comps.map(function (pt) { return esc(pt.label); }),
          marker: { symbol: 'circle-open', size: 10, color: '#8795a8', line: { width: 1.5 } },
          hovertemplate: 'Competitors · %{text}<br>importance %{x:.1f}%<br>performance %{y:.2f}<extra></extra>' });
      }
      traces.push({ type: 'scatter', mode: 'markers+text', name: esc(state.journeyBrand),
        x: shown.map(function (pt) { return mode === 'drivers' ? 100 * pt.importance : 100 * pt.importance; }),
        y: shown.map(function (pt) { return pt.performance; }),
        text: shown.map(function (pt) { return esc(pt.label); }), textposition: 'top center', textfont: { size: 12 },
        customdata: shown.map(function (pt) { return [pt.mentions, pt.negative === null ? '–' : fmtPct(pt.negative), QUADRANTS[pt.quadrant]]; }),
        marker: { size: sizes,
          color: shown.map(function (pt) { return qColor[pt.quadrant]; }), opacity: 0.85, line: { color: '#fff', width: 1 } },
        hovertemplate: '<b>%{text}</b><br>importance %{x:.1f}%<br>performance %{y:.2f}<br>%{customdata[0]:,} mentions, %{customdata[1]} negative<br>%{customdata[2]}<extra></extra>' });
      var xs = shown.map(function (pt) { return 100 * pt.importance; }).concat(comps.map(function (pt) { return 100 * pt.compImportance; }));
      var xmax = Math.max.apply(null, xs) * 1.15 || 1;
      var ys = shown.map(function (pt) { return pt.performance; }).concat(comps.map(function (pt) { return pt.compPerformance; }));
      var ylo = Math.max(-1.05, Math.min.apply(null, ys) - 0.25), yhi = Math.min(1.05, Math.max.apply(null, ys) + 0.25);
      var W = Math.max(200, div.clientWidth - 90), H = Math.max(150, div.clientHeight - 110);
      traces[traces.length - 1].textposition = labelPositions(shown, sizes, function (pt) {
        return [100 * pt.importance / xmax * W, (yhi - pt.performance) / (yhi - ylo) * H];
      }, [W, H]);
      plot(div, traces, {
        xaxis: { title: { text: mode === 'drivers' ? 'importance: share of explained grade variance (%)' : 'importance: share of mentions (%)' }, range: [0, xmax], ticksuffix: '%' },
        yaxis: { title: { text: 'performance: mean sentiment (−1..1)' }, range: [ylo, yhi], zeroline: true, zerolinecolor: '#e1e5ea' },
        shapes: [
          { type: 'line', x0: 100 * mi, x1: 100 * mi, yref: 'paper', y0: 0, y1: 1, line: { color: '#9aa5b1', dash: 'dot', width: 1 } },
          { type: 'line', xref: 'paper', x0: 0, x1: 1, y0: mp, y1: mp, line: { color: '#9aa5b1', dash: 'dot', width: 1 } }
        ],
        annotations: [
          { xref: 'paper', yref: 'paper', x: 1, y: 0, xanchor: 'right', yanchor: 'bottom', text: 'Fix first', showarrow: false, font: { color: NEG, size: 12 } },
          { xref: 'paper', yref: 'paper', x: 1, y: 1, xanchor: 'right', yanchor: 'top', text: 'Keep it up', showarrow: false, font: { color: POS, size: 12 } },
          { xref: 'paper', yref: 'paper', x: 0, y: 0, xanchor: 'left', yanchor: 'bottom', text: 'Monitor', showarrow: false, font: { color: '#a26c00', size: 12 } },
          { xref: 'paper', yref: 'paper', x: 0, y: 1, xanchor: 'left', yanchor: 'top', text: 'Less important', showarrow: false, font: { color: '#6b7785', size: 12 } }
        ],
        legend: { orientation: 'h', y: -0.16 }
      });
    }
    // table in journey order
    var head = ['Journey step', 'Mentions', 'Importance', 'Negative', 'Sentiment', 'Grade'];
    if (mode === 'drivers') head = head.concat(['Quadrant', 'Gain if fixed']);
    else head.push('Quadrant');
    table.appendChild(el('thead', null, [el('tr', null, head.map(function (h, i) { return el('th', { class: i ? 'num' : null, text: h }); }))]));
    var body = el('tbody');
    points.slice().sort(function (a, b) { return a.position - b.position; }).forEach(function (pt) {
      var q = pt.quadrant || (pt.driver ? pt.driver.quadrant : null);
      var cells = [
        el('td', { text: pt.label }),
        el('td', { class: 'num', text: fmtInt(pt.mentions) }),
        el('td', { class: 'num', text: pt.importance === null ? '–' : fmtPct(pt.importance, 1) }),
        el('td', { class: 'num', text: fmtPct(pt.negative) }),
        el('td', { class: 'num', text: fmtNum(pt.performance) }),
        el('td', { class: 'num', text: fmtNum(pt.grade, 1) }),
        el('td', { class: 'num' }, [q ? el('span', { class: 'pill q-' + q, text: QUADRANTS[q] }) : '–'])
      ];
      if (mode === 'drivers') cells.push(el('td', { class: 'num', text: pt.driver && pt.driver.gain_if_fixed !== null ? '+' + fmtNum(pt.driver.gain_if_fixed) : '–' }));
      body.appendChild(el('tr', { 'data-aspect': pt.key }, cells));
    });
    table.appendChild(body);
  }

  // ---------------------------------------------------------------- blind spots
  var DIRECTIONS = { public_not_survey: 'Said in public, hardly in the survey', survey_not_public: 'Said in the survey, hardly in public' };
  function renderBlindSpots() {
    var div = byId('chart-blind'), terms = clear(byId('blind-terms')), B = D.blind_spots;
    if (sectionNote('section-blind', B)) { showEmpty(div, 'No blind spots yet.'); return; }
    var rows = B.aspects.slice().sort(function (a, b) { return b.position - a.position; });
    var label = function (r) { return esc(r.aspect_label) + (r.direction === 'public_not_survey' ? ' ◀' : r.direction === 'survey_not_public' ? ' ▶' : ''); };
    var invited = B.invited_negative ? [{ type: 'bar', orientation: 'h', name: 'Invited reviews: negative (' + fmtInt(B.invited_negative) + ', not compared)',
      y: rows.map(label), x: rows.map(function (r) { return 100 * (r.share_invited || 0); }), customdata: rows.map(function (r) { return r.invited_mentions; }),
      marker: { color: '#9fb8d8' }, hovertemplate: '%{y}: %{x:.1f}% of negative invited reviews (%{customdata:,})<extra></extra>' }] : [];
    plot(div, [
      { type: 'bar', orientation: 'h', name: (B.invited_negative ? 'Public, organic' : 'Public') + ': negative mentions (' + fmtInt(B.public_negative) + ')', y: rows.map(label),
        x: rows.map(function (r) { return 100 * (r.share_public || 0); }), customdata: rows.map(function (r) { return r.public_mentions; }),
        marker: { color: '#0b5cad' }, hovertemplate: '%{y}: %{x:.1f}% of negative public mentions (%{customdata:,})<extra></extra>' },
      { type: 'bar', orientation: 'h', name: 'Survey: scores 0–6 (' + fmtInt(B.survey_unhappy) + ')', y: rows.map(label),
        x: rows.map(function (r) { return 100 * (r.share_survey || 0); }), customdata: rows.map(function (r) { return r.survey_answers; }),
        marker: { color: '#e8832a' }, hovertemplate: '%{y}: %{x:.1f}% of unhappy survey answers (%{customdata:,})<extra></extra>' }
    ].concat(invited), { barmode: 'group', bargap: 0.25, xaxis: { ticksuffix: '%', title: { text: 'share that mentions the step (◀ public only, ▶ survey only: significant)' } },
      margin: { l: 10, t: 10 }, legend: { orientation: 'h', y: -0.2 } });
    ['public_not_survey', 'survey_not_public'].forEach(function (dir) {
      var col = el('div', null, [el('h3', { text: DIRECTIONS[dir] })]);
      var list = (B.terms || []).filter(function (t) { return t.direction === dir; });
      if (!list.length) col.appendChild(el('p', { class: 'hint', text: 'No significant terms.' }));
      list.forEach(function (t) {
        var item = el('div', { class: 'term' }, [
          el('span', { class: 'term-word', text: t.surface || t.term }),
          el('span', { class: 'term-stats', text: 'public ' + fmtPct(t.share_public, 1) + ' · survey ' + fmtPct(t.share_survey, 1) })
        ]);
        (t.examples || []).slice(0, 1).forEach(function (x) { item.appendChild(el('blockquote', { class: 'quote', text: x })); });
        col.appendChild(item);
      });
      terms.appendChild(col);
    });
  }

  // ---------------------------------------------------------------- complaint themes
  function renderThemes() {
    var list = clear(byId('themes-list')), T = D.themes;
    if (!T || sectionNote('section-themes', T)) return;
    var rows = T.rows.filter(function (t) { return brandOn(t.brand); });
    if (!rows.length) list.appendChild(el('p', { class: 'hint', text: 'No themes for the selected brands.' }));
    rows.forEach(function (t) {
      var item = el('div', { class: 'term', 'data-theme': t.brand + '#' + t.theme_id }, [
        el('span', { class: 'term-word', text: (t.growing ? 'GROWING · ' : '') + t.brand + ': ' + (t.terms || '–') }),
        el('span', { class: 'term-stats', text: fmtInt(t.window_voices) + ' this week · per week ' +
          (t.weekly_voices || []).join(' ') + ' · lift ' + fmtNum(t.lift, 1) })
      ]);
      item.appendChild(el('blockquote', { class: 'quote', text: t.example }));
      list.appendChild(item);
    });
  }

  // ---------------------------------------------------------------- alerts and example mentions
  function filteredAlerts(p) {
    var A = D.alerts;
    if (!A || A.status !== 'ok') return [];
    return A.rows.filter(function (a) {
      return brandOn(a.brand) && (a.source === 'all' || sourceOn(a.source)) &&
        (a.last_day || a.first_day) >= p.from && a.first_day <= p.to;
    });
  }
  function mentionCard(m, withBrand) {
    var head = el('div', { class: 'mention-head' }, [
      el('span', { text: fmtDate(m.day) + ' · ' + (withBrand ? m.brand + ' · ' : '') + m.source }),
      el('span', { class: 'stars', text: ratingText(m) })
    ]);
    var body = el('div', { class: 'mention' }, [head]);
    if (m.title) body.appendChild(el('div', { class: 'mention-title', text: m.title }));
    body.appendChild(el('p', { class: 'mention-text', text: m.text }));
    if (m.url) {
      var a = el('a', { target: '_blank', rel: 'noopener noreferrer nofollow', text: 'Open at the source ↗' });
      a.href = m.url;  // only http(s) URLs reach the page (report/data.py)
      body.appendChild(a);
    }
    return body;
  }
  function renderAlerts() {
    var wrap = clear(byId('alerts-list'));
    if (sectionNote('section-alerts', D.alerts)) return;
    var list = filteredAlerts(current.period);
    if (!list.length) { wrap.appendChild(el('div', { class: 'empty', style: 'height:60px', text: 'No alerts in the selection.' })); return; }
    list.slice(0, 12).forEach(function (a) {
      var card = el('article', { class: 'alert status-' + a.status, 'data-alert-id': a.alert_id }, [
        el('div', { class: 'alert-top' }, [
          el('span', { class: 'alert-title', text: a.label + ' · ' + a.brand + (a.source === 'all' ? '' : ' · ' + a.source) }),
          el('span', { class: 'pill st-' + a.status, text: STATUS[a.status] || a.status })
        ]),
        el('div', { class: 'alert-meta', text: fmtDate(a.first_day) + (a.last_day && a.last_day !== a.first_day ? ' – ' + fmtDate(a.last_day) : '') +
          (!a.statistical ? ' · ' + (a.note || a.observed_text) : ' · ' + a.observed_text + ' (usually ' + a.expected_text + ')' +
          ' · ' + fmtInt(a.volume) + ' mentions tested · p = ' + (a.p_value === null ? '–' : Number(a.p_value).toExponential(1))) })
      ]);
      if (a.top_terms && a.top_terms.length) {
        card.appendChild(el('div', { class: 'tags' }, a.top_terms.map(function (t) { return el('span', { class: 'tag', text: t }); })));
      }
      (a.examples || []).forEach(function (m) { card.appendChild(mentionCard(m, false)); });
      wrap.appendChild(card);
    });
    if (list.length > 12) wrap.appendChild(el('p', { class: 'more', text: (list.length - 12) + ' older alerts in the selection (see `klantstem alerts list`).' }));
  }
  function renderSourceHealth() {
    var wrap = clear(byId('health-list')), H = D.source_health;
    if (sectionNote('section-health', H)) return;
    var table = el('table', { class: 'health-table' }, [
      el('thead', {}, [el('tr', {}, ['Brand', 'Source', 'Status', 'Last crawl', 'New', 'Not ok (' + H.days + ' d)', 'Reason']
        .map(function (h) { return el('th', { text: h }); }))])
    ]);
    var body = el('tbody');
    H.rows.forEach(function (r) {
      body.appendChild(el('tr', { class: 'health-' + r.status }, [
        el('td', { text: r.brand }), el('td', { text: r.source }),
        el('td', {}, [el('span', { class: 'pill st-' + r.status, text: r.status })]),
        el('td', { text: String(r.last_crawl || '').replace('T', ' ').slice(0, 16) }),
        el('td', { text: fmtInt(r.items_new || 0) }),
        el('td', { text: r.unhealthy + ' of ' + r.runs }),
        el('td', { class: 'health-reason', text: r.reason || '' })
      ]));
    });
    table.appendChild(body);
    wrap.appendChild(table);
  }
  function renderExamples() {
    var wrap = clear(byId('examples-list')), E = D.negative_examples, p = current.period;
    if (sectionNote('section-examples', E && E.status === 'ok' ? null : E)) return;
    var list = E.rows.filter(function (m) {
      return brandOn(m.brand) && sourceOn(m.source) && m.day >= p.from && m.day <= p.to &&
        populationOn(m.population === 'invited' ? 1 : 0, currentPopulation());
    });
    if (!list.length) { wrap.appendChild(el('div', { class: 'empty', style: 'height:60px', text: 'No negative mentions in the selection.' })); return; }
    list.slice(0, 9).forEach(function (m) { wrap.appendChild(mentionCard(m, true)); });
  }

  // ---------------------------------------------------------------- replies (docs/replies.md)
  function renderInbox() {
    var wrap = clear(byId('inbox-list')), R = D.replies;
    if (sectionNote('section-inbox', R)) return;
    var list = R.inbox.filter(function (m) { return brandOn(m.brand) && sourceOn(m.source); });
    wrap.appendChild(el('p', { class: 'inbox-summary', text: fmtInt(R.unanswered) + ' unanswered, ' + fmtInt(R.negative) +
      ' negative, ' + fmtInt(R.past_sla) + ' negative past the ' + fmtNum(R.sla_hours, 0) + ' h reply SLA' }));
    if (!list.length) { wrap.appendChild(el('div', { class: 'empty', style: 'height:60px', text: 'Nothing to answer in the selection.' })); return; }
    list.forEach(function (m) {
      var card = mentionCard(m, true);
      card.classList.add(m.past_sla ? 'inbox-late' : (m.negative ? 'inbox-negative' : 'inbox-other'));
      card.insertBefore(el('div', { class: 'inbox-age', text: fmtNum(m.age_hours, 0) + ' h waiting' +
        (m.past_sla ? ' · past the SLA' : '') }), card.firstChild);
      wrap.appendChild(card);
    });
    if (R.unanswered > R.inbox.length) wrap.appendChild(el('p', { class: 'more', text: (R.unanswered - R.inbox.length) + ' more in `klantstem inbox`.' }));
  }
  function renderReplyRate() {
    var wrap = clear(byId('replies-table')), R = D.replies;
    if (sectionNote('section-replies', R)) return;
    byId('replies-applies').textContent = 'all sources · last ' + R.days + ' days';
    var rows = R.benchmark.filter(function (r) { return brandOn(r.brand); });
    var table = el('table', { class: 'health-table replies-table' }, [
      el('thead', {}, [el('tr', {}, ['Brand', 'Reviews', 'Negative', 'Answered', 'Negative answered within ' + fmtNum(R.sla_hours, 0) + ' h', 'Median response', 'Won back']
        .map(function (h) { return el('th', { text: h }); }))])
    ]);
    var body = el('tbody');
    rows.forEach(function (r) {
      body.appendChild(el('tr', { class: r.own ? 'own' : '' }, [
        el('td', { text: r.brand + (r.own ? ' (own)' : '') }), el('td', { text: fmtInt(r.reviews) }),
        el('td', { text: fmtInt(r.negative) }), el('td', { text: fmtPct(r.share_answered) }),
        el('td', { text: fmtPct(r.share_negative_within_sla) }),
        el('td', { text: r.median_response_hours === null ? '–' : fmtNum(r.median_response_hours, 1) + ' h' }),
        el('td', { text: fmtInt(r.recovered) })
      ]));
    });
    table.appendChild(body);
    wrap.appendChild(table);
  }

  // ---------------------------------------------------------------- update loop
  function update() {
    var p = period();
    syncPeriodInputs();
    syncPopulationFilter();
    var mask = dayMask(p.from, p.to);
    var rows = factRows(mask);
    var prev = p.prevFrom ? totals(factRows(dayMask(p.prevFrom, p.prevTo))) : null;
    current = { period: p, mask: mask, rows: rows, granularity: displayGranularity(p) };
    var cur = totals(rows);
    var all = D.facts ? D.facts.n.reduce(function (s, v) { return s + v; }, 0) : 0;
    byId('filter-summary').textContent = fmtInt(cur.n) + ' of ' + fmtInt(all) + ' mentions' +
      (hasInvited() ? ' (' + POPULATIONS[currentPopulation()] + ')' : '') + ' · ' + fmtDate(p.from) + ' – ' + fmtDate(p.to);
    renderKpis(cur, prev, p);
    renderInvitedKpi(p);
    renderSentiment();
    renderVolume();
    renderGrades();
    renderJourney();
    renderBlindSpots();
    renderThemes();
    renderAlerts();
    renderSourceHealth();
    renderInbox();
    renderReplyRate();
    renderExamples();
    renderProvenance();
    document.body.setAttribute('data-rendered', String((Number(document.body.getAttribute('data-rendered')) || 0) + 1));
  }
  function applyData(next) {
    D = next;
    indexData();
    buildFilters();
    renderHeader();
    update();
  }

  // ---------------------------------------------------------------- organic and invited reviews
  // Where the sources label reviews the company asked for, every figure shows the organic
  // population by default (docs/provenance.md); the invited share and the invited reviews'
  // own figures stand beside it in the KPI row and the "Organic and invited reviews" card.
  var POPULATIONS = { organic: 'organic reviews', invited: 'invited reviews', all: 'organic and invited' };
  function hasInvited() { return (D.meta.invited || 0) > 0; }
  function currentPopulation() { return hasInvited() ? (state.population || 'organic') : 'all'; }
  function populationOn(p, population) {
    return population === 'all' || (population === 'invited' ? p === 1 : p !== 1);
  }
  function syncPopulationFilter() {
    byId('filter-population-group').hidden = !hasInvited();
    byId('filter-population').value = currentPopulation();
  }
  function renderInvitedKpi(p) {
    if (!hasInvited()) return;
    var share = function (rows) {
      var f = D.facts, n = 0, inv = 0;
      rows.forEach(function (i) { n += f.n[i]; if (f.p[i] === 1) inv += f.n[i]; });
      return n ? inv / n : null;
    };
    var cur = share(factRows(dayMask(p.from, p.to), 'all'));
    var prev = p.prevFrom ? share(factRows(dayMask(p.prevFrom, p.prevTo), 'all')) : null;
    var delta = cur !== null && prev !== null ? cur - prev : null;
    byId('kpis').appendChild(kpi('kpi-invited', 'Invited share', fmtPct(cur, 1), delta, null,
      delta !== null ? fmtSigned(100 * delta, 1) + ' pts vs previous period' : 'of the reviews in the period, per week below'));
  }
  function renderProvenance() {
    var div = byId('chart-provenance');
    if (sectionNote('section-provenance', D.provenance || { status: 'missing' })) { showEmpty(div, 'No invited reviews.'); return; }
    var rows = factRows(current.mask, 'all'), f = D.facts, per = {};
    if (!rows.length) { showEmpty(div, 'No mentions match the filters.'); return; }
    var g = current.granularity === 'month' ? 'month' : 'week';
    rows.forEach(function (i) {
      var k = displayKey(dayIso[f.t[i]], g), w = per[k] || (per[k] = { n: 0, inv: 0, osc: 0, oneg: 0, isc: 0, ineg: 0 });
      w.n += f.n[i];
      if (f.p[i] === 1) { w.inv += f.n[i]; w.isc += f.sc[i]; w.ineg += f.neg[i]; } else { w.osc += f.sc[i]; w.oneg += f.neg[i]; }
    });
    var x = Object.keys(per).sort(), pct = function (a, b) { return b ? 100 * a / b : null; };
    var line = function (name, y, color, dash) {
      return { type: 'scatter', mode: x.length > 40 ? 'lines' : 'lines+markers', name: name, x: x, y: y, connectgaps: false,
        line: { color: color, width: 2, dash: dash }, hovertemplate: name + ': %{y:.1f}%<extra></extra>' };
    };
    plot(div, [
      { type: 'bar', name: 'Invited share of reviews', x: x, y: x.map(function (k) { return pct(per[k].inv, per[k].n); }),
        customdata: x.map(function (k) { return [per[k].inv, per[k].n]; }), marker: { color: '#c9d6e8' },
        hovertemplate: 'invited: %{y:.1f}% (%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>' },
      line('Organic: % negative', x.map(function (k) { return pct(per[k].oneg, per[k].osc); }), NEG, 'solid'),
      line('Invited: % negative', x.map(function (k) { return pct(per[k].ineg, per[k].isc); }), '#0b5cad', 'dot'),
      line('Both mixed: % negative', x.map(function (k) { return pct(per[k].oneg + per[k].ineg, per[k].osc + per[k].isc); }), '#7d8896', 'dash')
    ], { xaxis: { type: 'date' },
      yaxis: { range: [0, 100], ticksuffix: '%' }, bargap: 0.2, hovermode: 'x unified' });
  }

  // Served by `klantstem dashboard`: poll for fresh aggregates and keep the filters.
  function poll() {
    window.fetch('data.json', { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (next) {
      if (next.meta.generated_at !== D.meta.generated_at || next.meta.stale !== D.meta.stale) applyData(next);
    }).catch(function (err) {
      var live = byId('live-status');
      live.classList.add('stale');
      live.textContent = 'Dashboard server not reachable (' + err.message + ')';
    });
  }

  indexData();
  state.period = defaultPeriod();
  wireFilters();
  buildFilters();
  renderHeader();
  update();
  if (D.meta.live && D.meta.refresh_s > 0) window.setInterval(poll, 1000 * D.meta.refresh_s);
}());
