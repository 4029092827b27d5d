/**
 * max_worker_memory: a worker that stays above the limit is replaced replacement-first, under load,
 * with no failed request and memory bounded; plus the pure parts (the value, the limit, the watch).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { limitBytes, MemoryWatch } from '../../src/arbiter/memory-limit.js';
import { memoryLimit } from '../../src/config/validators.js';
import { runCli, sleep, startServer } from '../helpers/cli.js';
import { childPids, rssKb } from '../helpers/proc.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';

test('max_worker_memory values: MB, a percentage, 0 for off; anything else is one clear error', async () => {
  assert.equal(memoryLimit(512, 'max_worker_memory'), 512);
  assert.equal(memoryLimit(' 256MB ', 'max_worker_memory'), 256);
  assert.equal(memoryLimit('80%', 'max_worker_memory'), '80%');
  assert.equal(limitBytes(0), null);
  assert.equal(limitBytes(100), 100 * 1024 * 1024);
  assert.equal(
    limitBytes('50%', () => 2000),
    1000,
  );
  for (const bad of ['-1', '1.5GB', '0%', '150%', 'lots']) assert.throws(() => memoryLimit(bad, 'max_worker_memory'), /expected a whole number of MB \(0 for off\), or a percentage/);
  const r = await runCli(['--max-worker-memory', 'lots', 'app.mjs']);
  assert.equal(r.code, 1);
  assert.match(r.output, /Invalid value for max_worker_memory \(--max-worker-memory\): "lots"; expected a whole number of MB/);
  assert.doesNotMatch(r.output, /\n\s+at /);
});

test('MemoryWatch: over the limit for the grace period, then reported once; dipping under resets it', () => {
  const w = new MemoryWatch();
  const rss = new Map([
    [1, 200],
    [2, 50],
  ]);
  const check = (now: number) => w.check([1, 2], 100, 1000, now, (p) => rss.get(p) ?? null);
  assert.deepEqual(check(0), []);
  assert.deepEqual(check(900), []);
  assert.deepEqual(check(1000), [{ pid: 1, rss: 200 }]);
  assert.deepEqual(check(1100), [], 'the grace starts again after a report');
  rss.set(1, 90);
  assert.deepEqual(check(2500), []);
  rss.set(1, 150);
  assert.deepEqual(check(2600), []);
  assert.deepEqual(check(3600), [{ pid: 1, rss: 150 }]);
});

/**
 * Requests from `loops` clients, each pausing `pauseMs` between requests (at most 200 a second, 50 MB
 * a second of leak), until `enough()` or `ms` has passed; returns counts.
 */
async function leakLoad(url: string, ms: number, enough: () => boolean, loops = 4, pauseMs = 20): Promise<{ ok: number; failed: string[] }> {
  const agent = new http.Agent({ keepAlive: true });
  const failed: string[] = [];
  let ok = 0;
  const end = Date.now() + ms;
  const one = () =>
    new Promise<void>((resolve) => {
      http
        .get(`${url}/leak`, { agent }, (res) => {
          res.resume().on('end', () => {
            if (res.statusCode === 200) ok++;
            else failed.push(String(res.statusCode));
            resolve();
          });
        })
        .on('error', (err) => (failed.push(err.message), resolve()));
    });
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (Date.now() < end && !enough()) {
        await one();
        await sleep(pauseMs);
      }
    }),
  );
  agent.destroy();
  return { ok, failed };
}

const apps = [
  { name: 'Node app', args: ['leaky.mjs'], opts: {} },
  { name: 'Python app (gevent)', args: ['--python', PYTHON, '-k', 'gevent', 'app:application'], opts: { cwd: PY_FIXTURES } },
];
for (const app of apps) {
  test(`${app.name}: a worker leaking past max_worker_memory is replaced under load, replacement first, zero failed requests, memory bounded`, async () => {
    const { t, url } = await startServer(['--max-worker-memory', '120', '--max-worker-memory-grace', '1', '--max-requests', '0', ...app.args], { ...app.opts, workers: 2 });
    try {
      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          // Python workers are children of the interpreter they are forked from: every descendant.
          const kids = childPids(t.pid);
          for (const pid of [...kids, ...kids.flatMap((k) => childPids(k))]) {
            try {
              peak = Math.max(peak, rssKb(pid) / 1024);
            } catch {
              // exited between the listing and the read
            }
          }
          await sleep(100);
        }
      })();
      const r = await leakLoad(url, 30_000, () => t.count(/above max_worker_memory/) >= 3);
      sampling = false;
      await sampler;
      const replaced = t.count(/above max_worker_memory 120 MiB for 1s: replacing it/);
      console.log(`${app.name}: ${r.ok} requests, ${r.failed.length} failed, ${replaced} workers replaced for memory, peak RSS of a child ${peak.toFixed(0)} MiB`);
      assert.match(t.output, /\[WARNING\] Worker \(pid:\d+\) uses \d+ MiB of memory, above max_worker_memory 120 MiB for 1s: replacing it/);
      assert.ok(replaced >= 2, `workers replaced: ${replaced}`);
      assert.deepEqual(r.failed, []);
      assert.ok(peak < 120 + 180, `peak RSS ${peak.toFixed(0)} MiB stays near the limit`);
    } finally {
      assert.equal((await t.stop()).code, 0);
    }
  });
}
