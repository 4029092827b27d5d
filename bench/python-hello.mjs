#!/usr/bin/env node
// Python hello world, side by side in one run: Gunicorn 20.1 + gevent and tunicorn, both with the
// seed's gunicorn.conf.py (cpus*2+1 gevent workers, 1000 connections, max_requests 30000,
// timeout 15), serving a plain WSGI callable and a Flask app. wrk with 50 keep-alive connections,
// rounds alternating between the servers; each ratio is the median of per-round ratios.
// --fronts takes a comma-separated list (1,2): one tunicorn row per front count, each in every round,
// so that splits of the two cores between fronts and Python workers are compared side by side.
//   node bench/python-hello.mjs [--rounds 4] [--seconds 4] [--connections 50] [--python /usr/bin/python3] [--fronts 1[,2]] [--workers N]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureGunicorn } from './lib/deps.mjs';
import { installCleanup, sleep, start } from './lib/procs.mjs';
import { freePort, waitForOk } from './lib/net.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({ options: {
  rounds: { type: 'string', default: '4' }, seconds: { type: 'string', default: '4' },
  connections: { type: 'string', default: '50' }, python: { type: 'string', default: '/usr/bin/python3' },
  fronts: { type: 'string', default: '1' }, workers: { type: 'string' },
} });
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APPS = join(ROOT, 'bench/apps');
const WORK = join(ROOT, 'bench/.work');
const SEED = join(ROOT, 'examples/gunicorn.conf.py');
mkdirSync(join(WORK, 'logs'), { recursive: true });
installCleanup();
const missing = ensureGunicorn();
if (missing) throw new Error(missing);
ensureWrk();
const workers = opt.workers ? ['--workers', opt.workers] : [];

const frontCounts = opt.fronts.split(',').map((f) => f.trim()).filter(Boolean);
const contenders = {
  gunicorn: (port, app) => ['/usr/bin/gunicorn', ['-c', SEED, '--bind', `127.0.0.1:${port}`, ...workers, app], 'SIGINT'],
};
for (const f of frontCounts) {
  const name = frontCounts.length > 1 ? `tunicorn-f${f}` : 'tunicorn';
  contenders[name] = (port, app) => [process.execPath, [join(ROOT, 'dist/cli.js'), '-c', SEED, '--bind', `127.0.0.1:${port}`, ...workers, '--python', opt.python, '--fronts', f, app], 'SIGTERM'];
}
const names = Object.keys(contenders);
const width = Math.max(9, ...names.map((n) => n.length));

async function round(name, app) {
  const port = await freePort();
  const [cmd, args, stopSignal] = contenders[name](port, app);
  const since = performance.now();
  const handle = start(cmd, args, { cwd: APPS, stopSignal, logFile: join(WORK, 'logs', `py-${name}.log`) });
  try {
    await waitForOk(port, { since, handle });
    await runWrk({ port, connections: Number(opt.connections), durationS: 1, workDir: WORK });
    return await runWrk({ port, connections: Number(opt.connections), durationS: Number(opt.seconds), workDir: WORK });
  } finally {
    await handle.stop(5000);
    await sleep(300);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [label, app] of [['plain WSGI', 'wsgi_app:application'], ['Flask', 'flask_hello:app']]) {
  const rows = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < Number(opt.rounds); r++) {
    const order = r % 2 ? [...names].reverse() : names;
    for (const name of order) rows[name].push(await round(name, app));
  }
  for (const name of names) {
    const rps = rows[name].map((x) => Math.round(x.rps));
    const errors = rows[name].reduce((s, x) => s + x.errors + x.non2xx, 0);
    console.log(`${label.padEnd(10)} ${name.padEnd(width)} req/s ${rps.join(' / ')} (median ${median(rps)}), p99 median ${median(rows[name].map((x) => x.p99)).toFixed(1)} ms, errors ${errors}`);
  }
  for (const name of names.slice(1)) {
    const ratios = rows[name].map((t, i) => t.rps / rows.gunicorn[i].rps);
    console.log(`${label.padEnd(10)} ${name} / gunicorn: ${median(ratios).toFixed(2)}x (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
  }
}
