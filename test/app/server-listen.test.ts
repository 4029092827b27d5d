/**
 * Existing entry files that call listen() themselves run unchanged: Express, Koa, Fastify and
 * node:http files, ES modules and CommonJS (`.js` under "type": "commonjs", nothing assigned to
 * module.exports). Each is served on tunicorn's socket, its listen callback runs with address()
 * giving tunicorn's port, and the port it asked for is never bound.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { startServer } from '../helpers/cli.js';

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });

const get = async (url: string) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
};

test("server-listen.mjs is served on tunicorn's port and does not bind its own", { timeout: 30_000 }, async () => {
  const { t, url, port } = await startServer(['server-listen.mjs'], { workers: 2 });
  for (let i = 0; i < 4; i++) assert.deepEqual(await get(url), { status: 200, body: 'Hello from app.listen' });
  // The app's own listen callback ran in each worker, and server.address() reported tunicorn's port.
  await t.waitFor(new RegExp(`(app says: listening on ${port}[\\s\\S]*){2}`));
  assert.doesNotMatch(t.output, /listening on 3999/);
  assert.ok(await refused(3999), 'port 3999 is bound: the app listened on its own port');
  const { code } = await t.stop();
  assert.equal(code, 0, t.output);
});

describe('CommonJS entry files, as each framework documents them', { concurrency: 4, timeout: 60_000 }, () => {
  // What each file's listen callback prints, when it has one: twice, once per worker.
  const cases: Array<[file: string, body: string, calledBack: ((port: number) => RegExp) | null]> = [
    ['express.js', 'Hello World!', () => /Example app listening on port 3000/],
    ['koa.js', 'Hello World', null],
    // Fastify logs the address from server.address(): tunicorn's.
    ['fastify.js', '{"hello":"world"}', (port) => new RegExp(`"msg":"Server listening at http://127\\.0\\.0\\.1:${port}"`)],
    ['node-http.js', 'Hello World', () => /Server running at http:\/\/127\.0\.0\.1:3000\//],
    ['exported.js', 'exported', null],
  ];
  for (const [file, body, calledBack] of cases) {
    test(`commonjs/${file}`, async () => {
      const { t, url, port } = await startServer([`commonjs/${file}`], { workers: 2 });
      for (let i = 0; i < 4; i++) assert.deepEqual(await get(url), { status: 200, body }, file);
      if (calledBack) await t.waitFor(new RegExp(`(${calledBack(port).source}[\\s\\S]*){2}`));
      assert.ok(await refused(3000), `port 3000 is bound: ${file} listened on its own port`);
      const { code } = await t.stop();
      assert.equal(code, 0, t.output);
      assert.doesNotMatch(t.output, /\[(WARNING|ERROR)\]/);
    });
  }

  test('an ES module with an empty default export that calls listen()', async () => {
    const { t, url } = await startServer(['empty-default-listen.mjs'], { workers: 2 });
    assert.deepEqual(await get(url), { status: 200, body: 'esm listen' });
    assert.equal((await t.stop()).code, 0, t.output);
  });
});

describe('files that call listen() more than once: one line says what is served', { concurrency: 2, timeout: 60_000 }, () => {
  test('one app listened on twice is served once; neither port is bound', async () => {
    const { t, url } = await startServer(['commonjs/listen-twice.js'], { workers: 2 });
    assert.deepEqual(await get(url), { status: 200, body: 'twice' });
    await t.waitFor(/(second listen called back[\s\S]*){2}/);
    assert.ok((await refused(3000)) && (await refused(3001)), 'the app bound a port of its own');
    assert.equal((await t.stop()).code, 0, t.output);
    const line = /\[WARNING\] The app called listen\(3001\) after listen\(3000\): tunicorn serves it once, on its own sockets, and binds nothing for listen\(3001\)\.$/;
    assert.equal(t.count(line), 1, t.output);
  });

  test('a second server listens itself; the first is served', async () => {
    const { t, url } = await startServer(['commonjs/two-servers.js'], { workers: 2 });
    assert.deepEqual(await get(url), { status: 200, body: 'main' });
    const ports = [...(await t.waitFor(/status server on (\d+)[\s\S]*status server on (\d+)/)).slice(1)].map(Number);
    for (const p of ports) assert.deepEqual(await get(`http://127.0.0.1:${p}/`), { status: 200, body: 'status' });
    assert.equal((await t.stop()).code, 0, t.output);
    assert.equal(t.count(/\[WARNING\] A second server called listen\(0, "127\.0\.0\.1"\): it binds that itself .*tunicorn serves the server of listen\(3000\)/), 1, t.output);
  });
});
