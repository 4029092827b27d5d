/**
 * Issue 4, point 9: mixed load for TUNICORN_SOAK_SECONDS (default 600; CI runs 60). Worker RSS and
 * open file descriptors stay flat, and no request fails. Run with `npm run test:reliability`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';
import { load } from '../helpers/load.js';
import { childPids, openFds, rssKb } from '../helpers/proc.js';

const seconds = Number(process.env.TUNICORN_SOAK_SECONDS ?? 600);
const body = 'x'.repeat(16 * 1024);

test(`soak: ${seconds} s of mixed load, RSS and fds flat, zero errors`, { timeout: (seconds + 120) * 1000 }, async () => {
  // V8 grows a busy worker's old generation lazily (to a few hundred MB before a major GC), which
  // looks like growth in a one-minute soak. With the heap capped at 96 MB garbage is collected
  // early, so RSS must stay flat; a real leak would exhaust the cap and kill the worker (the pids
  // are checked below).
  const { t, url } = await startServer(['--max-requests', '0', 'app.mjs'], { workers: 2, env: { NODE_OPTIONS: '--max-old-space-size=96' } });
  const mix = [
    { method: 'GET' as const, path: '/' },
    { method: 'GET' as const, path: '/slow?ms=5' },
    { method: 'POST' as const, path: '/echo', body, headers: { 'content-type': 'text/plain' } },
    { method: 'GET' as const, path: '/headers' },
    { method: 'GET' as const, path: '/missing' },
  ];
  // Warm up, then sample the workers (with no load running, so open connections do not count)
  // halfway through and at the end: after warm-up the second half must not grow.
  const settle = () => new Promise((r) => setTimeout(r, 1000));
  const sample = (pids: number[]) => pids.map((p) => ({ rss: rssKb(p), fds: openFds(p) }));
  await load(url, { seconds: 5, connections: 20, requests: mix });
  const workers = childPids(t.pid);
  assert.equal(workers.length, 2);
  const first = await load(url, { seconds: seconds / 2, connections: 40, requests: mix });
  await settle();
  const mid = sample([...workers, t.pid]);
  const second = await load(url, { seconds: seconds / 2, connections: 40, requests: mix });
  await settle();
  const end = sample([...workers, t.pid]);
  const requests = first.requests + second.requests;
  const errors = first.errors + second.errors;
  const timeouts = first.timeouts + second.timeouts;
  console.log(`soak ${seconds} s: ${requests} requests (${Math.round(requests / seconds)} req/s), ${errors} errors, ${timeouts} timeouts`);
  [...workers, t.pid].forEach((p, i) =>
    console.log(`${p === t.pid ? 'master' : 'worker'} ${p}: RSS ${mid[i]!.rss} -> ${end[i]!.rss} kB over the second half, fds ${mid[i]!.fds} -> ${end[i]!.fds}`),
  );
  assert.deepEqual({ errors, timeouts }, { errors: 0, timeouts: 0 });
  assert.deepEqual(childPids(t.pid), workers, 'no worker died or was replaced');
  for (let i = 0; i <= workers.length; i++) {
    assert.ok(end[i]!.rss - mid[i]!.rss < 20 * 1024, `RSS flat (${mid[i]!.rss} -> ${end[i]!.rss} kB)`);
    assert.ok(end[i]!.fds - mid[i]!.fds <= 2, `fds flat (${mid[i]!.fds} -> ${end[i]!.fds})`);
  }
  assert.equal((await t.stop()).code, 0);
});
