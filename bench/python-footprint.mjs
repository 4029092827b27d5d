#!/usr/bin/env node
// Where a Python server's memory is (issue 13's memory goal): tunicorn against Gunicorn+gevent, both
// with the seed's examples/gunicorn.conf.py, one server running at a time, rows alternating by
// round. Proportional memory (PSS, /proc/PID/smaps_rollup) by role: master, Node fronts, Python
// workers; idle (2 s after the first 200) and at several delays after N keep-alive requests.
//   node bench/python-footprint.mjs [--apps wsgi,flask] [--rounds 2] [--requests 100000] [--connections 50]
//     [--after 0,2,5,15] [--workers 5] [--base path/to/cli.js] [--args="--fronts 1"] [--variant="--node-flag ..."]...
// A --variant row runs this build under `node FLAGS cli.js`: the flags apply to the master and the fronts.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launch } from './lib/launch.mjs';
import { gunicorn, tunicorn, withNodeFlags } from './lib/py-contenders.mjs';
import { installCleanup, pssMb, sleep, tree, uniqueMb } from './lib/procs.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({ options: {
  apps: { type: 'string', default: 'wsgi,flask' }, rounds: { type: 'string', default: '2' },
  requests: { type: 'string', default: '100000' }, connections: { type: 'string', default: '50' },
  after: { type: 'string', default: '0,2,5,15' }, workers: { type: 'string', default: String(availableParallelism() * 2 + 1) },
  base: { type: 'string' }, args: { type: 'string', default: '' },
  variant: { type: 'string', multiple: true, default: [] }, // node flags for one more tunicorn row, e.g. --variant="--max-semi-space-size=2"
} });
const bench = dirname(fileURLToPath(import.meta.url));
const ctx = { root: dirname(bench), bench, apps: join(bench, 'apps'), work: join(bench, '.work'), cli: join(dirname(bench), 'dist', 'cli.js'), node: process.execPath };
installCleanup();
ensureWrk();
const delays = opt.after.split(',').map(Number);

/** PSS in MB by role: the root is the master; a descendant running python is a Python worker, any other a front. */
function byRole(rootPid) {
  const out = { master: 0, fronts: 0, python: 0, n: { fronts: 0, python: 0 } };
  const procs = tree(rootPid);
  for (const p of procs) {
    let cmd = '';
    try { cmd = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8'); } catch { continue; }
    const role = p.pid === rootPid ? 'master' : /python/.test(cmd) ? 'python' : 'fronts';
    out[role] += pssMb(p.pid);
    if (role !== 'master') out.n[role]++;
  }
  out.total = out.master + out.fronts + out.python;
  out.unique = uniqueMb(procs.map((p) => p.pid));
  return out;
}
const fmtRole = (m) => `pages once ${m.unique?.toFixed(1) ?? '-'}; PSS total ${m.total.toFixed(1)} = master ${m.master.toFixed(1)} + fronts ${m.fronts.toFixed(1)} (${m.n.fronts}) + python ${m.python.toFixed(1)} (${m.n.python})`;

const rowsFor = (app) => [
  { name: 'tunicorn', c: tunicorn(`t-${app}`, app, { args: opt.args.split(' ').filter(Boolean) }), ctx },
  { name: 'gunicorn', c: gunicorn(`g-${app}`, app), ctx },
  ...opt.variant.map((flags) => ({ name: flags, c: withNodeFlags(tunicorn(`v-${app}`, app), flags.split(' ').filter(Boolean)), ctx })),
  ...(opt.base ? [{ name: 'base', c: tunicorn(`b-${app}`, app), ctx: { ...ctx, cli: opt.base, root: dirname(dirname(opt.base)) } }] : []),
];

const results = {}; // app -> row -> [{ idle, after: { delay: m } }]
for (let round = 0; round < Number(opt.rounds); round++) {
  for (const app of opt.apps.split(',')) {
    const rows = rowsFor(app);
    if (round % 2) rows.reverse();
    for (const row of rows) {
      const run = await launch(row.c, { workers: Number(opt.workers), ctx: row.ctx });
      try {
        await sleep(2000);
        const idle = byRole(run.handle.pid);
        const w = await runWrk({ port: run.port, connections: Number(opt.connections), durationS: 120, stopAfter: Number(opt.requests), workDir: ctx.work });
        const loadEnd = performance.now();
        const after = {};
        for (const d of delays) {
          await sleep(Math.max(0, loadEnd + d * 1000 - performance.now()));
          after[d] = byRole(run.handle.pid);
        }
        ((results[app] ??= {})[row.name] ??= []).push({ idle, after });
        console.log(`r${round + 1} ${app} ${row.name}: ${w.requests} requests at ${Math.round(w.rps)} req/s${w.errors ? `, ${w.errors} errors` : ''}`);
        console.log(`   idle     ${fmtRole(idle)}`);
        for (const d of delays) console.log(`   after+${String(d).padEnd(3)}s ${fmtRole(after[d])}`);
      } finally {
        await run.handle.stop();
      }
    }
  }
}

const range = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
for (const [key, what] of [['total', 'Total PSS'], ['unique', 'The tree\'s resident pages, each counted once']]) {
  console.log(`\n${what} in MB, lowest-highest over ${opt.rounds} rounds (${opt.workers} workers, ${opt.requests} requests, ${opt.connections} keep-alive connections):`);
  for (const [app, rows] of Object.entries(results)) {
    for (const [name, runs] of Object.entries(rows)) {
      const cols = [`idle ${range(runs.map((r) => r.idle[key]))}`, ...delays.map((d) => `after+${d}s ${range(runs.map((r) => r.after[d][key]))}`)];
      console.log(`  ${app} ${name.padEnd(8)} ${cols.join('  ')}`);
    }
    if (!rows.gunicorn) continue;
    const g = (sel) => Math.max(...rows.gunicorn.map(sel));
    for (const name of Object.keys(rows).filter((n) => n !== 'gunicorn')) {
      const ratio = (sel) => (Math.max(...rows[name].map(sel)) / g(sel)).toFixed(2);
      console.log(`  ${app} ${name}/gunicorn (highest/highest): idle ${ratio((r) => r.idle[key])}×, ${delays.map((d) => `after+${d}s ${ratio((r) => r.after[d][key])}×`).join(', ')}`);
    }
  }
}
