/**
 * The status endpoint of a Python app: fronts count the requests, Python workers' heartbeats say
 * which are busy, and /readyz waits for both fronts and Python workers.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { fileTimeout, listeningLines, sleep, Tunicorn } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';
import { get, metric, statusUrl } from '../helpers/status.js';

fileTimeout(60);

const fetchText = (url: string) =>
  new Promise<number>((resolve, reject) => {
    http.get(url, { agent: false }, (res) => (res.resume(), res.on('end', () => resolve(res.statusCode!)))).on('error', reject);
  });

test('a gevent app: requests counted through the fronts, busy and idle Python workers, readiness', { skip: pythonHas('gevent') ?? false }, async () => {
  const t = new Tunicorn(['--python', PYTHON, '-k', 'gevent', '-w', '2', '-b', '127.0.0.1:0', '--status-bind', '127.0.0.1:0', 'app:application'], { cwd: PY_FIXTURES });
  const status = await statusUrl(t);
  const app = listeningLines(t.output)[0]!.url;
  const deadline = Date.now() + 20_000;
  while ((await get(`${status}/readyz`)).status !== 200) {
    assert.ok(Date.now() < deadline, `not ready: ${t.output}`);
    await sleep(100);
  }
  for (let i = 0; i < 25; i++) assert.equal(await fetchText(`${app}/pid`), 200);
  const slow = fetchText(`${app}/sleep?2.5`);
  await sleep(1500); // heartbeats from the front and the Python workers
  const m = (await get(`${status}/metrics`)).body;
  assert.equal(metric(m, 'tunicorn_requests_total', { method: 'GET', status: '200' }), 25, m);
  assert.equal(metric(m, 'tunicorn_workers', { state: 'busy' }), 1);
  assert.equal(metric(m, 'tunicorn_workers', { state: 'idle' }), 1);
  assert.equal(metric(m, 'tunicorn_requests_in_flight'), 1);
  assert.ok(metric(m, 'tunicorn_worker_resident_memory_bytes', { kind: 'python' }) > 0);
  assert.ok(metric(m, 'tunicorn_worker_resident_memory_bytes', { kind: 'front' }) > 0);
  assert.equal(await slow, 200);
  assert.equal((await get(`${status}/healthz`)).status, 200);
  assert.equal((await t.stop()).code, 0);
});
