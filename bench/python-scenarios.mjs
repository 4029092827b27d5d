#!/usr/bin/env node
// Two Python scenarios side by side in one run, Gunicorn 20.1 + gevent against tunicorn, both
// with the seed's gunicorn.conf.py (the worker count can be set):
//   sleep: an app that sleeps 50 ms (time.sleep, patched by gevent) at 1000 connections, the
//          case gevent exists for; the ideal is 1000 / 0.05 = 20,000 req/s whatever the workers;
//   file:  a 1 MiB file returned through wsgi.file_wrapper (Gunicorn sends it with sendfile()),
//          10 connections.
//   node bench/python-scenarios.mjs [--rounds 3] [--seconds 6] [--workers 5] [--python /usr/bin/python3]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureGunicorn } from './lib/deps.mjs';
import { installCleanup, sleep, start } from './lib/procs.mjs';
import { freePort, waitForOk } from './lib/net.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({ options: {
  rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '6' },
  workers: { type: 'string' }, python: { type: 'string', default: '/usr/bin/python3' },
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
const env = { BENCH_WORK: WORK };

const contenders = {
  gunicorn: (port) => ['/usr/bin/gunicorn', ['-c', SEED, '--bind', `127.0.0.1:${port}`, ...workers, 'wsgi_app:application'], 'SIGINT'],
  tunicorn: (port) => [process.execPath, [join(ROOT, 'dist/cli.js'), '-c', SEED, '--bind', `127.0.0.1:${port}`, ...workers, '--python', opt.python, 'wsgi_app:application'], 'SIGTERM'],
};
const scenarios = [
  { name: 'sleep 50 ms, 1000 connections', path: '/sleep', connections: 1000, timeoutS: 5 },
  { name: '1 MiB file_wrapper, 10 connections', path: '/file', connections: 10, timeoutS: 5 },
];

async function round(name, sc) {
  const port = await freePort();
  const [cmd, args, stopSignal] = contenders[name](port);
  const handle = start(cmd, args, { cwd: APPS, env, stopSignal, logFile: join(WORK, 'logs', `py-scn-${name}.log`) });
  try {
    await waitForOk(port, { since: performance.now(), handle });
    const run = (durationS) => runWrk({ port, path: sc.path, connections: sc.connections, threads: 2, durationS, timeoutS: sc.timeoutS, workDir: WORK });
    await run(2);
    return await run(Number(opt.seconds));
  } finally {
    await handle.stop(5000);
    await sleep(500);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const sc of scenarios) {
  const rows = { gunicorn: [], tunicorn: [] };
  for (let r = 0; r < Number(opt.rounds); r++) {
    for (const name of r % 2 ? ['tunicorn', 'gunicorn'] : ['gunicorn', 'tunicorn']) rows[name].push(await round(name, sc));
  }
  for (const name of ['gunicorn', 'tunicorn']) {
    const rps = rows[name].map((x) => Math.round(x.rps));
    const errors = rows[name].reduce((s, x) => s + x.errors + x.non2xx, 0);
    console.log(`${sc.name}: ${name.padEnd(9)} req/s ${rps.join(' / ')} (median ${median(rps)}), p50 ${median(rows[name].map((x) => x.p50)).toFixed(1)} ms, p99 ${median(rows[name].map((x) => x.p99)).toFixed(1)} ms, errors ${errors}`);
  }
  const ratios = rows.tunicorn.map((t, i) => t.rps / rows.gunicorn[i].rps);
  console.log(`${sc.name}: tunicorn / gunicorn ${median(ratios).toFixed(2)}x (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
}
