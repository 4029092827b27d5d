// The goals, evaluated from ratios within one table of one run.
// Each check returns { text, met } (met: true / false / null when it could not be measured).

const rps = (t, c, s) => t.cells[c]?.[s]?.rps;
const p99 = (t, c, s) => t.cells[c]?.[s]?.p99;
const TUNICORN = [['t-node', 'Node listener'], ['t-fetch', 'fetch']];
const pct = (x) => `${(x * 100).toFixed(0)}%`;
const times = (x) => `${x.toFixed(2)}×`;
const cost = (base, variant) => 1 - variant.rps / base.rps;
const costText = (c) => (c >= 0 ? `${pct(c)} less req/s` : `no cost (${pct(-c)} more req/s, noise)`);

/** ratio(tunicorn row) vs target for several rows; met only if every row meets it. */
function rowsCheck(rows, value, ok, show) {
  const parts = [];
  let met = true;
  for (const [id, name] of rows) {
    const v = value(id);
    if (v === undefined || v === null || Number.isNaN(v)) return { text: `no ${name} figure`, met: null };
    parts.push(`${name} ${show(v)}`);
    met &&= ok(v);
  }
  return { text: parts.join(', '), met };
}

const cpu = (t, c, s) => t.cells[c]?.[s]?.cpuUs;

/**
 * req/s of each row over the base row's. With `work`, the text adds the same ratio in server CPU
 * per request (the base's µs over the row's): what the server does per request, apart from how
 * much of the two shared cores it got during its rounds. The goal is judged on req/s.
 */
const ratioTo = (base, scenario, rows, min, work = false) => (t) => {
  if (!t.scenarios.includes(scenario)) return null;
  const r = rowsCheck(rows, (id) => rps(t, id, scenario) / rps(t, base, scenario), (v) => v >= min, min >= 1 ? times : pct);
  if (!work || r.met === null) return r;
  const byCpu = rows.map(([id]) => cpu(t, base, scenario) / cpu(t, id, scenario));
  return byCpu.every(Number.isFinite) ? { ...r, text: `${r.text} (by CPU per request: ${byCpu.map(pct).join(', ')})` } : r;
};

function special(t, name, fn) {
  if (!t.specials) return null; // this table has no such comparison
  const s = t.specials[name];
  if (!s) return { text: t.specials.skipped ?? 'not run', met: null };
  if (s.failed || !s.base) return { text: s.failed ?? t.specials.skipped ?? 'not run', met: null };
  return fn(s);
}

/** An RSS goal's text with the private memory beside it (the plain cluster's for comparison). */
function withPrivate(t, key, r) {
  const priv = (id) => t.memory[id]?.idle?.[key];
  if (!r || priv('t-node') === undefined) return r;
  const parts = [...TUNICORN, ['cluster', 'plain cluster']].filter(([id]) => priv(id) !== undefined).map(([id, name]) => `${name} ${priv(id).toFixed(1)}`);
  return { ...r, text: `${r.text} (private: ${parts.join(', ')} MB)` };
}

export const GOALS = [
  { goal: 'tunicorn Node listener vs plain cluster, keep-alive', target: '≥ 95%', check: ratioTo('cluster', 'ka50', [TUNICORN[0]], 0.95, true) },
  { goal: 'tunicorn Node listener vs plain cluster, Connection: close', target: '≥ 95%', check: ratioTo('cluster', 'close', [TUNICORN[0]], 0.95, true) },
  { goal: 'tunicorn fetch app vs plain cluster, keep-alive', target: '≥ 90%', check: ratioTo('cluster', 'ka50', [TUNICORN[1]], 0.9, true) },
  { goal: 'tunicorn fetch app vs plain cluster, Connection: close', target: '≥ 90%', check: ratioTo('cluster', 'close', [TUNICORN[1]], 0.9, true) },
  { goal: 'tunicorn vs Gunicorn+gevent (seed config), hello world keep-alive', target: '≥ 3×', check: ratioTo('gunicorn', 'ka50', TUNICORN, 3) },
  { goal: 'tunicorn vs PM2 cluster, hello world keep-alive', target: '≥ 1×', check: ratioTo('pm2', 'ka50', TUNICORN, 1, true) },
  { goal: 'p99 at 1000 connections vs plain cluster', target: '≤ 1.5×',
    check: (t) => !t.scenarios.includes('c1000') ? null : rowsCheck(TUNICORN, (id) => p99(t, id, 'c1000') / p99(t, 'cluster', 'c1000'), (v) => v <= 1.5, times) },
  { goal: 'idle RSS per worker', target: '≤ 45 MB',
    check: (t) => withPrivate(t, 'workerPrivateMean', rowsCheck(TUNICORN, (id) => t.memory[id]?.idle?.workerMean, (v) => v <= 45, (v) => `${v.toFixed(1)} MB`)) },
  { goal: 'idle RSS of the master', target: '≤ 40 MB',
    check: (t) => withPrivate(t, 'masterPrivate', rowsCheck(TUNICORN, (id) => t.memory[id]?.idle?.master, (v) => v <= 40, (v) => `${v.toFixed(1)} MB`)) },
  { goal: 'failed requests while workers recycle (max_requests 1000)', target: '0',
    check: (t) => special(t, 'recycle', (s) => ({
      text: `${s.variant.errors} of ${s.variant.requests.toLocaleString('en-US')} (${s.workersStarted} workers started)`,
      met: s.workersStarted > t.workers ? s.variant.errors === 0 : null,
    })) },
  { goal: 'recycling cost, max_requests 1000 vs no recycling', target: '≤ 5%',
    check: (t) => special(t, 'recycle', (s) => ({ text: costText(cost(s.base, s.variant)), met: cost(s.base, s.variant) <= 0.05 })) },
  { goal: "recycling cost at the seed's max_requests 30000 (for reference)", target: '≤ 5%',
    check: (t) => special(t, 'recycle30k', (s) => ({ text: `${costText(cost(s.base, s.variant))} (${s.workersStarted} workers started)`, met: cost(s.base, s.variant) <= 0.05 })) },
  { goal: 'access log on vs off', target: '≤ 10%',
    check: (t) => special(t, 'accesslog', (s) => ({ text: costText(cost(s.base, s.variant)), met: cost(s.base, s.variant) <= 0.1 })) },
];

/** [{ goal, target, results: [{ workers, text, met }] }] over the tables that can answer. */
export function evaluateGoals(tables) {
  return GOALS.map(({ goal, target, check }) => ({
    goal, target,
    results: tables.map((t) => ({ workers: t.workers, ...(check(t) ?? { text: '—', met: undefined }) })),
  }));
}
