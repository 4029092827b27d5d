#!/usr/bin/env node
// Where the CPU goes per request on each side of the Python table: the server tree's utime+stime
// split by role (master, Node fronts, Python workers) over a fixed number of requests, tunicorn
// against Gunicorn+gevent, rows alternating. A tunicorn Node listener on one worker gives the HTTP
// cost of a front without the hop, so front minus that is the hop's cost on the Node side.
//   node bench/python-cpu.mjs [--app wsgi|flask] [--path /] [--requests 60000] [--rounds 3] [--workers 5]
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONTENDERS } from './lib/contenders.mjs';
import { launch } from './lib/launch.mjs';
import { gunicorn, tunicorn } from './lib/py-contenders.mjs';
import { cpuByRole, installCleanup, TICK_US } from './lib/procs.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({ options: {
  app: { type: 'string', default: 'wsgi' }, path: { type: 'string', default: '/' },
  requests: { type: 'string', default: '60000' }, rounds: { type: 'string', default: '3' },
  workers: { type: 'string', default: String(availableParallelism() * 2 + 1) },
} });
if (!['wsgi', 'flask', 'django'].includes(opt.app)) { console.error(`python-cpu: --app ${opt.app}: say wsgi, flask or django`); process.exit(2); }
const bench = dirname(fileURLToPath(import.meta.url));
const ctx = { root: dirname(bench), bench, apps: join(bench, 'apps'), work: join(bench, '.work'), cli: join(dirname(bench), 'dist', 'cli.js'), node: process.execPath };
installCleanup();
ensureWrk();

const noRecycle = ['--max-requests', '0']; // a reaped worker's CPU would land in its parent's cutime
const rows = [
  { name: 'tunicorn + gevent', c: tunicorn('t', opt.app, { maxRequests: 0 }) },
  { name: 'Gunicorn + gevent', c: gunicorn('g', opt.app, { args: noRecycle }) },
  { name: 'tunicorn Node listener, 1 worker (HTTP without the hop)', c: CONTENDERS.find((c) => c.id === 't-node'), node: true },
];

const n = Number(opt.requests);
const results = rows.map(() => []);
const running = [];
try {
  for (const row of rows) running.push(await launch(row.c, { workers: row.node ? 1 : Number(opt.workers), ctx }));
  const drive = (port, count) => runWrk({ port, path: opt.path, connections: 50, durationS: 120, stopAfter: count, workDir: ctx.work });
  for (const r of running) await drive(r.port, 10_000); // warm-up
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (const i of round % 2 ? [2, 1, 0] : [0, 1, 2]) {
      const before = cpuByRole(running[i].handle.pid);
      const res = await drive(running[i].port, n);
      const after = cpuByRole(running[i].handle.pid);
      const us = Object.fromEntries(Object.keys(after).map((k) => [k, ((after[k] - (before[k] ?? 0)) * TICK_US) / res.requests]));
      results[i].push({ rps: res.rps, us });
    }
  }
} finally {
  await Promise.all(running.map((r) => r.handle.stop()));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`CPU per request (µs, median of ${opt.rounds} rounds of ${n} requests, 50 keep-alive conns, GET ${opt.path}, ${opt.app}, ${opt.workers} workers):`);
rows.forEach((row, i) => {
  const roles = [...new Set(results[i].flatMap((r) => Object.keys(r.us)))].filter((k) => k !== 'gone');
  const parts = roles.map((k) => `${k} ${median(results[i].map((r) => r.us[k] ?? 0)).toFixed(1)}`);
  const total = median(results[i].map((r) => Object.values(r.us).reduce((a, b) => a + b, 0)));
  console.log(`  ${row.name}: total ${total.toFixed(1)} (${parts.join(', ')}), ${Math.round(median(results[i].map((r) => r.rps)))} req/s`);
});
