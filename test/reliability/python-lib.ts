/**
 * Shared by the Python reliability tests (python-*.test.ts, python-*.long.ts): start tunicorn on a
 * fixture of test/fixtures/python with the test interpreter, tell its processes apart (master, Node
 * fronts, Python workers), and a few clients that record what each request got.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { startServer, type Tunicorn } from '../helpers/cli.js';
import { childPids } from '../helpers/proc.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';

export { PY_FIXTURES, PYTHON };
/** The seed's gunicorn.conf.py (gevent, 2 x cores + 1 workers, worker_connections 1000, max_requests 30000, timeout 15). */
export const SEED_CONF = new URL('../../examples/gunicorn.conf.py', import.meta.url).pathname;

/** Start tunicorn serving `spec` (e.g. "attack_flask:app") from test/fixtures/python with PYTHON; --bind given by startServer wins over a config's. */
export function startPython(spec: string, args: string[] = [], opts: { workers?: number; path?: string; env?: NodeJS.ProcessEnv } = {}) {
  return startServer(['--python', PYTHON, ...args, spec], { cwd: PY_FIXTURES, ...opts });
}

/** The live Python workers and Node fronts under the master, told apart by what the log said of each pid. */
export function processes(t: Tunicorn): { workers: number[]; fronts: number[]; other: number[] } {
  const fronts = new Set([...t.output.matchAll(/Booting front with pid: (\d+)/g)].map((m) => Number(m[1])));
  const workers = new Set(t.workerPids());
  // Python workers are children of the interpreter they are forked from.
  const direct = childPids(t.pid);
  const kids = [...direct, ...direct.flatMap((k) => childPids(k))];
  return {
    workers: kids.filter((p) => workers.has(p)).sort((a, b) => a - b),
    fronts: kids.filter((p) => fronts.has(p)).sort((a, b) => a - b),
    other: direct.filter((p) => !workers.has(p) && !fronts.has(p) && !/tunicorn_worker\.preloader/.test(cmdline(p))),
  };
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

export type Got = { status: number; body: string; headers: http.IncomingHttpHeaders } | { error: string };

/** One request on its own connection; a closed or reset connection is `{ error }`. */
export function get(url: string, opts: { method?: string; body?: string | Buffer; timeoutMs?: number } = {}): Promise<Got> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: opts.method ?? 'GET', agent: false, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      res.on('error', (err) => resolve({ error: err.message }));
      res.on('aborted', () => resolve({ error: 'aborted' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(opts.body);
  });
}

export interface Tally {
  requests: number;
  ok: number;
  /** Failures as "status N" or the error, with counts. */
  failures: Map<string, number>;
  /** 200 answers by the pid in the body (for /pid). */
  byPid: Map<string, number>;
  latencies: number[];
}

/**
 * `connections` clients, each sending `path` over and over on a new connection (Connection: close,
 * so each request goes to whichever worker the front picks next) until `seconds` have passed.
 */
export async function hammer(url: string, seconds: number, connections: number, path = '/pid'): Promise<Tally> {
  const tally: Tally = { requests: 0, ok: 0, failures: new Map(), byPid: new Map(), latencies: [] };
  const end = Date.now() + seconds * 1000;
  const one = async () => {
    while (Date.now() < end) {
      const started = Date.now();
      const r = await get(url + path);
      tally.requests++;
      if ('status' in r && r.status === 200) {
        tally.ok++;
        tally.latencies.push(Date.now() - started);
        tally.byPid.set(r.body, (tally.byPid.get(r.body) ?? 0) + 1);
      } else {
        const k = 'status' in r ? `status ${r.status}` : r.error;
        tally.failures.set(k, (tally.failures.get(k) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, one));
  return tally;
}

export const failed = (t: Tally) => t.requests - t.ok;
export const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';

/** Lines that mean a process crashed or an error reached the log, with the 5 lines after each. */
export function crashLines(output: string, re = /was sent SIG|exited with code|failed to boot|asked to be replaced|\[ERROR\]|\[CRITICAL\]|Error handling request|Traceback|Uncaught/): string[] {
  const lines = output.split('\n');
  return lines.flatMap((l, i) => (re.test(l) ? [lines.slice(i, i + 6).join('\n')] : []));
}

/**
 * The fuzz run on the Python path (python-fuzz.test.ts, python-fuzz.long.ts): mutate.ts's fuzzer
 * against test/fixtures/python/attack_echo.py (gevent, 2 Python workers, one front, max_requests 0),
 * after a warm-up: no status outside the expected set (a 500 or 502 would be the handoff or the app
 * failing on a request the front let through), the same processes, no error lines, no connection
 * left open, every process's fds back to baseline, and the server still serving and stopping promptly.
 */
export async function pythonFuzzRun(o: { total: number; concurrency: number; maxSeconds: number; label: string }): Promise<void> {
  const assert = (await import('node:assert/strict')).default;
  const { fuzz, describe, EXPECTED_STATUSES } = await import('./mutate.js');
  const { established } = await import('./fuzz-run.js');
  const { openFds, rssKb } = await import('../helpers/proc.js');
  const { sleep } = await import('../helpers/cli.js');
  const seed = Number(process.env.TUNICORN_FUZZ_SEED ?? Date.now() % 1_000_000);
  const { t, port, url } = await startPython('attack_echo:application', ['-k', 'gevent', '--max-requests', '0'], { workers: 2, env: { ATTACK_QUIET: '1' } });
  const procs = processes(t);
  const all = [...procs.workers, ...procs.fronts];
  await fuzz(port, { total: Math.min(5000, Math.ceil(o.total / 10)), concurrency: o.concurrency, seed: seed + 1 });
  const settle = async () => {
    for (let i = 0; i < 40 && established(port) > 0; i++) await sleep(100);
    await sleep(1200);
  };
  await settle();
  const before = all.map((p) => ({ fds: openFds(p), rss: rssKb(p) }));
  const stats = await fuzz(port, { total: o.total, concurrency: o.concurrency, seed, deadline: Date.now() + o.maxSeconds * 1000, expected: EXPECTED_STATUSES });
  await settle();
  const left = established(port);
  const after = all.map((p) => ({ fds: openFds(p), rss: rssKb(p) }));
  const seen = await get(`${url}/seen`);
  console.log(`${o.label} (attack_echo.py, gevent, seed ${seed}): ${describe(stats)}; connections left open: ${left}`);
  all.forEach((p, i) =>
    console.log(`${o.label}: ${procs.fronts.includes(p) ? 'front' : 'Python worker'} ${p}: fds ${before[i]!.fds} -> ${after[i]!.fds}, RSS ${before[i]!.rss} -> ${after[i]!.rss} kB`),
  );
  assert.ok(stats.requests >= o.total, `sent ${stats.requests} of ${o.total} within ${o.maxSeconds} s`);
  assert.equal(stats.connectErrors, 0);
  assert.deepEqual(stats.unexpected, [], 'no status outside the expected set (no 500, 502 or 504)');
  assert.equal(left, 0, 'no connection left open');
  all.forEach((p, i) => assert.ok(Math.abs(after[i]!.fds - before[i]!.fds) <= 3, `${p}: fds back to baseline (${before[i]!.fds} -> ${after[i]!.fds})`));
  assert.deepEqual(crashLines(t.output), [], 'no crash, error or traceback lines');
  assert.deepEqual(processes(t), procs, 'the same front and Python workers');
  assert.ok('status' in seen && seen.status === 200);
  const stopping = Date.now();
  assert.equal((await t.stop()).code, 0);
  assert.ok(Date.now() - stopping < 5000, `stopped in ${Date.now() - stopping} ms`);
}
