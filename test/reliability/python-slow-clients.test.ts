/**
 * Python apps, issue point 3 ("slowhttptest ..."), short version (in npm test): the three
 * slowhttptest attacks at once, 100 connections each, against one gevent Python worker behind one
 * front with --worker-connections 100 (3x the cap); then a handful of slow request bodies against
 * sync workers, one more than there are workers. Normal clients must be served throughout. The
 * full-size attacks (10,000 connections against the seed's config) are in python-slow-clients.long.ts.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { sleep } from '../helpers/cli.js';
import { pythonHas } from '../helpers/python.js';
import { APT_HINT, attack, freshConnections, normalClients, PATH, slowhttptestMissing, type Mode } from './slow-clients-lib.js';
import { get, processes, startPython } from './python-lib.js';

test('slowhttptest, scaled down, against gevent: slow headers, slow body and slow read at once, 3x worker_connections; keep-alive clients unharmed, new connections all served', { timeout: 60_000 }, async (t) => {
  const missing = slowhttptestMissing() ?? pythonHas('gevent', 'flask');
  if (missing) return void t.skip(`${missing}; CI installs: ${APT_HINT}`);
  const { t: server, url } = await startPython('attack_flask:app', ['-k', 'gevent', '--worker-connections', '100'], { workers: 1 });
  const before = processes(server);
  const seconds = 6;
  const normal = normalClients(url + '/', seconds + 1, 2, 50);
  await sleep(500);
  const modes: Mode[] = ['headers', 'body', 'read'];
  const attacks = modes.map((mode) => attack({ mode, url: url + PATH[mode], connections: 100, rate: 100, seconds }));
  await sleep(1000);
  const probe = freshConnections(url + '/');
  await sleep((seconds - 2) * 1000);
  const fresh = await probe.stop();
  const n = await normal;
  const results = await Promise.all(attacks.map((a) => a.done));
  const shed = Math.max(0, ...[...server.output.matchAll(/reached: closed .*?\((\d+) so far[:)]/g)].map((m) => Number(m[1])));
  console.log(
    `Python gevent, 300 slow connections against worker_connections 100: keep-alive clients ${n.requests} requests, ${n.errors + n.timeouts + n.non2xx} failed, p50 ${n.p50} ms, p99 ${n.p99} ms, max ${n.max} ms; ` +
      `new connections ${fresh.requests - fresh.failures}/${fresh.requests} served, p50 ${fresh.p50} ms, p99 ${fresh.p99} ms, max ${fresh.max} ms; ${shed} shed (logged); ` +
      `slowhttptest: ${results.map((r) => `${r.mode} max connected ${r.maxConnected}, unavailable ${r.unavailable}/${r.statuses.length}`).join('; ')}`,
  );
  assert.ok(n.requests >= 100, `keep-alive clients were served (${n.requests})`);
  assert.deepEqual({ errors: n.errors, timeouts: n.timeouts, non2xx: n.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.ok(n.p99 < 1000, `keep-alive clients: p99 ${n.p99} ms`);
  assert.equal(fresh.failures, 0, 'every new connection was served (within 10 s)');
  assert.deepEqual(processes(server), before, 'the same front and Python worker throughout');
  assert.doesNotMatch(server.output, /WORKER TIMEOUT|was sent SIG|exited with code|Python worker went away/);
  assert.equal((await server.stop()).code, 0);
});

// The front takes a sync worker only once it has a request's body (or its first 256 KiB).
test('sync: 3 slow request bodies against 2 sync workers; a normal request is still served within 1 s', { timeout: 30_000 }, async () => {
  const { t: server, port, url } = await startPython('attack_flask:app', ['-k', 'sync', '--request-queue-timeout', '3'], { workers: 2 });
  const slow: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab');
    slow.push(s);
  }
  const drip = setInterval(() => slow.forEach((s) => s.write('a')), 500);
  await sleep(1000);
  const started = Date.now();
  const r = await get(`${url}/`, { timeoutMs: 8000 });
  const ms = Date.now() - started;
  clearInterval(drip);
  slow.forEach((s) => s.destroy());
  console.log(`sync, 3 slow bodies held: a normal GET / got ${'status' in r ? r.status : r.error} after ${ms} ms`);
  await server.stop();
  assert.ok('status' in r && r.status === 200, `served (${JSON.stringify('status' in r ? r.status : r)})`);
  assert.ok(ms < 1000, `within 1 s (${ms} ms)`);
});
