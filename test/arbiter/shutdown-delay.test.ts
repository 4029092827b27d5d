/**
 * Kubernetes-style drains (shutdown_delay): on TERM readiness fails at once while the workers keep
 * accepting for the delay, then the graceful stop; connections still in the listen queue when the
 * listeners close are served, not reset.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { sleep, startServer } from '../helpers/cli.js';
import { acceptQueue } from '../helpers/proc.js';
import { get, statusUrl } from '../helpers/status.js';

/** One GET on its own connection: the status code, or the error's message. */
const fetchOnce = (url: string) =>
  new Promise<number | string>((resolve) => {
    http
      .get(url, { agent: false, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('timeout'));
      })
      .on('error', (err) => resolve(err.message));
  });

test('TERM with shutdown_delay 2: /readyz is 503 at once, new connections are served through the delay, then a graceful exit 0', async () => {
  const { t, url } = await startServer(['--shutdown-delay', '2', '--status-bind', '127.0.0.1:0', 'app.mjs'], { workers: 2 });
  const status = await statusUrl(t);
  for (let i = 0; i < 100 && (await get(status + '/readyz')).status !== 200; i++) await sleep(50);
  assert.equal((await get(status + '/readyz')).status, 200);
  const results: (number | string)[] = [];
  let hammering = true;
  const hammer = (async () => {
    while (hammering) results.push(await fetchOnce(url + '/'));
  })();
  await sleep(200);
  const termAt = Date.now();
  t.signal('SIGTERM');
  await t.waitFor(/Not ready any more; serving for shutdown_delay \(2s\)/);
  const ready = await get(status + '/readyz');
  const before = results.length;
  await sleep(1500);
  hammering = false;
  await hammer;
  const { code } = await t.exited;
  const took = Date.now() - termAt;
  console.log(`shutdown_delay 2: ${results.length - before} requests on new connections during the delay, ${results.filter((r) => r !== 200).length} failed; exit ${code} after ${took} ms`);
  assert.equal(ready.status, 503);
  assert.match(ready.body, /shutting_down/);
  assert.deepEqual(
    results.filter((r) => r !== 200),
    [],
  );
  assert.ok(results.length - before > 10, 'requests kept being served during the delay');
  assert.equal(code, 0);
  assert.ok(took >= 2000, `the graceful stop waited for shutdown_delay (${took} ms)`);
});

test('connections waiting in the listen queue when the listeners close are served, not reset', async () => {
  // One worker, its event loop blocked while the delay runs out: the connections opened meanwhile
  // wait in the listen queue until it takes the stop and closes its listener.
  const { t, url, port } = await startServer(['--shutdown-delay', '1', 'app.mjs'], { workers: 1 });
  const blocked = fetchOnce(url + '/block?ms=2500');
  await sleep(300);
  t.signal('SIGTERM');
  await sleep(200);
  const queued = Array.from({ length: 30 }, () => fetchOnce(url + '/'));
  let inQueue = 0;
  for (let i = 0; i < 40 && inQueue < 30; i++) {
    await sleep(25);
    inQueue = acceptQueue(port) ?? 0;
  }
  const results = await Promise.all(queued);
  const { code } = await t.exited;
  console.log(`listen queue at the stop: ${inQueue} connections; answered ${results.filter((r) => r === 200).length}/30; exit ${code}`);
  assert.equal(await blocked, 200);
  assert.equal(inQueue, 30, 'the connections were waiting in the listen queue');
  assert.deepEqual(results, Array(30).fill(200));
  assert.equal(code, 0);
});
