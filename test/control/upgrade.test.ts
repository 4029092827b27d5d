/**
 * The control socket through a USR2 upgrade: the new master takes the path over, and the old one,
 * exiting, leaves the new one's socket in place (it removes the path only while it is its own).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, startServer } from '../helpers/cli.js';
import { ctlJson, until } from '../helpers/ctl.js';

mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });

test('USR2: the new master serves the control socket; the old one leaves it when it exits', async () => {
  const sock = join(mkdtempSync(join(ROOT, 'test/.tmp/ctl-usr2-')), 'tunicorn.ctl');
  const { t } = await startServer(['--control-socket', sock, 'app.mjs'], { workers: 1 });
  await t.waitFor(/Control socket listening at /);
  assert.equal((await ctlJson(sock, 'show', 'stats')).pid, t.pid);

  t.signal('SIGUSR2');
  const next = Number((await t.waitFor(/Started a new master \(pid:(\d+)\)/))[1]);
  await t.waitFor(new RegExp(`\\[${next}\\] \\[INFO\\] Control socket listening at `));
  assert.equal((await ctlJson(sock, 'show', 'stats')).pid, next, 'the path now reaches the new master');

  t.signal('SIGWINCH');
  t.signal('SIGTERM');
  assert.equal((await t.exitWithin()).code, 0);
  assert.ok(existsSync(sock), `the old master left the new one's socket:\n${t.output}`);
  assert.equal((await ctlJson(sock, 'show', 'stats')).pid, next);

  assert.deepEqual(await ctlJson(sock, 'shutdown'), { status: 'shutting_down', mode: 'graceful' });
  await until('the new master gone', async () => {
    try {
      process.kill(next, 0);
      return false;
    } catch {
      return true;
    }
  });
  assert.ok(!existsSync(sock), 'the new master removed its socket');
});
