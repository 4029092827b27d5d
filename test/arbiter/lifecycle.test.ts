/** The master's start-up and failure paths: binding, boot failures, preload, pidfile, dead and blocked workers. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, NODE, Running, runCli, sleep, startServer, Tunicorn, waitServing } from '../helpers/cli.js';

test('a port in use: five "Connection in use" tries a second apart, then "Can\'t connect to", exit 1', async () => {
  // The blocker holds its port from the start, so no other test's server can take it meanwhile.
  const blocker = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  const { port } = blocker.address() as net.AddressInfo;
  try {
    const started = Date.now();
    const r = await runCli(['--bind', `127.0.0.1:${port}`, 'app.mjs']);
    assert.equal(r.code, 1);
    assert.equal(r.output.match(/\[ERROR\] Connection in use: 127\.0\.0\.1:\d+/g)?.length, 5);
    assert.match(r.output, /\[ERROR\] Can't connect to 127\.0\.0\.1:\d+/);
    assert.ok(Date.now() - started >= 3500, 'the tries are spaced a second apart');
    assert.doesNotMatch(r.output, /Booting worker/);
  } finally {
    blocker.close();
  }
});

test('an app that fails at import stops the server with its error and "Worker failed to boot." (no crash loop)', async () => {
  const r = await runCli(['--bind', '127.0.0.1:0', '-w', '2', 'throws-at-import.mjs']);
  assert.equal(r.code, 3);
  assert.match(r.output, /database unreachable at import/);
  assert.match(r.output, /\[ERROR\] Shutting down: Worker failed to boot\./);
  assert.ok((r.output.match(/Booting worker/g) ?? []).length <= 2, 'no crash loop');
});

test('preload_app: a broken app fails in the master before anything binds, exit 4', async () => {
  const r = await runCli(['--bind', '127.0.0.1:0', '--preload', 'broken.mjs']);
  assert.equal(r.code, 4);
  assert.match(r.output, /does-not-exist\.mjs/);
  assert.match(r.output, /App failed to load\./);
  assert.doesNotMatch(r.output, /Listening at/);
});

test('pidfile holds the master pid while running and is removed at exit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-pid-'));
  const pidfile = join(dir, 'master.pid');
  const { t } = await startServer(['--pid', pidfile, 'app.mjs'], { workers: 1 });
  assert.equal(readFileSync(pidfile, 'utf8').trim(), String(t.pid));
  assert.equal((await t.stop()).code, 0);
  assert.equal(existsSync(pidfile), false);
});

test('a worker killed with SIGKILL is logged and replaced; the server keeps serving', async () => {
  const { t, url } = await startServer(['app.mjs'], { workers: 2 });
  const [victim] = t.workerPids();
  process.kill(victim!, 'SIGKILL');
  await t.waitFor(new RegExp(`\\[ERROR\\] Worker \\(pid:${victim}\\) was sent SIGKILL! Perhaps out of memory\\?`));
  await t.waitFor(/Booting worker with pid: \d+[\s\S]*Booting worker with pid: \d+[\s\S]*Booting worker with pid: \d+/);
  for (let i = 0; i < 10; i++) assert.equal((await fetch(url)).status, 200);
  assert.equal((await t.stop()).code, 0);
});

test('a blocked event loop: WORKER TIMEOUT, the culprit line in the log, replaced, others keep serving', async () => {
  const { t, url } = await startServer(['--timeout', '2', 'blocking.mjs'], { workers: 2 });
  const stuck = fetch(`${url}/stuck`, { signal: AbortSignal.timeout(8000) }).catch(() => 'cut');
  await sleep(200);
  // The other worker answers everything while one is stuck.
  let ok = 0;
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${url}/pid`, { signal: AbortSignal.timeout(2000) });
    if (res.status === 200) ok++;
    await res.text();
  }
  assert.equal(ok, 20);
  // The stuck worker is the one whose stack shows the culprit line. Not necessarily the first
  // WORKER TIMEOUT: on a loaded machine the other worker, still booting, can miss 2 s of heartbeats too.
  const [, pid] = await t.waitFor(/Worker \(pid:(\d+)\) was blocked for over 2s here:\n\s+at spinForever \(file:\/\/[^)]*blocking\.mjs:3:\d+\)/, 15_000);
  assert.match(t.output, new RegExp(`\\[CRITICAL\\] WORKER TIMEOUT \\(pid:${pid}\\)`));
  await t.waitFor(new RegExp(`Worker \\(pid:${pid}\\) killed after timeout; starting a replacement`));
  assert.equal(await stuck, 'cut');
  await t.waitFor(/(Booting worker with pid: \d+[\s\S]*){3}/);
  assert.equal((await fetch(url)).status, 200);
  assert.equal((await t.stop()).code, 0);
});

async function inheritedListener(): Promise<{ server: net.Server; port: number; fd: number }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: (server.address() as net.AddressInfo).port, fd };
}

test('fd://3 serves on a listening socket inherited from the parent', async () => {
  const { server, port, fd } = await inheritedListener();
  const child = new Running(NODE, [CLI, '--bind', 'fd://3', '-w', '1', 'app.mjs'], { stdio: ['ignore', 'pipe', 'pipe', fd] });
  server.close();
  try {
    await waitServing(`http://127.0.0.1:${port}/`, child);
    assert.match(child.output, /Listening at: fd:\/\/3 \(http:\/\/127\.0\.0\.1:\d+\)/);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'Hello, World!');
  } finally {
    await child.stop();
  }
});

test('systemd socket activation: LISTEN_FDS/LISTEN_PID sockets replace the bind setting', async () => {
  const { server, port, fd } = await inheritedListener();
  const child = new Running('sh', ['-c', `LISTEN_PID=$$ exec "$0" "$@"`, NODE, CLI, '-w', '1', 'app.mjs'], {
    env: { LISTEN_FDS: '1' },
    stdio: ['ignore', 'pipe', 'pipe', fd],
  });
  server.close();
  try {
    await waitServing(`http://127.0.0.1:${port}/`, child);
    assert.match(child.output, /Listening at: fd:\/\/3/);
    assert.doesNotMatch(child.output, /:8080/);
  } finally {
    await child.stop();
  }
});

test('unix:/path binds a unix socket, serves on it, and removes it at exit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-unix-'));
  const path = join(dir, 'app.sock');
  const t = new Tunicorn(['--bind', `unix:${path}`, '-w', '1', 'app.mjs']);
  await t.waitFor(new RegExp(`Listening at: unix:${path}`));
  const body = await new Promise<string>((resolve, reject) => {
    const attempt = (n: number) =>
      http
        .get({ socketPath: path, path: '/' }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(b));
        })
        .on('error', (err) => (n > 0 ? setTimeout(() => attempt(n - 1), 100) : reject(err)));
    attempt(50);
  });
  assert.equal(body, 'Hello, World!');
  assert.equal((await t.stop()).code, 0);
  assert.equal(existsSync(path), false);
});

test('--reload: a changed file under the app directory replaces the workers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-reload-'));
  const app = join(dir, 'app.mjs');
  writeFileSync(app, "export default () => new Response('version 1');\n");
  const { t, url } = await startServer(['--reload', '--chdir', dir, 'app.mjs'], { workers: 1, cwd: dir });
  assert.equal(await (await fetch(url)).text(), 'version 1');
  writeFileSync(app, "export default () => new Response('version 2');\n");
  await t.waitFor(/Worker reloading: app\.mjs modified/);
  const deadline = Date.now() + 10_000;
  let body = '';
  while (Date.now() < deadline && body !== 'version 2') {
    body = await (await fetch(url)).text();
    await sleep(100);
  }
  assert.equal(body, 'version 2');
  assert.equal((await t.stop()).code, 0);
});

test("node flags given to the master reach the workers (as with cluster.fork), the inspector's excepted", async () => {
  const { t, url } = await startServer(['app.mjs'], { workers: 1, nodeArgs: ['--max-old-space-size=123', '--inspect-port=0'] });
  const argv = (await (await fetch(`${url}/exec-argv`)).json()) as string[];
  assert.ok(argv.includes('--max-old-space-size=123'), argv.join(' '));
  assert.ok(!argv.includes('--inspect-port=0'), "the master's inspector flag is not passed on");
  assert.equal((await t.stop()).code, 0);
});
