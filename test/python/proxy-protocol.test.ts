/**
 * proxy_protocol for a Python app: behind real HAProxy (send-proxy-v2), the WSGI environ's
 * REMOTE_ADDR and the access log's h are the client's address (127.0.0.7), not the proxy's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Tunicorn } from '../helpers/cli.js';
import { getFrom, startProxied } from '../helpers/proxied.js';
import { startHaproxy, type Proxy } from '../helpers/proxies.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';

// In a describe, so that its after() stops the servers before the file's own end kills what is left.
describe('proxy_protocol, Python app', { timeout: 60_000 }, () => {
  let server: { t: Tunicorn; port: number };
  let haproxy: Proxy;
  before(async () => {
    // The readiness probe's path is not a route of the app: any answer will do.
    server = await startProxied(['--python', PYTHON, '--proxy-protocol', 'app:application'], { cwd: PY_FIXTURES, ready: (r) => r.status > 0 });
    haproxy = await startHaproxy(server.port, 2);
  });
  after(async () => {
    await haproxy?.proc.stop();
    if (server) {
      const exit = await server.t.stop();
      assert.equal(exit.code, 0, `${JSON.stringify(exit)} ${server.t.output}`);
    }
  });

  test("REMOTE_ADDR is the client behind HAProxy, and so is the access log's h", { timeout: 30_000 }, async () => {
    const r = await getFrom('127.0.0.7', haproxy.port, '/environ');
    assert.equal(r.status, 200);
    assert.equal(r.json.REMOTE_ADDR, '127.0.0.7');
    await server.t.waitFor(/"GET \/environ HTTP\/1\.1"/);
    const line = server.t.output.split('\n').find((l) => l.includes('"GET /environ HTTP/1.1"'))!;
    assert.equal(line.split(' ')[0], '127.0.0.7');
  });
});
