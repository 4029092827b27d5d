#!/usr/bin/env node
// A few Python-table scenarios, tunicorn against Gunicorn+gevent (and optionally a second tunicorn
// build, --base), rows alternating within each round as the bench does: req/s, the paired ratio of
// each round and its median, and server CPU per request split by role (master, fronts, Python).
// A quick way to judge one change on the scenarios it is meant for, without the whole table.
//   node bench/python-pair.mjs [--scenarios big,upload] [--rounds 5] [--seconds 4] [--workers 5] [--base path/to/cli.js] [--args="--fronts 1"]
//     [--variant="--node-flag ..."]... (a row of this build under `node FLAGS cli.js`: master and fronts get the flags)
//     [--also="--tunicorn-arg ..."]... (a row of this build with more tunicorn arguments, e.g. --also="--max-requests-jitter 3000")
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launch } from './lib/launch.mjs';
import { gunicorn, tunicorn, withNodeFlags } from './lib/py-contenders.mjs';
import { cpuByRole, installCleanup, TICK_US } from './lib/procs.mjs';
import { byId } from './lib/scenarios.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({ options: {
  scenarios: { type: 'string', default: 'big,upload' }, rounds: { type: 'string', default: '5' },
  seconds: { type: 'string', default: '4' }, workers: { type: 'string', default: String(availableParallelism() * 2 + 1) },
  base: { type: 'string' }, app: { type: 'string', default: 'wsgi' },
  args: { type: 'string', default: '' }, // more tunicorn arguments for the first row, e.g. "--fronts 1"
  variant: { type: 'string', multiple: true, default: [] }, // node flags for one more tunicorn row (master and fronts), e.g. --variant="--max-semi-space-size=2"
  also: { type: 'string', multiple: true, default: [] }, // tunicorn arguments for one more row of this build
} });
const bench = dirname(fileURLToPath(import.meta.url));
const ctx = { root: dirname(bench), bench, apps: join(bench, 'apps'), work: join(bench, '.work'), cli: join(dirname(bench), 'dist', 'cli.js'), node: process.execPath };
installCleanup();
ensureWrk();

const rows = [
  { name: 'tunicorn', c: tunicorn('t', opt.app, { maxRequests: 0, args: opt.args.split(' ').filter(Boolean) }), ctx },
  { name: 'gunicorn', c: gunicorn('g', opt.app, { args: ['--max-requests', '0'] }), ctx },
];
opt.also.forEach((a, i) => rows.push({ name: `tunicorn ${a}`, c: tunicorn(`a${i}`, opt.app, { maxRequests: 0, args: a.split(' ').filter(Boolean) }), ctx }));
for (const flags of opt.variant) rows.push({ name: `tunicorn ${flags}`, c: withNodeFlags(tunicorn('v', opt.app, { maxRequests: 0 }), flags.split(' ').filter(Boolean)), ctx });
// The base build's root holds its own python/ package: the cli finds it next to its dist/.
if (opt.base) rows.push({ name: 'base', c: tunicorn('b', opt.app, { maxRequests: 0 }), ctx: { ...ctx, cli: opt.base, root: dirname(dirname(opt.base)) } });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const scenarios = opt.scenarios.split(',').map((id) => byId(id.trim()) ?? (() => { throw new Error(`no scenario ${id}`); })());
const running = [];
try {
  for (const row of rows) running.push(await launch(row.c, { workers: Number(opt.workers), ctx: row.ctx }));
  for (const sc of scenarios) {
    const drive = (port, s) => runWrk({ port, path: sc.path, connections: sc.connections, durationS: s, headers: sc.headers ?? [],
      method: sc.method, bodyBytes: sc.bodyBytes, workDir: ctx.work });
    for (const r of running) await drive(r.port, 1); // warm-up
    const res = rows.map(() => []);
    for (let round = 0; round < Number(opt.rounds); round++) {
      const order = rows.map((_, i) => i);
      if (round % 2) order.reverse();
      for (const i of order) {
        const before = cpuByRole(running[i].handle.pid);
        const w = await drive(running[i].port, Number(opt.seconds));
        const after = cpuByRole(running[i].handle.pid);
        const us = Object.fromEntries(Object.keys(after).map((k) => [k, ((after[k] - (before[k] ?? 0)) * TICK_US) / w.requests]));
        res[i].push({ rps: w.rps, errors: w.errors, us });
      }
    }
    console.log(`${sc.title} (${opt.rounds} rounds of ${opt.seconds} s, ${opt.workers} workers, ${opt.app}):`);
    rows.forEach((row, i) => {
      const roles = [...new Set(res[i].flatMap((r) => Object.keys(r.us)))].filter((k) => k !== 'gone');
      const cpu = roles.map((k) => `${k} ${median(res[i].map((r) => r.us[k] ?? 0)).toFixed(0)}`).join(', ');
      const total = median(res[i].map((r) => Object.values(r.us).reduce((a, b) => a + b, 0)));
      const errs = res[i].reduce((a, r) => a + r.errors, 0);
      console.log(`  ${row.name}: ${Math.round(median(res[i].map((r) => r.rps)))} req/s, CPU/req ${total.toFixed(0)} µs (${cpu})${errs ? `, ${errs} errors` : ''}`);
    });
    for (const i of rows.keys()) {
      if (i === 1) continue;
      const ratios = res[i].map((r, k) => r.rps / res[1][k].rps);
      const cpuRatio = median(res[1].map((r) => Object.values(r.us).reduce((a, b) => a + b, 0))) / median(res[i].map((r) => Object.values(r.us).reduce((a, b) => a + b, 0)));
      console.log(`  ${rows[i].name}/gunicorn: ${median(ratios).toFixed(2)}× (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}), by CPU per request ${Math.round(cpuRatio * 100)}%`);
    }
  }
} finally {
  await Promise.all(running.map((r) => r.handle.stop()));
}
