// tunicorn's status page: draws what /events sends (see src/status/events.ts). Plain browser
// JavaScript, no build step; uPlot (served from the package's node_modules) draws the charts.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  /** Seconds of history the charts show. */
  const SPAN = 300;

  // Chart data, columnar as uPlot wants it: times, then one array per series.
  const rps = [[], [], []];
  const lat = [[], [], [], []];
  let charts = null;
  let master = null;

  const fmt = {
    n: (v) => (v === null || v === undefined ? '–' : v >= 10000 ? `${(v / 1000).toFixed(1)}k` : v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10)),
    ms: (v) => (v === null || v === undefined ? '–' : v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`),
    bytes: (b) => (b === null || b === undefined ? '–' : b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(1)} GiB` : `${Math.round(b / (1 << 20))} MiB`),
    pct: (v) => (v === null || v === undefined ? '–' : `${Math.round(v)}%`),
    age: (s) => (s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : s < 86400 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`),
    time: (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  };

  function makeChart(el, series, yFmt) {
    const axis = { stroke: css('--muted'), grid: { stroke: css('--line'), width: 1 }, ticks: { stroke: css('--line'), width: 1 }, font: '11px system-ui, sans-serif' };
    const opts = {
      width: el.clientWidth || 300,
      height: el.clientHeight || 200,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      // Clock time on one line: uPlot's default adds the date below, which a phone cuts off.
      axes: [{ ...axis, space: 70, values: (u, vals) => vals.map((v) => fmt.time(v * 1000)) }, { ...axis, size: 52, values: (u, vals) => vals.map(yFmt) }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: css(s.color), width: 2, fill: s.fill ? `${css(s.color)}22` : undefined, spanGaps: false, points: { show: false } }))],
    };
    return new uPlot(opts, series.length === 2 ? rps : lat, el);
  }

  function resize() {
    if (!charts) return;
    for (const [chart, el] of charts) chart.setSize({ width: el.clientWidth, height: el.clientHeight });
  }

  function addPoint(p) {
    rps[0].push(p.t); rps[1].push(p.rps); rps[2].push(p.errors);
    lat[0].push(p.t); lat[1].push(p.p50); lat[2].push(p.p90); lat[3].push(p.p99);
    // Keep SPAN seconds: older points leave the charts.
    while (rps[0].length && rps[0][0] < p.t - SPAN) for (const a of [...rps, ...lat]) a.shift();
  }

  function redraw() {
    if (!charts) return;
    charts[0][0].setData(rps);
    charts[1][0].setData(lat);
    const last = rps[0].length - 1;
    $('now-rps').textContent = last >= 0 ? fmt.n(rps[1][last]) : '–';
    $('now-p50').textContent = last >= 0 ? fmt.ms(lat[1][last]) : '–';
    $('now-p99').textContent = last >= 0 ? fmt.ms(lat[3][last]) : '–';
    // For the tests: what the charts hold now.
    window.tunicornStatus = { points: last + 1, rps: rps[1].slice(), p99: lat[3].slice() };
  }

  const td = (label, text, cls) => {
    const cell = document.createElement('td');
    cell.dataset.label = label;
    if (cls) cell.className = cls;
    if (text instanceof Node) cell.append(text);
    else cell.textContent = text;
    return cell;
  };
  const pill = (text, cls) => {
    const s = document.createElement('span');
    s.className = `state ${cls}`;
    s.textContent = text;
    return s;
  };
  function fill(tbody, rows) {
    tbody.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells);
      return tr;
    }));
  }

  function showWorkers(workers) {
    const serving = workers.filter((w) => w.kind !== 'front' && w.state === 'ready').length;
    const all = workers.filter((w) => w.kind !== 'front').length;
    $('now-workers').textContent = all === serving ? String(all) : `${serving} / ${all}`;
    $('now-inflight').textContent = String(workers.reduce((n, w) => n + w.inflight, 0));
    fill($('workers').tBodies[0], workers.map((w) => {
      const state = w.timedOut ? pill('blocked', 'state-blocked') : pill(w.state, `state-${w.state}`);
      const tr = [
        td('pid', String(w.pid), 'pid'),
        td('runtime', w.kind),
        td('age', fmt.age(w.age)),
        td('state', state),
        td('requests', fmt.n(w.requests), 'n'),
        td('in flight', String(w.inflight), 'n'),
        td('connections', String(w.connections), 'n'),
        td('RSS', fmt.bytes(w.rss), 'n'),
        td('CPU', fmt.pct(w.cpu), 'n'),
        td('heartbeat', `${w.beat.toFixed(1)}s ago`, w.beat > 3 ? 'n late' : 'n'),
      ];
      return tr;
    }));
    const rowsEl = $('workers').tBodies[0].rows;
    for (let i = 0; i < rowsEl.length; i++) rowsEl[i].dataset.pid = String(workers[i].pid);
  }

  function showJournal(j) {
    $('no-restarts').hidden = j.restarts.length > 0;
    $('restarts').hidden = j.restarts.length === 0;
    fill($('restarts').tBodies[0], j.restarts.map((r) => [
      td('when', fmt.time(r.at)),
      td('pid', String(r.pid), 'pid'),
      td('runtime', r.kind),
      td('reason', r.reason, 'reason'),
      td('exit', r.exit),
    ]));
    const b = j.blocked;
    $('no-blocked').hidden = !!b;
    $('blocked').hidden = !b;
    if (b) {
      $('blocked-what').textContent = `Worker ${b.pid} (${b.kind}) was silent for over ${b.timeout}s at ${fmt.time(b.at)}${b.running ? `, ${b.running}` : ''}.`;
      $('blocked-stack').textContent = b.stack ?? 'Its stack could not be read.';
    }
  }

  function showListeners(list) {
    fill($('listeners').tBodies[0], list.map((l) => [td('bind', l.url ?? l.name, 'mono'), td('listen queue', l.backlog === null ? '–' : String(l.backlog), 'n')]));
  }

  function showConfig(config) {
    fill($('config').tBodies[0], config.map(([k, v]) => [td('', k), td('', v)]));
  }

  function showReadiness(word) {
    const el = $('readiness');
    el.textContent = word.replace(/_/g, ' ');
    el.className = `badge ${word === 'ready' ? 'ok' : word === 'booting' ? 'warn' : 'bad'}`;
  }

  function showMaster(m) {
    if (m) master = { ...master, ...m };
    if (!master) return;
    const up = fmt.age(Math.round((Date.now() - master.started) / 1000));
    const figures = master.rss ? ` · RSS ${fmt.bytes(master.rss)} · CPU ${fmt.pct(master.cpu)}` : '';
    $('master').textContent = `master pid ${master.pid} · v${master.version} · up ${up}${figures}`;
  }

  function onHello(d) {
    $('app').textContent = d.master.app;
    master = d.master;
    showMaster();
    for (const a of [...rps, ...lat]) a.length = 0;
    for (const p of d.history) addPoint(p);
    showWorkers(d.workers);
    showListeners(d.listeners);
    showJournal(d.journal);
    showConfig(d.config);
    showReadiness(d.readiness);
    $('now-restarts').textContent = String(d.restarts);
    if (!charts) {
      const elR = $('chart-rps');
      const elL = $('chart-lat');
      charts = [
        [makeChart(elR, [{ label: 'all', color: '--rps', fill: true }, { label: '5xx', color: '--err' }], fmt.n), elR],
        [makeChart(elL, [{ label: 'p50', color: '--p50' }, { label: 'p90', color: '--p90' }, { label: 'p99', color: '--p99' }], (v) => (Number.isInteger(v) ? String(v) : v < 10 ? v.toFixed(1) : String(Math.round(v)))), elL],
      ];
      new ResizeObserver(resize).observe(document.querySelector('main'));
    }
    redraw();
  }

  function onTick(d) {
    addPoint(d.point);
    showWorkers(d.workers);
    showListeners(d.listeners);
    showReadiness(d.readiness);
    showMaster(d.master);
    $('now-restarts').textContent = String(d.restarts);
    if (d.journal) showJournal(d.journal);
    if (d.config) showConfig(d.config);
    redraw();
  }

  function connect() {
    const live = $('live');
    const es = new EventSource('/events');
    es.addEventListener('hello', (e) => {
      live.textContent = 'live';
      live.className = 'badge live on';
      onHello(JSON.parse(e.data));
    });
    es.addEventListener('tick', (e) => onTick(JSON.parse(e.data)));
    es.onerror = () => {
      live.textContent = 'reconnecting';
      live.className = 'badge live off';
      // A 401 (token expired from the cookie jar) does not retry by itself: go back to the form.
      if (es.readyState === EventSource.CLOSED) setTimeout(() => location.reload(), 3000);
    };
  }

  connect();
})();
