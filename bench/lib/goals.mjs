// The issue's goals, evaluated from ratios within one table of one run.
// Each check returns { text, met } (met: true / false / null when it could not be measured).
import { median } from './rounds.mjs';

const p99 = (t, c, s) => t.cells[c]?.[s]?.p99;
const TUNICORN = [['t-node', 'Node listener'], ['t-fetch', 'fetch']];
export const pct = (x) => `${(x * 100).toFixed(0)}%`;
export const times = (x) => `${x.toFixed(2)}×`;
const cost = (base, variant) => 1 - variant.rps / base.rps;
export const costText = (c) => (c >= 0 ? `${pct(c)} less req/s` : `no cost (${pct(-c)} more req/s, noise)`);

/** ratio(tunicorn row) vs target for several rows; met only if every row meets it. */
export function rowsCheck(rows, value, ok, show, separator = ', ') {
  const parts = [];
  let met = true;
  for (const [id, name] of rows) {
    const v = value(id);
    if (v === undefined || v === null || Number.isNaN(v)) return { text: `no ${name} figure`, met: null };
    parts.push(`${name} ${show(v)}`);
    met &&= ok(v);
  }
  return { text: parts.join(separator), met };
}

/**
 * A row over its base row in one scenario, judged round by round: the two ran back to back in
 * each round (ROUND_ORDER), so each round's ratio is free of the drift between rounds, and the
 * median of those ratios is the figure. `key` is 'Rps' (req/s, row over base) or 'CpuUs' (server
 * CPU per request, base over row: the share of the base's speed). Returns { value, low, high, rounds }
 * or null; results without per-round figures (older results.json) fall back to the medians' ratio.
 */
export function pairedRatio(t, id, base, scenario, key = 'Rps') {
  const row = t.cells[id]?.[scenario];
  const ref = t.cells[base]?.[scenario];
  if (!row || !ref) return null;
  const quotient = key === 'Rps' ? (r, b) => r / b : (r, b) => b / r;
  const a = row[`round${key}`];
  const b = ref[`round${key}`];
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.length > 0) {
    const ratios = a.map((x, i) => quotient(x, b[i])).filter(Number.isFinite);
    if (ratios.length === a.length) return { value: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios), rounds: ratios.length };
  }
  const field = key === 'Rps' ? 'rps' : 'cpuUs';
  const single = quotient(row[field], ref[field]);
  return Number.isFinite(single) ? { value: single, low: single, high: single, rounds: 1 } : null;
}

/** A paired ratio as text: the median, then the rounds' spread when they differ. */
export const ratioText = (r, show = pct) => `${show(r.value)}${r.rounds > 1 && r.low !== r.high ? ` (rounds ${show(r.low)}–${show(r.high)})` : ''}`;

/**
 * Each tunicorn row's req/s over its base row's, as the median of per-round ratios, with the
 * rounds' spread. With `work`, the text adds the same ratio in server CPU per request (the base's µs
 * over the row's): what the server does per request, apart from how much of the two shared cores
 * it got. The goal is judged on req/s. `bases` maps a row to the row it is compared with.
 */
