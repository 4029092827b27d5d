/**
 * statsd as an agent sees it: the real CLI sends to a real UDP socket (and a unix datagram socket)
 * bound by the test, and the lines are Gunicorn's: names, types, prefix, DogStatsD tags, sums.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileTimeout, NODE, ROOT, runCli, startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';
import { totals, udpAgent, unixAgent, until, type Agent } from '../helpers/statsd.js';

fileTimeout(60);

/** Every agent is closed when the file ends, pass or fail, so no socket keeps the test process alive. */
const agents: Agent[] = [];
after(() => Promise.all(agents.map((a) => a.close())));
const track = async (make: Promise<Agent>) => {
  const a = await make;
  agents.push(a);
  return a;
};

const status = (url: string) =>
  new Promise<number>((resolve, reject) => {
    http.get(url, { agent: false }, (res) => (res.resume(), res.on('end', () => resolve(res.statusCode!)))).on('error', reject);
  });

const sum = (agent: Agent, type: string, name: string) => totals(agent.lines(), type).get(name)?.[0] ?? 0;
const count = (agent: Agent, type: string, name: string) => totals(agent.lines(), type).get(name)?.[1] ?? 0;

test("a Node app: Gunicorn's names and lines, summing to the requests sent", async () => {
  const agent = await track(udpAgent());
  const { t, url } = await startServer(['--statsd-host', agent.address, '--enable-backlog-metric', 'app.mjs'], { workers: 2 });
  const N = 30;
  for (let i = 0; i < N; i++) assert.equal(await status(`${url}/`), 200);
  for (let i = 0; i < 3; i++) assert.equal(await status(`${url}/nope`), 404);
  assert.equal(await status(`${url}/throw`), 500); // the worker logs the exception
  t.signal('SIGWINCH'); // the master logs a warning (no USR2 before it)
  const sent = N + 1 + 3 + 1; // startServer's own request too
  await until(
    agent,
    `${sent} requests and the log lines`,
    () => sum(agent, 'c', 'gunicorn.requests') === sent && sum(agent, 'c', 'gunicorn.log.warning') >= 1 && sum(agent, 'c', 'gunicorn.log.exception') === 1,
  );
  const lines = agent.lines();
  assert.equal(count(agent, 'ms', 'gunicorn.request.duration'), sent, 'one timer line per request');
  assert.equal(sum(agent, 'c', 'gunicorn.request.status.200'), N + 1);
  assert.equal(sum(agent, 'c', 'gunicorn.request.status.404'), 3);
  assert.equal(sum(agent, 'c', 'gunicorn.request.status.500'), 1);
  assert.ok(lines.includes('gunicorn.workers:2|g'), 'the workers gauge');
  assert.ok(
    lines.some((l) => /^gunicorn\.backlog:\d+\|h$/.test(l)),
    'the backlog histogram',
  );
  // Gunicorn's exact forms: counters `:N|c|@1.0`, timers `:MS|ms` in float milliseconds.
  for (const line of lines) {
    assert.match(
      line,
      /^gunicorn\.(requests:\d+\|c\|@1\.0|request\.status\.\d{3}:\d+\|c\|@1\.0|request\.duration:\d+\.\d+\|ms|workers:\d+\|g|backlog:\d+\|h|log\.(critical|error|warning|exception):\d+\|c\|@1\.0)$/,
    );
  }
  for (const d of agent.datagrams) assert.ok(d.length <= 1432, `a datagram of ${d.length} bytes`);
  assert.equal((await t.stop()).code, 0);
});

