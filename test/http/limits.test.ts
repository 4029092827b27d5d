/**
 * Requests refused before the app sees them, sent as exact bytes over raw sockets: Gunicorn's
 * limit_request_line / limit_request_fields / limit_request_field_size, a missing Host, and what
 * Node's parser rejects. Each is answered 400 with a short plain-text body and Connection: close,
 * and leaves a WARNING line in the error log.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { startServer, type Tunicorn } from '../helpers/cli.js';
import { rawRequest, type RawResponse } from './raw-http.js';
import { forbiddenTrailer } from '../../src/http/request-guard.js';

const get = (target: string, headers: string[] = ['Host: x']) => `GET ${target} HTTP/1.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

function refused(r: RawResponse, reason: RegExp): void {
  assert.equal(r.status, 400, r.raw);
  assert.equal(r.headers['connection'], 'close');
  assert.match(r.headers['content-type'] ?? '', /^text\/plain/);
  assert.ok(r.body.length < 120, `short body: ${r.body}`);
  assert.match(r.body, reason);
  assert.doesNotMatch(r.body, /\bat \S+:\d+/); // no stack
  assert.ok(r.closed, 'the server closes the connection');
}

describe('request limits and malformed requests', { timeout: 60_000 }, () => {
  let dflt: { t: Tunicorn; port: number };
  let tight: { t: Tunicorn; port: number };
  before(async () => {
    [dflt, tight] = await Promise.all([
      startServer(['app.mjs'], { workers: 1 }),
      startServer(['app.mjs', '--limit-request-line', '100', '--limit-request-fields', '5', '--limit-request-field-size', '60'], { workers: 1 }),
    ]);
  });

  test('limit_request_line (default 4094): at the limit is served, one byte over is 400', async () => {
    // "GET " + target + " HTTP/1.1" is the request line: 13 bytes besides the target.
    const ok = await rawRequest(dflt.port, get(`/${'a'.repeat(4094 - 13 - 1)}`), 2000);
    assert.equal(ok.status, 404, ok.raw); // served: the app answers "not found"
    const over = await rawRequest(dflt.port, get(`/${'a'.repeat(4094 - 13)}`), 2000);
    refused(over, /^Bad Request: request line is too large \(4095 > 4094\)\n$/);
    await dflt.t.waitFor(/\[\d+\] \[WARNING\] Invalid request from ip=127\.0\.0\.1: request line is too large \(4095 > 4094\)/, 3000);
  });

  test('limit_request_fields (default 100): 100 header fields are served, 101 are 400', async () => {
    const fields = (n: number) => ['Host: x', ...Array.from({ length: n - 1 }, (_, i) => `X-F${i}: v`)];
    const ok = await rawRequest(dflt.port, get('/', fields(100)), 2000);
    assert.equal(ok.status, 200, ok.raw);
    refused(await rawRequest(dflt.port, get('/', fields(101)), 2000), /^Bad Request: too many header fields \(more than 100\)\n$/);
    await dflt.t.waitFor(/\[WARNING\] Invalid request from ip=127\.0\.0\.1: too many header fields/, 3000);
  });

  test('limit_request_field_size (default 8190): a field of 8190 bytes is served, 8191 is 400', async () => {
    // "X-Big: " + value: name, colon and space count toward the field's size.
    const ok = await rawRequest(dflt.port, get('/', ['Host: x', `X-Big: ${'b'.repeat(8190 - 7)}`]), 2000);
    assert.equal(ok.status, 200, ok.raw);
    refused(await rawRequest(dflt.port, get('/', ['Host: x', `X-Big: ${'b'.repeat(8190 - 6)}`]), 2000), /^Bad Request: header field X-Big is too large \(8191 > 8190\)\n$/);
    await dflt.t.waitFor(/\[WARNING\] Invalid request from ip=127\.0\.0\.1: header field X-Big is too large \(8191 > 8190\)/, 3000);
  });

  test('the three limits follow their flags', async () => {
    assert.equal((await rawRequest(tight.port, get(`/${'a'.repeat(100 - 14)}`), 2000)).status, 404);
    refused(await rawRequest(tight.port, get(`/${'a'.repeat(100 - 13)}`), 2000), /request line is too large \(101 > 100\)/);
    assert.equal((await rawRequest(tight.port, get('/', ['Host: x', 'A: 1', 'B: 2', 'C: 3', 'D: 4']), 2000)).status, 200);
    refused(await rawRequest(tight.port, get('/', ['Host: x', 'A: 1', 'B: 2', 'C: 3', 'D: 4', 'E: 5']), 2000), /too many header fields \(more than 5\)/);
    assert.equal((await rawRequest(tight.port, get('/', ['Host: x', `X: ${'v'.repeat(57)}`]), 2000)).status, 200);
    refused(await rawRequest(tight.port, get('/', ['Host: x', `X: ${'v'.repeat(58)}`]), 2000), /header field X is too large \(61 > 60\)/);
    for (const reason of [/request line is too large \(101 > 100\)/, /too many header fields \(more than 5\)/, /header field X is too large \(61 > 60\)/]) {
      await tight.t.waitFor(new RegExp(`\\[WARNING\\] Invalid request from ip=127\\.0\\.0\\.1: ${reason.source}`), 3000);
    }
  });

  test('an HTTP/1.1 request without Host is 400; HTTP/1.0 without Host is served', async () => {
    refused(await rawRequest(dflt.port, 'GET / HTTP/1.1\r\n\r\n', 2000), /^Bad Request: missing Host header/);
    const old = await rawRequest(dflt.port, 'GET / HTTP/1.0\r\n\r\n', 2000);
    assert.equal(old.status, 200, old.raw);
    assert.equal(old.body, 'Hello, World!');
  });

  test("what Node's parser rejects is 400 Bad Request, logged with the parser's reason", async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['not HTTP at all', 'HELLO\r\n\r\n', /HPE_INVALID_METHOD/],
      ['a space in a header name', get('/', ['Host: x', 'Bad Header: v']), /HPE_INVALID_HEADER_TOKEN/],
      ['an unknown HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', /HPE_INVALID_VERSION/],
      [
        'Content-Length with Transfer-Encoding (request smuggling)',
        'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        /HPE_INVALID_TRANSFER_ENCODING|HPE_UNEXPECTED_CONTENT_LENGTH/,
      ],
      ['a bad chunk size', 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /HPE_INVALID_CHUNK_SIZE/],
    ];
    for (const [what, bytes, code] of cases) {
      const r = await rawRequest(dflt.port, bytes, 2000);
      refused(r, /^Bad Request\n$/);
      await dflt.t.waitFor(new RegExp(`\\[WARNING\\] Invalid request from ip=127\\.0\\.0\\.1: Parse Error: .*\\(${code.source}\\)`), 3000).catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
    }
    // The app reading the cut-off chunked body is not blamed: no app error, and the worker serves on.
    assert.doesNotMatch(dflt.t.output, /Error handling request/);
    assert.equal(dflt.t.workerPids().length, 1);
    assert.equal((await rawRequest(dflt.port, get('/'), 2000)).status, 200);
  });

  test('both servers stop cleanly', async () => {
    for (const { t } of [dflt, tight]) assert.equal((await t.stop()).code, 0, t.output);
  });
});

test('forbiddenTrailer: the first trailer RFC 9110 6.5.1 rules out (framing, routing, authentication), any case', () => {
  assert.equal(forbiddenTrailer(['X-Checksum', 'abc', 'Server-Timing', 'x;dur=1']), undefined);
  assert.equal(forbiddenTrailer(['X-Checksum', 'abc', 'Content-Length', '5', 'Host', 'evil']), 'Content-Length');
  for (const name of ['Transfer-Encoding', 'HOST', 'authorization', 'Cookie', 'Content-Type', 'Trailer', 'Connection', 'Upgrade']) {
    assert.equal(forbiddenTrailer([name, 'x']), name);
  }
});
