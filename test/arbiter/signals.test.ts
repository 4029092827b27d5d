/** Gunicorn's signals on the master: TERM, INT, QUIT, HUP, TTIN, TTOU, USR1 — with real signals and real load. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { sleep, startServer } from '../helpers/cli.js';
import { loadUntil } from '../helpers/load.js';

function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

test('TERM is graceful: in-flight requests finish, then exit 0', async () => {
  const { t, url } = await startServer(['app.mjs'], { workers: 2 });
  const inflight = get(`${url}/slow?ms=1500`);
  await sleep(300);
  t.signal('SIGTERM');
  const res = await inflight;
  assert.equal(res.status, 200);
  assert.equal(res.body, 'slept 1500');
  assert.equal(res.headers.connection, 'close');
  assert.equal((await t.exited).code, 0);
  assert.match(t.output, /Handling signal: term/);
});

test('TERM: a request longer than graceful_timeout is cut and logged; exit 0', async () => {
  const { t, url } = await startServer(['--graceful-timeout', '1', 'app.mjs'], { workers: 1 });
  const inflight = get(`${url}/slow?ms=5000`).then(
    () => 'answered',
    () => 'cut',
  );
  await sleep(200);
  const started = Date.now();
  t.signal('SIGTERM');
  assert.equal(await inflight, 'cut');
  assert.equal((await t.exited).code, 0);
  assert.ok(Date.now() - started < 4000);
  assert.match(t.output, /Graceful timeout \(1s\): cutting 1 request\(s\) still running: GET \/slow\?ms=5000/);
});

for (const sig of ['SIGINT', 'SIGQUIT'] as const) {
  test(`${sig} is a quick shutdown: exit 0 without waiting for in-flight requests`, async () => {
    const { t, url } = await startServer(['app.mjs'], { workers: 2 });
    const inflight = get(`${url}/slow?ms=10000`).catch(() => 'cut');
    await sleep(200);
    const started = Date.now();
    t.signal(sig);
    assert.equal((await t.exited).code, 0);
    assert.ok(Date.now() - started < 3000, 'quick');
    assert.equal(await inflight, 'cut');
  });
}

test('TTIN adds a worker and TTOU removes the oldest, gracefully', async () => {
  const { t, url } = await startServer(['app.mjs'], { workers: 1 });
  const [first] = t.workerPids();
  t.signal('SIGTTIN');
  await t.waitFor(/(Booting worker with pid: \d+[\s\S]*){2}/);
  const second = t.workerPids()[1]!;
  // New connections until both workers have answered: the new one serves once it has booted,
  // which takes longer on a loaded machine.
  const seen = new Set<string>();
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && seen.size < 2; await sleep(50)) {
    seen.add((await get(`${url}/pid`, new http.Agent({ keepAlive: false }))).body);
  }
  assert.equal(seen.size, 2, 'both workers serve');
  t.signal('SIGTTOU');
  await t.waitFor(new RegExp(`Worker exiting \\(pid: ${first}\\)`));
  for (let i = 0; i < 5; i++) assert.equal((await get(`${url}/pid`, new http.Agent({ keepAlive: false }))).body, String(second));
  assert.equal((await t.stop()).code, 0);
});

test('HUP under load: every worker replaced, zero failed requests', async () => {
  const { t, url } = await startServer(['--max-requests', '0', 'app.mjs'], { workers: 2 });
  const old = t.workerPids();
  const exited = (pid: number) => t.output.includes(`Worker exiting (pid: ${pid})`);
  // The load goes on (5 s at a time) until both old workers have retired, however long their
  // replacements take to boot.
  const running = loadUntil(url, { seconds: 5, connections: 20 }, () => old.every(exited));
  await sleep(1500);
  t.signal('SIGHUP');
  const r = await running;
  await t.waitFor(/Handling signal: hup/);
  const now = t.workerPids();
  assert.equal(now.length, 4, 'a new generation of two workers');
  for (const pid of old) assert.ok(exited(pid), `worker ${pid} retired:\n${t.output}`);
  assert.ok(r.requests > 1000, `load ran (${r.requests} requests)`);
  console.log(`HUP under load: ${r.requests} requests, ${r.errors} errors, ${r.non2xx} non-2xx`);
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.equal((await t.stop()).code, 0);
});

test('USR1 is handled by the master and relayed to workers (log reopen)', async () => {
  const { t } = await startServer(['app.mjs'], { workers: 1 });
  t.signal('SIGUSR1');
  await t.waitFor(/Handling signal: usr1/);
  await sleep(300);
  assert.equal(t.workerPids().length, 1, 'workers keep running (SIGUSR1 is not sent to them)');
  assert.equal((await t.stop()).code, 0);
});
