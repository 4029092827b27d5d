/**
 * The master's status endpoint as a deployment sees it: /readyz through boot, load and TERM,
 * /healthz and /readyz while the only worker is stuck, /metrics while the worker cannot answer
 * (the listen backlog grows), busy workers, and clear errors for a bad status_bind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileTimeout, listeningLines, runCli, sleep, Tunicorn } from '../helpers/cli.js';
import { get, metric, statusUrl } from '../helpers/status.js';

fileTimeout(90);

async function start(args: string[]): Promise<{ t: Tunicorn; app: string; status: string }> {
  const t = new Tunicorn(['-b', '127.0.0.1:0', '--status-bind', '127.0.0.1:0', ...args]);
  const status = await statusUrl(t);
  return { t, app: listeningLines(t.output)[0]!.url, status };
}

/** Poll `path` until its status is `want` (or `ms` passes); returns the body seen. */
async function until(status: string, path: string, want: number, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await get(status + path);
    if (r.status === want) return r.body;
    if (Date.now() > deadline) throw new Error(`${path} still ${r.status} after ${ms} ms: ${r.body}`);
    await sleep(50);
  }
}

function slowRequest(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

test('/readyz is 503 "booting" until a worker has loaded the app, then 200; unknown paths 404, POST 405', async () => {
  const { t, status } = await start(['-w', '1', 'slow-boot.mjs']);
  const first = await get(`${status}/readyz`);
  assert.equal(first.status, 503);
  assert.equal(first.type, 'application/json');
  assert.equal(JSON.parse(first.body).status, 'booting');
  assert.equal(JSON.parse(await until(status, '/readyz', 200)).status, 'ready');
  assert.equal((await get(`${status}/healthz`)).status, 200);
  assert.equal((await get(`${status}/nope`)).status, 404);
  const post = await fetch(`${status}/metrics`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal((await t.stop()).code, 0);
});

test('under load: busy workers and in-flight requests show; after TERM /readyz is 503 at once while the request finishes', async () => {
  const { t, app, status } = await start(['-w', '1', '--graceful-timeout', '10', 'app.mjs']);
  await until(status, '/readyz', 200);
  const slow = slowRequest(`${app}/slow?ms=2500`);
  await sleep(1400); // a heartbeat (every second) has carried the request in flight
  const m = (await get(`${status}/metrics`)).body;
  assert.equal(metric(m, 'tunicorn_workers', { state: 'busy' }), 1, m);
  assert.equal(metric(m, 'tunicorn_workers', { state: 'idle' }), 0);
  assert.equal(metric(m, 'tunicorn_requests_in_flight'), 1);
  assert.equal(metric(m, 'tunicorn_open_connections'), 1);
  t.signal('SIGTERM');
  await t.waitFor(/Handling signal: term/);
  const ready = await get(`${status}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(JSON.parse(ready.body).status, 'shutting_down');
  assert.equal((await get(`${status}/healthz`)).status, 200, 'still alive while draining');
  assert.deepEqual(await slow, { status: 200, body: 'slept 2500' });
  assert.equal((await t.exitWithin()).code, 0);
});

test('a stuck worker: /metrics still answers and shows the listen backlog; /healthz and /readyz go 503, then back to 200 with its replacement', async () => {
  const { t, app, status } = await start(['-w', '1', '--timeout', '2', 'app.mjs']);
  await until(status, '/readyz', 200);
  const pid = t.workerPids()[0]!;
  process.kill(pid, 'SIGSTOP');
  // Connections the kernel accepts for a worker that cannot take them wait in the listen queue.
  const port = Number(new URL(app).port);
  const clients = await Promise.all(
    [1, 2, 3].map(
      () =>
        new Promise<net.Socket>((resolve) => {
          const c = net.connect(port, '127.0.0.1', () => resolve(c));
        }),
    ),
  );
  try {
    const m = (await get(`${status}/metrics`)).body;
    assert.equal(metric(m, 'tunicorn_listen_backlog', { bind: '127.0.0.1:0' }), 3, m);
    const health = JSON.parse(await until(status, '/healthz', 503));
    assert.equal(health.status, 'unhealthy');
    assert.match(health.detail, /no worker sent a heartbeat in the last 2s/);
    assert.equal(JSON.parse((await get(`${status}/readyz`)).body).status, 'not_ready');
  } finally {
    for (const c of clients) c.destroy();
  }
  await until(status, '/healthz', 200, 15_000);
  await until(status, '/readyz', 200);
  const m = (await get(`${status}/metrics`)).body;
  assert.equal(metric(m, 'tunicorn_worker_restarts_total', { reason: 'timeout' }), 1);
  assert.equal(metric(m, 'tunicorn_worker_heartbeat_age_seconds', { pid: String(pid) }), NaN, 'the killed worker is gone from the gauges');
  assert.equal((await t.stop()).code, 0);
});

test('restarts by reason: a worker killed with SIGKILL (as the OOM killer does) is a crash, HUP is a reload; TERM and TTOU are not restarts', async () => {
  const { t, status } = await start(['-w', '2', 'app.mjs']);
  await until(status, '/readyz', 200);
  const restarts = async (reason: string) => metric((await get(`${status}/metrics`)).body, 'tunicorn_worker_restarts_total', { reason });
  process.kill(t.workerPids()[0]!, 'SIGKILL');
  await t.waitFor(/was sent SIGKILL/);
  assert.equal(await restarts('crash'), 1);
  t.signal('SIGHUP');
  for (let i = 0; i < 100 && (await restarts('reload')) < 2; i++) await sleep(100);
  assert.equal(await restarts('reload'), 2);
  const exits = () => t.count(/Worker exiting/);
  for (let i = 0; i < 100 && exits() < 2; i++) await sleep(100); // the two workers HUP replaced
  const before = exits();
  t.signal('SIGTTOU');
  for (let i = 0; i < 100 && exits() === before; i++) await sleep(100);
  assert.equal(exits(), before + 1, 'TTOU stopped a worker');
  const m = (await get(`${status}/metrics`)).body;
  assert.equal(metric(m, 'tunicorn_worker_restarts_total'), 3, m);
  assert.equal(metric(m, 'tunicorn_workers'), 1);
  assert.equal((await t.stop()).code, 0);
});

test('restarts by reason: a worker above max_worker_memory is a memory restart', async () => {
  const { t, app, status } = await start(['-w', '1', '--max-worker-memory', '120', '--max-worker-memory-grace', '1', 'leaky.mjs']);
  await until(status, '/readyz', 200);
  const first = t.workerPids()[0];
  const agent = new http.Agent({ keepAlive: true });
  const leak = () => new Promise<void>((resolve, reject) => http.get(`${app}/leak`, { agent }, (res) => (res.resume(), res.on('end', resolve))).on('error', reject));
  for (let i = 0; i < 400 && t.workerPids().length === 1; i++) await leak(); // 256 KiB kept per request
  agent.destroy();
  await t.waitFor(/above max_worker_memory/);
  await t.waitFor(new RegExp(`Worker exiting \\(pid: ${first}\\)`));
  // Counted when the process has exited, a moment after its last line.
  let m = '';
  for (let i = 0; i < 50 && metric(m, 'tunicorn_worker_restarts_total', { reason: 'memory' }) !== 1; i++) {
    await sleep(100);
    m = (await get(`${status}/metrics`)).body;
  }
  assert.equal(metric(m, 'tunicorn_worker_restarts_total', { reason: 'memory' }), 1, m);
  assert.equal(metric(m, 'tunicorn_worker_restarts_total', { reason: 'crash' }), 0);
  assert.equal((await t.stop()).code, 0);
});

test("health_check_path: /readyz follows the app's own check, through the app's bind", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-health-'));
  try {
    const down = join(dir, 'down');
    const { t, status } = await start(['-w', '1', '-e', `DOWN_FILE=${down}`, '--health-check-path', '/health', 'health-app.mjs']);
    assert.equal(JSON.parse(await until(status, '/readyz', 200)).detail, 'workers are serving; /health answered 200');
    writeFileSync(down, '');
    const v = JSON.parse((await get(`${status}/readyz`)).body);
    assert.deepEqual(v, { status: 'app_unhealthy', detail: '/health answered 503' });
    assert.equal((await get(`${status}/healthz`)).status, 200, 'liveness does not ask the app');
    rmSync(down);
    await until(status, '/readyz', 200);
    assert.equal((await t.stop()).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = await runCli(['--health-check-path', 'health', 'app.mjs']);
  assert.equal(bad.code, 1);
  assert.match(bad.output, /Invalid value for health_check_path \(--health-check-path\): "health"; expected a path starting with \//);
});

test('a bad or busy status_bind: one clear line and exit 1', async () => {
  const bad = await runCli(['--status-bind', '[nope]:1', 'app.mjs']);
  assert.equal(bad.code, 1);
  assert.match(bad.output, /Invalid status_bind: "\[nope\]:1": nope is not an IPv6 address/);
  const taken = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => taken.once('listening', r));
  try {
    const port = (taken.address() as net.AddressInfo).port;
    const busy = await runCli(['-b', '127.0.0.1:0', '--status-bind', `127.0.0.1:${port}`, 'app.mjs']);
    assert.equal(busy.code, 1);
    assert.match(busy.output, new RegExp(`Cannot serve status_bind 127\\.0\\.0\\.1:${port}: EADDRINUSE; choose another --status-bind address\\.`));
    assert.doesNotMatch(busy.output + bad.output, /\n\s+at /);
  } finally {
    taken.close();
  }
});
