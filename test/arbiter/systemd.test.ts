/**
 * systemd Type=notify with systemd's own systemd-notify and a stand-in for the manager's
 * notification socket (test/fixtures/systemd/notify_socket.py): READY=1 once the workers serve,
 * RELOADING=1 then READY=1 around HUP, STATUS= on TTIN, STOPPING=1 on TERM, MAINPID= of a USR2
 * master, and no STOPPING=1 from the old master it replaces.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, startServer } from '../helpers/cli.js';
import { notifySocket } from '../helpers/notify.js';

test('Type=notify: READY=1 when the workers serve, RELOADING=1 and READY=1 around HUP, STATUS= on TTIN, STOPPING=1 on TERM', async () => {
  const { path, socket } = await notifySocket();
  const { t } = await startServer(['app.mjs'], { workers: 2, env: { NOTIFY_SOCKET: path } });
  await socket.waitFor(new RegExp(`READY=1 STATUS=Serving with 2 workers MAINPID=${t.pid}`));
  t.signal('SIGHUP');
  await socket.waitFor(/RELOADING=1 MONOTONIC_USEC=\d+ STATUS=Reloading\n(?:STATUS=[^\n]*\n)*READY=1 STATUS=Serving with 2 workers/);
  t.signal('SIGTTIN');
  await socket.waitFor(/STATUS=Serving with 3 workers/);
  t.signal('SIGTERM');
  assert.equal((await t.exitWithin()).code, 0);
  await socket.waitFor(/STOPPING=1 STATUS=Stopping/);
  assert.equal(socket.count(/READY=1/), 2, socket.output);
  await socket.stop();
});

test('Type=notify and USR2: the new master sends MAINPID= of its own; the old one, ending the upgrade, sends no STOPPING=1', async () => {
  const { path, socket } = await notifySocket();
  const { t } = await startServer(['app.mjs'], { workers: 1, env: { NOTIFY_SOCKET: path } });
  await socket.waitFor(new RegExp(`READY=1 .*MAINPID=${t.pid}`));
  t.signal('SIGUSR2');
  const next = Number((await t.waitFor(/Started a new master \(pid:(\d+)\)/))[1]);
  await socket.waitFor(new RegExp(`READY=1 STATUS=Serving with 1 workers MAINPID=${next}`), 20_000);
  t.signal('SIGWINCH');
  await t.waitFor(/Worker exiting/);
  t.signal('SIGTERM');
  assert.equal((await t.exitWithin()).code, 0);
  await sleep(300);
  assert.doesNotMatch(socket.output, /STOPPING=1/, 'the service goes on under the new master');
  process.kill(next, 'SIGTERM');
  await socket.waitFor(/STOPPING=1/);
  await socket.stop();
});

test('NOTIFY_SOCKET set without systemd-notify on PATH: one warning line, and the server serves', async () => {
  const { t, url } = await startServer(['app.mjs'], { workers: 1, env: { NOTIFY_SOCKET: '/nonexistent/notify.sock', PATH: '/nonexistent' } });
  await t.waitFor(/NOTIFY_SOCKET is set but systemd-notify cannot run \(ENOENT\)/);
  assert.equal((await fetch(url)).status, 200);
  t.signal('SIGHUP');
  await t.waitFor(/Handling signal: hup/);
  await sleep(500);
  assert.equal(t.count(/NOTIFY_SOCKET is set/), 1, t.output);
  assert.equal((await t.stop()).code, 0);
});
