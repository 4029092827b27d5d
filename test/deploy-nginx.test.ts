/**
 * deploy/nginx-site.conf as written (its ports moved to free ones) in real nginx, in front of two
 * tunicorn instances. Under load through nginx: one instance is stopped and started again, the
 * other upgraded with USR2 / WINCH / TERM, then both reloaded with HUP. The client sees no failed
 * request. A WebSocket echo passes through the site's upgrade headers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { fileTimeout, ROOT, sleep, startServer, Tunicorn, waitServing } from './helpers/cli.js';
import { load, type LoadResult } from './helpers/load.js';
import { startNginxHttp } from './helpers/proxies.js';
import { exited } from './helpers/proc.js';

fileTimeout(120);

const SITE = readFileSync(join(ROOT, 'deploy/nginx-site.conf'), 'utf8');
const APP = ['--max-requests', '0', '--graceful-timeout', '10', 'ws/ws-server.mjs'];

/** The site with its listen port and the two upstream ports replaced; nothing else changes. */
function site(listen: number, a: number, b: number): string {
  const lines = SITE.split('\n');
  assert.equal(lines.filter((l) => /^\s+listen 80;$/.test(l)).length, 1);
  assert.deepEqual(
    lines.filter((l) => /^\s+server 127\.0\.0\.1:\d+;$/.test(l)).map((l) => l.trim()),
    ['server 127.0.0.1:8080;', 'server 127.0.0.1:8081;'],
  );
  return SITE.replace(/listen 80;/, `listen 127.0.0.1:${listen};`)
    .replace('127.0.0.1:8080;', `127.0.0.1:${a};`)
    .replace('127.0.0.1:8081;', `127.0.0.1:${b};`);
}

function echo(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send('through nginx'));
    ws.on('message', (d) => (resolve(String(d)), ws.close()));
    ws.on('error', reject);
  });
}

test('two instances behind nginx with deploy/nginx-site.conf: a restart, a USR2 upgrade and HUP reloads under load, zero failed requests', async () => {
  const a = await startServer(APP, { workers: 2 });
  const b = await startServer(APP, { workers: 2 });
  const nginx = await startNginxHttp((port) => site(port, a.port, b.port));
  const front = `http://127.0.0.1:${nginx.port}`;
  await waitServing(front + '/');
  assert.equal(await echo(`ws://127.0.0.1:${nginx.port}/`), 'through nginx', 'a WebSocket echo through nginx');

  let done = false;
  const total: LoadResult = { requests: 0, errors: 0, timeouts: 0, non2xx: 0, resets: 0, rps: 0 };
  const running = (async () => {
    while (!done) {
      const r = await load(front + '/', { seconds: 2, connections: 20 });
      for (const k of ['requests', 'errors', 'timeouts', 'non2xx', 'resets'] as const) total[k] += r[k];
    }
  })();
  await sleep(1000);

  // A restart of the first instance: stopped (TERM, graceful), then started again on its port.
  a.t.signal('SIGTERM');
  assert.equal((await a.t.exitWithin(20_000)).code, 0);
  await sleep(500);
  const a2 = new Tunicorn(['--bind', `127.0.0.1:${a.port}`, '--workers', '2', ...APP]);
  await waitServing(`http://127.0.0.1:${a.port}/`, a2);

  // A binary upgrade of the second: USR2, WINCH to the old master, TERM to the old master.
  b.t.signal('SIGUSR2');
  const next = Number((await b.t.waitFor(/Started a new master \(pid:(\d+)\)/))[1]);
  await b.t.waitFor(new RegExp(`\\[${next}\\] \\[INFO\\] Booting worker with pid: \\d+[^]*\\[${next}\\] \\[INFO\\] Booting worker with pid: \\d+`), 20_000);
  await sleep(1000);
  b.t.signal('SIGWINCH');
  await b.t.waitFor(/graceful stop of workers/);
  await sleep(1000);
  b.t.signal('SIGTERM');
  assert.equal((await b.t.exitWithin(20_000)).code, 0);

  // A reload of both.
  a2.signal('SIGHUP');
  process.kill(next, 'SIGHUP');
  await a2.waitFor(/Handling signal: hup[^]*Booting worker with pid: \d+[^]*Booting worker with pid: \d+/, 20_000);
  await sleep(2000);
  done = true;
  await running;

  console.log(`behind nginx: ${total.requests} requests through a restart, a USR2 upgrade and two HUP reloads; ${total.errors} errors, ${total.timeouts} timeouts, ${total.non2xx} non-2xx`);
  assert.ok(total.requests > 1000, `load ran (${total.requests} requests)`);
  assert.deepEqual({ errors: total.errors, timeouts: total.timeouts, non2xx: total.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 }, `nginx said:\n${nginx.proc.output}`);
  assert.equal(await echo(`ws://127.0.0.1:${nginx.port}/`), 'through nginx');

  assert.equal((await a2.stop()).code, 0);
  process.kill(next, 'SIGTERM');
  assert.ok(await exited(next), 'the upgraded instance stops on TERM');
  await nginx.proc.stop();
});
