/** `show config` (src/control/config-view.ts): every setting, secrets masked. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../src/config/resolve.js';
import { configView, MASK, maskEnv } from '../../src/control/config-view.js';

test('raw_env keeps the names and masks every value; a value with "=" in it too', () => {
  assert.deepEqual(maskEnv(['DB_PASSWORD=hunter2', 'URL=postgres://u:p@h/db?a=b', 'EMPTY=']), [`DB_PASSWORD=${MASK}`, `URL=${MASK}`, `EMPTY=${MASK}`]);
});

test('the resolved configuration: Gunicorn names, hooks as <function>, no secret anywhere', async () => {
  const r = await resolveConfig({ argv: ['-e', 'API_TOKEN=s3cr3t', '-w', '3', '--control-socket', '/tmp/x.ctl', 'app.mjs'], env: {}, cwd: process.cwd() });
  const config = { ...r.config, on_starting: function onStarting() {} };
  const view = configView(config);
  assert.equal(view.workers, 3);
  assert.deepEqual(view.bind, [':8080']);
  assert.equal(view.control_socket, '/tmp/x.ctl');
  assert.equal(view.control_socket_mode, 0o600);
  assert.equal(view.on_starting, '<function onStarting>');
  assert.ok(!('config' in view), 'command-line-only switches are not configuration');
  assert.doesNotMatch(JSON.stringify(view), /s3cr3t/);
});