test('statsd_prefix gets one trailing dot, and dogstatsd_tags end every line', async () => {
  const agent = await track(udpAgent());
  const { t, url } = await startServer(['--statsd-host', agent.address, '--statsd-prefix', 'shop.web..', '--dogstatsd-tags', 'env:test,team:web', 'app.mjs'], { workers: 1 });
  for (let i = 0; i < 4; i++) assert.equal(await status(`${url}/`), 200);
  await until(agent, 'the 5 requests', () => sum(agent, 'c', 'shop.web.gunicorn.requests') === 5);
  await until(agent, 'the workers gauge', () => agent.lines().includes('shop.web.gunicorn.workers:1|g|#env:test,team:web'));
  for (const line of agent.lines()) assert.match(line, /^shop\.web\.gunicorn\.[a-z.0-9]+:[\d.]+\|(c\|@1\.0|ms|g)\|#env:test,team:web$/);
  assert.equal((await t.stop()).code, 0);
});

/** unix:// needs the optional native package, built for the Node that runs the CLI (TUNICORN_TEST_NODE may differ). */
const loaded = spawnSync(NODE, ['-e', "require('unix-dgram')"], { cwd: ROOT, encoding: 'utf8' });
const unixDgram = loaded.status === 0 ? null : `the optional package unix-dgram does not load in ${NODE}: ${loaded.stderr.split('\n').find((l) => /Error/.test(l)) ?? loaded.stderr.trim()}`;

test('unix://PATH: the same lines through a unix datagram socket', { skip: unixDgram ?? false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-statsd-'));
  const agent = await track(unixAgent(join(dir, 'statsd.sock')));
  try {
    const { t, url } = await startServer(['--statsd-host', agent.address, 'app.mjs'], { workers: 1 });
    for (let i = 0; i < 4; i++) assert.equal(await status(`${url}/`), 200);
    await until(agent, 'the 5 requests', () => sum(agent, 'c', 'gunicorn.requests') === 5 && agent.lines().includes('gunicorn.workers:1|g'));
    assert.equal(count(agent, 'ms', 'gunicorn.request.duration'), 5);
    assert.equal(sum(agent, 'c', 'gunicorn.request.status.200'), 5);
    assert.equal((await t.stop()).code, 0);
  } finally {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the agent away: requests are served, and the drops are counted in one warning', async () => {
  const gone = await udpAgent();
  await gone.close(); // nothing listens there now: the kernel answers "port unreachable"
  const { t, url } = await startServer(['--statsd-host', gone.address, 'app.mjs'], { workers: 1 });
  for (let i = 0; i < 20; i++) assert.equal(await status(`${url}/`), 200);
  await t.waitFor(/\[WARNING\] statsd: cannot send to 127\.0\.0\.1:\d+ \(ECONNREFUSED\): dropped \d+ metric lines?(?: in the last \d+s)?; requests are not affected/);
  assert.equal(t.count(/statsd: cannot send/), 1, 'one warning, not one per drop');
  assert.equal((await t.stop()).code, 0);
});

test('a bad statsd_host stops the start with one line', async () => {
  const r = await runCli(['--statsd-host', 'localhost:notaport', 'app.mjs']);
  assert.equal(r.code, 1);
  assert.match(
    r.output.trim(),
    /^Error: Invalid value for statsd_host \(--statsd-host\): "localhost:notaport"; expected HOST:PORT \(as 127\.0\.0\.1:8125\) or unix:\/\/PATH; "notaport" is not a port number \(1-65535\)\.$/,
  );
});

test('a Python (Flask) app: the fronts count the requests, the Python worker its exception line', { skip: pythonHas('flask') ?? false }, async () => {
  const agent = await track(udpAgent());
  // create_app() turns on Flask's debug mode, so /fail's exception reaches the worker, which logs it.
  const { t, url } = await startServer(['--python', PYTHON, '--statsd-host', agent.address, 'flask_app:create_app()'], { workers: 1, cwd: PY_FIXTURES });
  for (let i = 0; i < 5; i++) assert.equal(await status(`${url}/api/items/${i}`), 200);
  assert.equal(await status(`${url}/fail`), 500);
  await until(agent, 'the 7 requests and the exception', () => sum(agent, 'c', 'gunicorn.requests') === 7 && sum(agent, 'c', 'gunicorn.log.exception') === 1);
  assert.equal(count(agent, 'ms', 'gunicorn.request.duration'), 7);
  assert.equal(sum(agent, 'c', 'gunicorn.request.status.200'), 6);
  assert.equal(sum(agent, 'c', 'gunicorn.request.status.500'), 1);
  assert.ok(agent.lines().includes('gunicorn.workers:1|g'), 'Python workers, not fronts, in the gauge');
  assert.equal((await t.stop()).code, 0);
});
