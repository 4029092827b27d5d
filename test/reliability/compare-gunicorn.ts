/**
 * Slow-client attacks against tunicorn and against Gunicorn+gevent with the seed's config, with the
 * same normal-client measurement (issue 4, point 5). Run by hand, not part of npm test:
 *
 *   npm run build && node --import tsx test/reliability/compare-gunicorn.ts [options]
 *
 *   --targets tunicorn,gunicorn,gunicorn-w2   which servers (default: these three; the Python path:
 *             tunicorn-py-gevent,tunicorn-py-sync,gunicorn-py-gevent,gunicorn-py-sync, each the seed's
 *             config, as it is or with -k sync, serving test/fixtures/python/attack_flask.py)
 *   --modes headers,body,read                 which attacks (default: all three)
 *   --seconds 35                              length of each attack
 *   --connections 10000                       slowhttptest connections per attack
 *   --out FILE                                also write the figures as JSON
 *   --logs DIR                                also keep each server's output there
 *
 * tunicorn: `tunicorn -w 2 bench/apps/fetch.mjs` with every other setting at its default.
 * gunicorn: examples/gunicorn.conf.py (the seed's file) as it is (gevent, 2*cores+1 workers, worker_connections
 * 1000, timeout 15) serving bench/apps/wsgi_app.py (the same routes); only the bind is overridden.
 * gunicorn-w2: the same with --workers 2, tunicorn's worker count. Each attack gets a fresh server.
 * Needs slowhttptest (apt-get install -y slowhttptest) and Debian's gunicorn and python3-gevent
 * (installed by bench/lib/deps.mjs when run as root).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../helpers/net.js';
import { childPids } from '../helpers/proc.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';
import { describe, fdLimits, LABEL, round, slowhttptestMissing, type Mode, type RoundResult } from './slow-clients-lib.js';
// @ts-expect-error: a plain .mjs module of the bench harness
import { ensureGunicorn } from '../../bench/lib/deps.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APPS = `${ROOT}bench/apps`;
/** The seed's gunicorn.conf.py, as it is. */
const SEED_CONF = `${ROOT}examples/gunicorn.conf.py`;

/** The Python targets: server and worker class, all with the seed's config serving attack_flask.py. */
const PY_TARGETS: Record<string, { server: 'tunicorn' | 'gunicorn'; klass: string[] }> = {
  'tunicorn-py-gevent': { server: 'tunicorn', klass: [] },
  'tunicorn-py-sync': { server: 'tunicorn', klass: ['-k', 'sync'] },
  'gunicorn-py-gevent': { server: 'gunicorn', klass: [] },
  'gunicorn-py-sync': { server: 'gunicorn', klass: ['-k', 'sync'] },
};

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'tunicorn,gunicorn,gunicorn-w2' },
    modes: { type: 'string', default: 'headers,body,read' },
    seconds: { type: 'string', default: '35' },
    connections: { type: 'string', default: '10000' },
    out: { type: 'string' },
    logs: { type: 'string' },
  },
});
const targets = values.targets!.split(',');
const modes = values.modes!.split(',') as Mode[];
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const missing = slowhttptestMissing();
if (missing) {
  console.error(missing);
  process.exit(1);
}
if (targets.some((t) => t.startsWith('gunicorn'))) {
  const why = ensureGunicorn();
  if (why) {
    console.error(why);
    process.exit(1);
  }
}
const limits = fdLimits();
console.log(`open-file limit: soft ${limits.soft}, hard ${limits.hard}; ${connections} attacking connections, ${seconds} s per attack`);

interface Server {
  proc: ChildProcess;
  output: () => string;
  stopSignal: NodeJS.Signals;
}

