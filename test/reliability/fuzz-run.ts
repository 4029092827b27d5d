/**
 * The fuzz run shared by fuzz.test.ts (a few thousand mutations, in npm test) and fuzz.long.ts
 * (100k+, in npm run test:reliability): a tunicorn with 2 workers serving a fixture app,
 * a warm-up, a baseline of each worker's open fds and RSS, the run, a settle, and the checks: same
 * worker pids, no crash or error lines, no status outside the expected set, fds back to baseline,
 * no connection left open, RSS reported (and bounded).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sleep, startServer } from '../helpers/cli.js';
import { childPids, openFds, rssKb } from '../helpers/proc.js';
import { describe, EXPECTED_STATUSES, fuzz, type FuzzStats } from './mutate.js';

/** Established TCP connections whose local port is `port` (the server's side), from /proc/net/tcp. */
export function established(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (local?.endsWith(hex) && state === '01') n++;
    }
  }
  return n;
}

function merge(parts: FuzzStats[]): FuzzStats {
  const out: FuzzStats = { requests: 0, connections: 0, statuses: new Map(), closedSilently: 0, gaveUp: 0, connectErrors: 0, unexpected: [], ms: 0 };
  for (const p of parts) {
    out.requests += p.requests;
    out.connections += p.connections;
    out.closedSilently += p.closedSilently;
    out.gaveUp += p.gaveUp;
    out.connectErrors += p.connectErrors;
    out.ms += p.ms;
    out.unexpected.push(...p.unexpected);
    for (const [k, v] of p.statuses) out.statuses.set(k, (out.statuses.get(k) ?? 0) + v);
  }
  return out;
}

export interface FuzzRunOptions {
  /** The fixture app (default recorder.mjs, a node listener; app.mjs is a fetch app). Needs a /pid route. */
  app?: string;
  /** Statuses the app itself may answer besides EXPECTED_STATUSES (404 for app.mjs's unknown paths). */
  alsoExpected?: number[];
  total: number;
  concurrency: number;
  /** Stop sending after this long even if `total` is not reached (the test then fails). */
  maxSeconds: number;
  seed?: number;
  /** Allowed RSS growth per worker over the second half of the run, in kB (twice this over all of it). */
  rssSlackKb: number;
  label: string;
}

export async function fuzzRun(o: FuzzRunOptions): Promise<void> {
  const seed = o.seed ?? Number(process.env.TUNICORN_FUZZ_SEED ?? Date.now() % 1_000_000);
  const app = o.app ?? 'recorder.mjs';
  const expected = new Set([...EXPECTED_STATUSES, ...(o.alsoExpected ?? [])]);
  // --max-requests 0: the check is that the same two workers survive, so none may be recycled.
  const { t, port, url } = await startServer([app, '--max-requests', '0'], { workers: 2, env: { RECORDER_QUIET: '1', NODE_OPTIONS: '--max-old-space-size=96' } });
  const workers = childPids(t.pid).sort();
  assert.equal(workers.length, 2);

  // Warm up (JIT, buffers, the heap growing to its working size), then take the baseline with
  // nothing in flight.
  await fuzz(port, { total: Math.min(10_000, Math.ceil(o.total / 10)), concurrency: o.concurrency, seed: seed + 1, expected });
  const settle = async () => {
    // Refused connections are destroyed within 1 s of their answer; idle keep-alive ones after 2 s.
    for (let i = 0; i < 40 && established(port) > 0; i++) await sleep(100);
    await sleep(1200);
  };
  await settle();
  const before = workers.map((p) => ({ fds: openFds(p), rss: rssKb(p) }));

  // The run in quarters, sampling RSS after each: after warm-up it must level off, so the growth
  // over the second half is what is bounded (the first quarter may still grow the heap).
  const deadline = Date.now() + o.maxSeconds * 1000;
  const quarters: FuzzStats[] = [];
  const rssAt: number[][] = [];
  for (let q = 0; q < 4; q++) {
    quarters.push(await fuzz(port, { total: Math.ceil(o.total / 4), concurrency: o.concurrency, seed: seed + 10 * q, deadline, expected }));
    rssAt.push(workers.map((p) => rssKb(p)));
  }
  const stats = merge(quarters);
  await settle();
  const left = established(port);
  const after = workers.map((p) => ({ fds: openFds(p), rss: rssKb(p) }));

  console.log(`${o.label} (${app}, seed ${seed}): ${describe(stats)}`);
  workers.forEach((p, i) =>
    console.log(
      `${o.label}: worker ${p}: fds ${before[i]!.fds} -> ${after[i]!.fds}; RSS ${before[i]!.rss} kB after warm-up, ${rssAt.map((r) => r[i]).join(' / ')} kB after each quarter, ${after[i]!.rss} kB after the settle`,
    ),
  );
  console.log(`${o.label}: connections still established after the settle: ${left}`);

  assert.ok(stats.requests >= o.total, `sent ${stats.requests} of ${o.total} within ${o.maxSeconds} s`);
  assert.equal(stats.connectErrors, 0, 'every connection was accepted');
  assert.deepEqual(stats.unexpected, [], 'no status outside the expected set (a 500 would be the app blamed for a bad request)');
  assert.equal(left, 0, 'no connection left open');
  for (let i = 0; i < workers.length; i++) {
    assert.ok(Math.abs(after[i]!.fds - before[i]!.fds) <= 3, `worker ${workers[i]} fds back to baseline (${before[i]!.fds} -> ${after[i]!.fds})`);
    const growth = Math.max(...rssAt.slice(2).map((r) => r[i]!), after[i]!.rss) - rssAt[1]![i]!;
    assert.ok(growth < o.rssSlackKb, `worker ${workers[i]} RSS stable over the second half (${rssAt.map((r) => r[i]).join(' / ')} kB; +${growth} kB)`);
    assert.ok(after[i]!.rss - before[i]!.rss < 2 * o.rssSlackKb, `worker ${workers[i]} RSS bounded over the run (${before[i]!.rss} -> ${after[i]!.rss} kB)`);
  }
  // No worker crashed or was replaced; nothing was blamed on the app; it still serves.
  const lines = t.output.split('\n');
  const bad = lines.flatMap((l, i) =>
    /was sent SIG|exited with code|failed to boot|asked to be replaced|\[ERROR\]|\[CRITICAL\]|Error handling request|Uncaught/.test(l) ? [lines.slice(i, i + 6).join('\n')] : [],
  );
  assert.deepEqual(bad, [], 'no crash, error or app-error lines');
  assert.deepEqual(childPids(t.pid).sort(), workers);
  assert.equal(t.workerPids().length, 2);
  const res = await fetch(`${url}/pid`);
  assert.equal(res.status, 200);
  assert.ok(workers.includes(Number(await res.text())), 'one of the original workers answers');
  // Nothing is left in flight: a graceful stop waits for in-flight requests (up to --timeout 15 s).
  const stopping = Date.now();
  assert.equal((await t.stop()).code, 0);
  const stopMs = Date.now() - stopping;
  console.log(`${o.label}: stopped in ${stopMs} ms`);
  assert.doesNotMatch(t.output, /Request timed out/);
  assert.ok(stopMs < 3000, `stopped in ${stopMs} ms: requests were left in flight`);
}
