/**
 * wsgi.file_wrapper with a real file: the worker hands the file to the front, which sends it with
 * a Content-Length, and the worker is free for the next request while a slow client still reads.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';

const pattern = (kib: number) => Buffer.alloc(kib * 1024).map((_, i) => i & 0xff);

function get(url: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .request(url, { method }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      })
      .on('error', reject)
      .end();
  });
}

for (const k of ['sync', 'gevent']) {
  test(`${k}: a 2 MiB file_wrapper response is whole, with Content-Length; HEAD has the length and no body`, async () => {
    const { t, url } = await startServer(['--python', PYTHON, '-k', k, 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
    try {
      const r = await get(`${url}/file?2048`);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-length'], String(2048 * 1024));
      assert.equal(r.headers['transfer-encoding'], undefined);
      assert.ok(r.body.equals(pattern(2048)), 'the body is the file');
      const h = await get(`${url}/file?2048`, 'HEAD');
      assert.equal(h.headers['content-length'], String(2048 * 1024));
      assert.equal(h.body.length, 0);
      const small = await get(`${url}/file?4`);
      assert.ok(small.body.equals(pattern(4)), 'a small file is sent by the worker');
    } finally {
      assert.equal((await t.stop()).code, 0);
    }
  });
}

test('sync, one worker: a client that stops reading a 64 MiB file does not hold the worker', async () => {
  const { t, url } = await startServer(['--python', PYTHON, '-k', 'sync', 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
  try {
    await get(`${url}/file?65536`, 'HEAD'); // the file exists before the stalled download starts
    const stalled = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${url}/file?65536`, resolve).on('error', reject);
    });
    stalled.pause();
    const r = await get(`${url}/pid`);
    assert.equal(r.status, 200, 'the only sync worker served another request');
    stalled.destroy();
    const again = await get(`${url}/file?2048`);
    assert.ok(again.body.equals(pattern(2048)));
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});
