/**
 * How a WSGI response is framed on the wire: Content-Length when the app's answer arrived whole,
 * chunked while it streams on HTTP/1.1, closed after the body on HTTP/1.0, no body for HEAD, 204
 * and 304, and a connection closed (no fake 200 end) when the app fails mid-body.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type Tunicorn } from '../helpers/cli.js';
import { rawRequest } from '../http/raw-http.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';

let t: Tunicorn;
let port: number;
before(async () => {
  ({ t, port } = await startServer(['--python', PYTHON, '-k', 'gthread', '--threads', '4', 'app:application'], { cwd: PY_FIXTURES, workers: 1 }));
});
after(() => t.stop());

const get = (path: string, version = '1.1', method = 'GET') => rawRequest(port, `${method} ${path} HTTP/${version}\r\nHost: x\r\n\r\n`);

test('a response that arrived whole has a Content-Length and keeps the connection; a streamed one is chunked', async () => {
  const hello = await get('/');
  assert.equal(hello.headers['content-length'], '13');
  assert.equal(hello.closed, false);
  const streamed = await get('/stream?3');
  assert.equal(streamed.body, 'line 0\nline 1\nline 2\n');
  assert.ok(streamed.headers['transfer-encoding'] === 'chunked' || streamed.headers['content-length'] === '21', streamed.raw);
});

test('HTTP/1.0 without a Content-Length: the body, then the connection closes', async () => {
  const r = await get('/stream?2', '1.0');
  assert.equal(r.status, 200);
  assert.equal(r.headers['transfer-encoding'], undefined);
  assert.equal(r.body, 'line 0\nline 1\n');
  assert.equal(r.closed, true);
});

test('HEAD, 204 and 304 carry no body', async () => {
  const head = await get('/big?5000', '1.1', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '5000');
  assert.equal(head.raw.slice(head.raw.indexOf('\r\n\r\n') + 4), '');
  const noContent = await get('/nocontent');
  assert.equal(noContent.status, 204);
  assert.equal(noContent.raw.slice(noContent.raw.indexOf('\r\n\r\n') + 4), '');
  const notModified = await get('/notmodified');
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.etag, '"v1"');
  assert.equal(notModified.raw.slice(notModified.raw.indexOf('\r\n\r\n') + 4), '');
});

test('an app that fails after the response started: the client gets the start, then a closed connection, and the log the traceback', async () => {
  const r = await get('/late-error');
  assert.equal(r.status, 200);
  assert.equal(r.closed, true);
  assert.doesNotMatch(r.raw, /\r\n0\r\n\r\n$/, 'no final chunk: the body is visibly incomplete');
  await t.waitFor(/RuntimeError: failed after the response started/);
});