const ratioTo = (bases, scenario, rows, min, work = false) => (t) => {
  if (!t.scenarios.includes(scenario)) return null;
  const baseOf = (id) => {
    const want = typeof bases === 'string' ? bases : bases[id];
    // A results.json from before the twin existed compares the fetch app with the cluster.
    return want === 'cluster-twin' && !t.cells[want] ? 'cluster' : want;
  };
  const show = min >= 1 ? times : pct;
  const paired = (id) => {
    const base = baseOf(id);
    const r = pairedRatio(t, id, base, scenario);
    return r && { ...r, byCpu: work ? pairedRatio(t, id, base, scenario, 'CpuUs') : null };
  };
  // '; ' between rows: each row's text has commas of its own.
  return rowsCheck(rows, paired, (r) => r.value >= min,
    (r) => `${ratioText(r, show)}${r.byCpu ? `, by CPU per request ${pct(r.byCpu.value)}` : ''}`, '; ');
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

/** Each tunicorn row against the plain cluster it runs next to: the Node listener before the cluster, the fetch app after its twin. */
const VS_CLUSTER = { 't-node': 'cluster', 't-fetch': 'cluster-twin' };

/**
 * What noise alone does between two rows run back to back: the twin cluster over the cluster, per
 * scenario of a table ({ scenario, value, low, high, rounds }), for reading the goals' ratios.
 */
export function noiseReference(t) {
  return ['ka50', 'close'].filter((s) => t.scenarios.includes(s))
    .map((s) => ({ scenario: s, ...pairedRatio(t, 'cluster-twin', 'cluster', s) }))
    .filter((r) => Number.isFinite(r.value));
}

export const GOALS = [
  { goal: 'tunicorn Node listener vs plain cluster, keep-alive', target: '≥ 95%', check: ratioTo(VS_CLUSTER, 'ka50', [TUNICORN[0]], 0.95, true) },
  { goal: 'tunicorn Node listener vs plain cluster, Connection: close', target: '≥ 95%', check: ratioTo(VS_CLUSTER, 'close', [TUNICORN[0]], 0.95, true) },
  { goal: 'tunicorn fetch app vs plain cluster, keep-alive', target: '≥ 90%', check: ratioTo(VS_CLUSTER, 'ka50', [TUNICORN[1]], 0.9, true) },
  { goal: 'tunicorn fetch app vs plain cluster, Connection: close', target: '≥ 90%', check: ratioTo(VS_CLUSTER, 'close', [TUNICORN[1]], 0.9, true) },
  { goal: 'tunicorn vs Gunicorn+gevent (seed config), hello world keep-alive', target: '≥ 3×', check: ratioTo('gunicorn', 'ka50', TUNICORN, 3) },
  { goal: 'tunicorn vs PM2 cluster, hello world keep-alive', target: '≥ 1×', check: ratioTo('pm2', 'ka50', TUNICORN, 1, true) },
  { goal: 'p99 at 1000 connections vs plain cluster', target: '≤ 1.5×',
    check: (t) => !t.scenarios.includes('c1000') ? null : rowsCheck(TUNICORN, (id) => p99(t, id, 'c1000') / p99(t, 'cluster', 'c1000'), (v) => v <= 1.5, times) },
  { goal: 'idle RSS per worker', target: '≤ 45 MB',
    check: (t) => withPrivate(t, 'workerPrivateMean', rowsCheck(TUNICORN, (id) => t.memory[id]?.idle?.workerMean, (v) => v <= 45, (v) => `${v.toFixed(1)} MB`)) },
  { goal: 'idle RSS of the master', target: '≤ 40 MB',
    check: (t) => withPrivate(t, 'masterPrivate', rowsCheck(TUNICORN, (id) => t.memory[id]?.idle?.master, (v) => v <= 40, (v) => `${v.toFixed(1)} MB`)) },
  { goal: 'failed requests while workers recycle (max_requests 1000 and 30000)', target: '0',
    check: (t) => {
      const rows = ['recycle', 'recycle30k'].map((name) => special(t, name, (s) => ({
        text: `${s.variant.errors} of ${s.variant.requests.toLocaleString('en-US')} (${s.workersStarted} workers started)`,
        met: s.workersStarted > t.workers ? s.variant.errors === 0 : null,
      })));
      if (rows.every((r) => r === null)) return null;
      return { text: rows.map((r) => r?.text ?? '—').join('; '), met: rows.some((r) => r?.met === false) ? false : rows.every((r) => r?.met === true) ? true : null };
    } },
  { goal: "recycling cost at the default max_requests 30000 vs no recycling", target: '≤ 5%',
    check: (t) => special(t, 'recycle30k', (s) => ({ text: `${costText(cost(s.base, s.variant))} (${s.workersStarted} workers started)`, met: cost(s.base, s.variant) <= 0.05 })) },
  { goal: 'recycling cost, max_requests 1000 vs no recycling', target: '≤ 15%',
    check: (t) => special(t, 'recycle', (s) => ({ text: `${costText(cost(s.base, s.variant))} (${s.workersStarted} workers started)`, met: cost(s.base, s.variant) <= 0.15 })) },
  { goal: "keep-alive connections per worker at 2 workers: the busiest worker's share (median sample; recycling at 30000 too)", target: '≤ 60%',
    check: (t) => {
      const node = t.cells['t-node']?.ka50?.spread;
      const recycling = t.specials?.recycle30k?.variant?.spread;
      if (!node && !recycling) return null;
      const parts = [node && `no recycling ${pct(node.share)} (worst ${pct(node.worstShare)})`, recycling && `max_requests 30000 ${pct(recycling.share)} (worst ${pct(recycling.worstShare)})`].filter(Boolean);
      return { text: parts.join('; '), met: t.workers === 2 ? [node, recycling].every((s) => !s || s.share <= 0.6) : undefined };
    } },
  { goal: 'access log on vs off', target: '≤ 10%',
    check: (t) => special(t, 'accesslog', (s) => ({ text: costText(cost(s.base, s.variant)), met: cost(s.base, s.variant) <= 0.1 })) },
];

/** [{ goal, target, results: [{ workers, text, met }] }]: `goals` (the Node ones by default) over the tables. */
export function evaluateGoals(tables, goals = GOALS) {
  return goals.map(({ goal, target, check }) => ({
    goal, target,
    results: tables.map((t) => ({ workers: t.workers, ...(check(t) ?? { text: '—', met: undefined }) })),
  }));
}
