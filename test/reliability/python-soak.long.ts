/**
 * Python apps, issue point 3 (soak): TUNICORN_SOAK_SECONDS (default 600; CI runs 60) of mixed Flask
 * traffic (test/fixtures/python/attack_flask.py, gevent, 2 Python workers, max_requests 0 so no
 * recycling hides a leak): GET /, JSON, a 16 KB POST echoed, a streamed response, a 100 KB response,
 * a short sleep. In ten stretches; after each, with no load running, the RSS and open fds of every
 * process (master, front, Python workers) are read from /proc. Zero errors; the highest RSS of the
 * second half within 20 MB of the first's (36 MB for a front, whose young generation may step up late; after a full-load warm-up: TUNICORN_SOAK_WARMUP_SECONDS,
 * default the larger of 15 s and a tenth of the soak); fds end within 2 of where they were after the first stretch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertLevelsOff } from './levels-off.js';
import { sleep } from '../helpers/cli.js';
import { load } from '../helpers/load.js';
import { openFds, rssKb } from '../helpers/proc.js';
import { pythonHas } from '../helpers/python.js';
import { processes, startPython } from './python-lib.js';

const seconds = Number(process.env.TUNICORN_SOAK_SECONDS ?? 600);
const SAMPLES = 10;

// A front's RSS rises for its first tens of seconds at full load and then stays flat (V8's young
// generation and malloc's arenas grow to what the load needs; the JS heap in use stays ~10 MB):
// a full-load warm-up comes before the first sample, so the samples compare steady states.
const WARMUP_SECONDS = Number(process.env.TUNICORN_SOAK_WARMUP_SECONDS ?? Math.max(15, seconds / 10));
test(`Python soak: ${seconds} s of mixed Flask traffic, RSS and fds of every process level off, zero errors`, { timeout: (seconds + WARMUP_SECONDS + 180) * 1000 }, async (tt) => {
  if (pythonHas('gevent', 'flask')) return void tt.skip(pythonHas('gevent', 'flask')!);
  const { t, url } = await startPython('attack_flask:app', ['-k', 'gevent', '--max-requests', '0'], { workers: 2 });
  const mix = [
    { method: 'GET' as const, path: '/' },
    { method: 'GET' as const, path: '/api/items/42?q=soak' },
    { method: 'POST' as const, path: '/echo', body: 'x'.repeat(16 * 1024), headers: { 'content-type': 'application/octet-stream' } },
    { method: 'GET' as const, path: '/stream?n=20' },
    { method: 'GET' as const, path: '/big' },
    { method: 'GET' as const, path: '/sleep?s=0.005' },
  ];
  await load(url, { seconds: WARMUP_SECONDS, connections: 40, requests: mix });
  const start = processes(t);
  const procs = [t.pid, ...start.fronts, ...start.workers];
  const name = (p: number) => (p === t.pid ? `master ${p}` : start.fronts.includes(p) ? `front ${p}` : `Python worker ${p}`);
  let requests = 0,
    errors = 0,
    timeouts = 0,
    non2xx = 0;
  const rss: number[][] = procs.map(() => []);
  const fds: number[][] = procs.map(() => []);
  for (let s = 1; s <= SAMPLES; s++) {
    const r = await load(url, { seconds: seconds / SAMPLES, connections: 40, requests: mix });
    requests += r.requests;
    errors += r.errors;
    timeouts += r.timeouts;
    non2xx += r.non2xx;
    await sleep(1000);
    procs.forEach((p, i) => (rss[i]!.push(rssKb(p)), fds[i]!.push(openFds(p))));
    console.log(
      `python soak ${Math.round((s * seconds) / SAMPLES)} s: ${r.requests} requests, ${r.errors + r.timeouts + r.non2xx} failed; ${procs.map((p, i) => `${name(p)} ${(rss[i]!.at(-1)! / 1024).toFixed(1)} MB ${fds[i]!.at(-1)} fds`).join('; ')}`,
    );
  }
  console.log(`python soak ${seconds} s: ${requests} requests (${Math.round(requests / seconds)} req/s), ${errors} errors, ${timeouts} timeouts, ${non2xx} non-2xx`);
  assert.deepEqual({ errors, timeouts, non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.deepEqual(processes(t), start, 'no front or Python worker died or was replaced');
  // A front's young generation may step up to its cap late in a run, as one did 50 s into a CI run
  // with 8 MB semi-spaces (102 -> 123 MB, the other front's plateau from the start): 20 MB + 16 MB.
  assertLevelsOff(procs, name, rss, fds, (p) => (start.fronts.includes(p) ? 36 : 20));
  assert.doesNotMatch(t.output, /Traceback|\[ERROR\]|\[CRITICAL\]/);
  assert.equal((await t.stop()).code, 0);
});