function start(target: string, port: number): Server {
  const bind = `127.0.0.1:${port}`;
  // Both get the hard open-file limit, as an operator would set it for 1000 connections a worker.
  const wrap = (cmd: string, args: string[], cwd: string) => spawn('sh', ['-c', 'ulimit -n "$(ulimit -H -n)" 2>/dev/null; exec "$0" "$@"', cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let proc: ChildProcess;
  if (target === 'tunicorn') proc = wrap(process.execPath, [`${ROOT}dist/cli.js`, '-w', '2', '--bind', bind, `${APPS}/fetch.mjs`], ROOT);
  else if (target === 'gunicorn') proc = wrap('/usr/bin/gunicorn', ['-c', SEED_CONF, '--bind', bind, 'wsgi_app:application'], APPS);
  else if (target === 'gunicorn-w2') proc = wrap('/usr/bin/gunicorn', ['-c', SEED_CONF, '--bind', bind, '--workers', '2', 'wsgi_app:application'], APPS);
  else if (PY_TARGETS[target]) {
    // The Python path: the seed's config as it is (gevent), or with `-k sync`, on the Flask fixture.
    const { server, klass } = PY_TARGETS[target]!;
    const args = ['-c', SEED_CONF, ...klass, '--bind', bind, 'attack_flask:app'];
    proc = server === 'tunicorn' ? wrap(process.execPath, [`${ROOT}dist/cli.js`, '--python', PYTHON, ...args], PY_FIXTURES) : wrap('/usr/bin/gunicorn', args, PY_FIXTURES);
  } else throw new Error(`unknown target ${target}`);
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c));
  proc.stderr!.on('data', (c: Buffer) => (out += c));
  return { proc, output: () => out, stopSignal: target.startsWith('tunicorn') ? 'SIGTERM' : 'SIGINT' };
}

async function waitServing(url: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`not serving ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(s: Server): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill(s.stopSignal);
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 35_000);
  await exited;
  clearTimeout(timer);
}

interface Row extends RoundResult {
  target: string;
  workersBefore: number[];
  workersAfter: number[];
  restarts: string[];
  sheds: number;
}

const rows: Row[] = [];
for (const target of targets) {
  for (const mode of modes) {
    const port = await freePort();
    const server = start(target, port);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitServing(base + '/').catch((err: Error) => {
        throw new Error(`${err.message}; ${target} printed:\n${server.output()}`);
      });
      await new Promise((r) => setTimeout(r, 500));
      // The shell exec'd the server, so its pid is the master's.
      const workersBefore = childPids(server.proc.pid!).sort();
      const r = await round({ mode, base, connections, seconds });
      const workersAfter = childPids(server.proc.pid!).sort();
      const out = server.output();
      const restarts = out.split('\n').filter((l) => /WORKER TIMEOUT|was sent SIG|exited with code|Traceback|EMFILE|Too many open files/.test(l));
      const sheds = sheddingTotal(out);
      const row: Row = { target, ...r, workersBefore, workersAfter, restarts: restarts.slice(0, 5), sheds };
      rows.push(row);
      const same = workersBefore.join() === workersAfter.join();
      console.log(`\n[${target}] ${describe(r)}`);
      console.log(
        `[${target}] workers ${same ? 'unchanged' : `CHANGED ${workersBefore.join(',')} -> ${workersAfter.join(',')}`}, ${restarts.length} restart/error lines${restarts.length ? `: ${restarts.slice(0, 3).join(' | ')}` : ''}${target.startsWith('tunicorn') ? `, ${sheds} connections shed (logged)` : ''}`,
      );
    } finally {
      await stop(server);
      if (values.logs) {
        mkdirSync(values.logs, { recursive: true });
        writeFileSync(`${values.logs}/${target}-${mode}.log`, server.output());
      }
    }
  }
}

/** tunicorn logs at most one shed line a second per worker, each with the worker's total so far. */
function sheddingTotal(out: string): number {
  const perPid = new Map<string, number>();
  for (const m of out.matchAll(/\[(\d+)\] \[WARNING\] worker_connections \(\d+\) reached: .*?\((\d+) so far[:)]/g)) perPid.set(m[1]!, Math.max(perPid.get(m[1]!) ?? 0, Number(m[2])));
  return [...perPid.values()].reduce((a, b) => a + b, 0);
}

console.log(
  '\n| server | attack | normal requests | errors | p50 / p99 / max (ms) | fresh connections served | fresh p50 / p99 / max (ms) | slowhttptest: service unavailable | workers restarted | load avg |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const n = r.normal;
  const f = r.fresh;
  console.log(
    `| ${r.target} | ${LABEL[r.attack.mode]} | ${n.requests} | ${n.errors + n.timeouts + n.non2xx} | ${n.p50} / ${n.p99} / ${n.max} | ${f.requests - f.failures}/${f.requests} | ${f.p50} / ${f.p99} / ${f.max} | ${r.attack.unavailable}/${r.attack.statuses.length} checks | ${r.workersBefore.join() === r.workersAfter.join() ? 'no' : 'yes'} | ${r.load.toFixed(1)} |`,
  );
}
if (values.out) writeFileSync(values.out, JSON.stringify(rows, null, 2));
