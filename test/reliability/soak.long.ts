/**
 * Issue 4, point 9: mixed load for TUNICORN_SOAK_SECONDS (default 600; CI runs 60). Worker RSS and
 * open file descriptors stay flat, and no request fails. Run with `npm run test:reliability`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertLevelsOff } from './levels-off.js';
import { fileTimeout, startServer } from '../helpers/cli.js';
import { load } from '../helpers/load.js';
import { childPids, openFds, rssKb } from '../helpers/proc.js';

const seconds = Number(process.env.TUNICORN_SOAK_SECONDS ?? 600);
// The test's own timeout (below) and a margin for the file's start and end.
fileTimeout(seconds + 240);
const SAMPLES = 10;
const body = 'x'.repeat(16 * 1024);
const MB = 1024 * 1024;

interface Heap {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** What each worker says of its own heap: GET /memory over new connections until every pid answered. */
async function heaps(url: string, pids: number[]): Promise<Map<number, Heap>> {
  const got = new Map<number, Heap>();
  for (let i = 0; i < 100 && got.size < pids.length; i++) {
    const res = await fetch(`${url}/memory`, { headers: { connection: 'close' } });
    const m = (await res.json()) as Heap & { pid: number };
    got.set(m.pid, m);
  }
  return got;
}

test(`soak: ${seconds} s of mixed load, RSS and fds flat, zero errors`, { timeout: (seconds + 180) * 1000 }, async () => {
  // The workers' V8 heap is kept small: old space 48 MB, semi-spaces 4 MB. V8 otherwise lets a busy
  // worker's heap grow lazily (on CI it committed up to 140 MB with 8-16 MB of live objects) and RSS
  // keeps the high-water mark, so memory would level off only after minutes. With small limits it
  // levels off early; a real leak would exhaust the old space and kill the worker (the pids are
  // checked below).
  const { t, url } = await startServer(['--max-requests', '0', 'app.mjs'], { workers: 2, env: { NODE_OPTIONS: '--max-old-space-size=48 --max-semi-space-size=4' } });
  const mix = [
    { method: 'GET' as const, path: '/' },
    { method: 'GET' as const, path: '/slow?ms=5' },
    { method: 'POST' as const, path: '/echo', body, headers: { 'content-type': 'text/plain' } },
    { method: 'GET' as const, path: '/headers' },
    { method: 'GET' as const, path: '/missing' },
  ];
  await load(url, { seconds: 5, connections: 20, requests: mix });
  const workers = childPids(t.pid);
  assert.equal(workers.length, 2);
  const procs = [...workers, t.pid];
  const name = (p: number) => (p === t.pid ? `master ${p}` : `worker ${p}`);

  // The run is cut into SAMPLES stretches of load. After each, with no load running (so open
  // connections do not count), every process's RSS and descriptors are read from /proc and each
  // worker reports its V8 heap, so a rise can be told apart: heap, buffers, or outside V8.
  let requests = 0,
    errors = 0,
    timeouts = 0;
  const rss: number[][] = procs.map(() => []);
  const fds: number[][] = procs.map(() => []);
  for (let s = 1; s <= SAMPLES; s++) {
    const r = await load(url, { seconds: seconds / SAMPLES, connections: 40, requests: mix });
    requests += r.requests;
    errors += r.errors;
    timeouts += r.timeouts;
    await new Promise((res) => setTimeout(res, 1000));
    const heap = await heaps(url, workers);
    const line = procs.map((p, i) => {
      rss[i]!.push(rssKb(p));
      fds[i]!.push(openFds(p));
      const h = heap.get(p);
      const v8 = h ? ` (heap ${(h.heapUsed / MB).toFixed(0)} used of ${(h.heapTotal / MB).toFixed(0)}, buffers ${(h.arrayBuffers / MB).toFixed(0)})` : '';
      return `${name(p)} ${(rss[i]!.at(-1)! / 1024).toFixed(1)} MB${v8} ${fds[i]!.at(-1)} fds`;
    });
    console.log(`soak ${Math.round((s * seconds) / SAMPLES)} s: ${r.requests} requests, ${r.errors} errors; ${line.join('; ')}`);
  }
  console.log(`soak ${seconds} s: ${requests} requests (${Math.round(requests / seconds)} req/s), ${errors} errors, ${timeouts} timeouts`);

  assert.deepEqual({ errors, timeouts }, { errors: 0, timeouts: 0 });
  assert.deepEqual(childPids(t.pid), workers, 'no worker died or was replaced');
  assertLevelsOff(procs, name, rss, fds);
  assert.equal((await t.stop()).code, 0);
});
