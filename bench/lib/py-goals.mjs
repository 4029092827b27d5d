// Issue 13's goals for the Python table: tunicorn's rows over Gunicorn+gevent's (and uWSGI's on
// Flask), each a median of per-round paired ratios within one run, like the Node goals.
import { costText, pairedRatio, pct, ratioText, rowsCheck, times } from './goals.mjs';

const APPS = [['wsgi', 'plain WSGI'], ['flask', 'Flask'], ['django', 'Django']];
const WSGI = [APPS[0]];

/** t-APP over OTHER-APP in a scenario, req/s paired by round, with server CPU per request beside it. */
const over = (scenario, apps, min, other = 'g') => (t) => {
  if (!t.scenarios.includes(scenario)) return null;
  const value = (app) => {
    const r = pairedRatio(t, `t-${app}`, `${other}-${app}`, scenario);
    return r && { ...r, byCpu: pairedRatio(t, `t-${app}`, `${other}-${app}`, scenario, 'CpuUs') };
  };
  return rowsCheck(apps, value, (r) => r.value >= min,
    (r) => `${ratioText(r, times)}${r.byCpu ? `, by CPU per request ${pct(r.byCpu.value)}` : ''}`, '; ');
};

const cell = (t, id, s) => t.cells[id]?.[s];

/** Throughput ≥ min× Gunicorn's and p99 no higher, plain WSGI. */
const withP99 = (scenario, min) => (t) => {
  const r = over(scenario, WSGI, min)(t);
  const a = cell(t, 't-wsgi', scenario);
  const b = cell(t, 'g-wsgi', scenario);
  if (!r || !a || !b) return r;
  return { text: `${r.text}; p99 ${a.p99.toFixed(0)} vs ${b.p99.toFixed(0)} ms`, met: r.met === null ? null : r.met && a.p99 <= b.p99 };
};

const p99At1000 = (t) => {
  const a = cell(t, 't-wsgi', 'c1000');
  const b = cell(t, 'g-wsgi', 'c1000');
  if (!a || !b) return { text: 'no figure', met: null };
  return { text: `p99 ${a.p99.toFixed(0)} vs ${b.p99.toFixed(0)} ms`, met: a.p99 <= b.p99 };
};

/** In every scenario and app where Gunicorn+gevent had errors, tunicorn had none. */
const noErrorsWhereGunicornHas = (t) => {
  const cases = t.scenarios.flatMap((s) => APPS.map(([app, name]) => ({ s, name, g: cell(t, `g-${app}`, s), u: cell(t, `t-${app}`, s) })))
    .filter((c) => c.g?.errors > 0 && c.u);
  if (!cases.length) return { text: 'Gunicorn+gevent had no errors', met: true };
  const bad = cases.filter((c) => c.u.errors > 0);
  return { text: `${cases.length} cells where Gunicorn erred; tunicorn erred in ${bad.length}${bad.length ? ` (${bad.map((c) => `${c.name} ${c.s} ${c.u.errors}`).join(', ')})` : ''}`, met: bad.length === 0 };
};

/**
 * The whole server tree's memory over Gunicorn+gevent's, per app: its resident pages each counted
 * once (procs.mjs uniqueMb), else the sum of PSS. The table runs every contender at once, and PSS
 * splits the node and python3 binaries' pages with all of them (and the harness), so a tree's PSS
 * depends on what else runs; the pages counted once do not.
 */
const memory = (phase) => (t) => rowsCheck(APPS, (app) => {
  const [x, y] = [t.memory[`t-${app}`]?.[phase], t.memory[`g-${app}`]?.[phase]];
  const key = x?.unique && y?.unique ? 'unique' : 'pss';
  const [a, b] = [x?.[key], y?.[key]];
  return a && b ? { value: a / b, a, b, key } : null;
}, (r) => r.value <= 1.25, (r) => `${times(r.value)} (${r.a.toFixed(0)} vs ${r.b.toFixed(0)} MB${r.key === 'pss' ? ', PSS' : ''})`, '; ');

const recycling = (t) => {
  const s = t.specials?.recycle30k;
  if (!s?.base) return { text: s?.failed ?? t.specials?.skipped ?? 'not run', met: null };
  const c = 1 - s.base.rps / s.variant.rps; // the running row recycles; the variant never does
  const failed = s.base.errors + s.base.non2xx;
  return { text: `${costText(c)}, ${failed} failed of ${s.base.requests.toLocaleString('en-US')} (${s.workersReplaced} workers replaced during it)`,
    met: s.workersReplaced > 0 ? c <= 0.05 && failed === 0 : null };
};

export const PY_GOALS = [
  { goal: 'plain WSGI hello world vs Gunicorn+gevent, keep-alive', target: '≥ 2×', check: over('ka50', WSGI, 2) },
  { goal: 'Flask hello world vs Gunicorn+gevent', target: '≥ 1.5×', check: over('ka50', [APPS[1]], 1.5) },
  { goal: 'Django view vs Gunicorn+gevent', target: '≥ 1.5×', check: over('ka50', [APPS[2]], 1.5) },
  { goal: 'sleep 50 ms at 1000 conns vs Gunicorn+gevent (req/s, p99)', target: '≥ 1×, p99 ≤', check: withP99('sleep50', 1) },
  { goal: 'POST 1 MB read by the app vs Gunicorn+gevent', target: '≥ 2×', check: over('upload', WSGI, 2) },
  { goal: '100 KB response vs Gunicorn+gevent', target: '≥ 1.5×', check: over('big', WSGI, 1.5) },
  { goal: 'p99 at 1000 connections vs Gunicorn+gevent', target: '≤', check: p99At1000 },
  { goal: 'zero errors where Gunicorn+gevent has any', target: '0', check: noErrorsWhereGunicornHas },
  { goal: 'Flask vs uWSGI+gevent, keep-alive', target: '≥ 1×', check: over('ka50', [APPS[1]], 1, 'u') },
  { goal: 'total memory (master, fronts, workers; each page once) vs Gunicorn+gevent, idle', target: '≤ 1.25×', check: memory('idle') },
  { goal: 'total memory vs Gunicorn+gevent, after 100,000 requests', target: '≤ 1.25×', check: memory('after') },
  { goal: "recycling at the seed's max_requests 30000, Flask", target: '≤ 5%, 0 failed', check: recycling },
];
