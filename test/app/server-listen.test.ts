/**
 * An existing Express entry file that calls app.listen(3999) itself runs unchanged: it is served on
 * tunicorn's socket, its listen callback runs with address() giving tunicorn's port, and 3999 is
 * never bound.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });

test('server-listen.mjs is served on tunicorn\'s port and does not bind its own', { timeout: 30_000 }, async () => {
  const { t, url, port } = await startServer(['server-listen.mjs'], { workers: 2 });
  for (let i = 0; i < 4; i++) {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'Hello from app.listen');
  }
  // The app's own listen callback ran in each worker, and server.address() reported tunicorn's port.
  await t.waitFor(new RegExp(`(app says: listening on ${port}[\\s\\S]*){2}`));
  assert.doesNotMatch(t.output, /listening on 3999/);
  assert.ok(await refused(3999), 'port 3999 is bound: the app listened on its own port');
  const { code } = await t.stop();
  assert.equal(code, 0, t.output);
});
