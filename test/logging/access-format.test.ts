/** Gunicorn's access_log_format atoms, compiled by src/logging/access-format.ts, on fixed records. */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { accessTime, compileAccessFormat, formatAccessTime, jsonAccessLine, unknownAtoms, type AccessRecord } from '../../src/logging/access-format.js';

const GUNICORN_DEFAULT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';
// 2026-11-23 12:00:00.250 UTC
const STARTED = Date.UTC(2026, 10, 23, 12, 0, 0, 250);

const savedTz = process.env.TZ;
process.env.TZ = 'UTC';
after(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

function record(
  over: {
    url?: string;
    method?: string;
    headers?: Record<string, string>;
    status?: number;
    resHeaders?: Record<string, string>;
    rawHeader?: string;
    headersSent?: boolean;
    bytes?: number;
    durationNs?: bigint;
    httpVersion?: string;
  } = {},
): AccessRecord {
  const resHeaders = Object.fromEntries(Object.entries(over.resHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const req = { method: over.method ?? 'GET', url: over.url ?? '/items/7?color=red&size=m', httpVersion: over.httpVersion ?? '1.1', headers: over.headers ?? {} } as unknown as IncomingMessage;
  const res = {
    statusCode: over.status ?? 200,
    headersSent: over.headersSent ?? true,
    getHeader: (k: string) => resHeaders[k.toLowerCase()],
    _header: over.rawHeader ?? null,
  } as unknown as ServerResponse;
  return { req, res, remote: '192.0.2.10', durationNs: over.durationNs ?? 1_234_567_890n, bytes: over.bytes ?? 1024, startedMs: STARTED };
}

const fmt = (format: string, r: AccessRecord) => compileAccessFormat(format)(r);

describe('access log atoms', () => {
  test("Gunicorn's default format", () => {
    const r = record({ headers: { referer: 'https://example.com/from', 'user-agent': 'curl/8.5.0', authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` } });
    assert.equal(fmt(GUNICORN_DEFAULT, r), '192.0.2.10 - alice [23/Nov/2026:12:00:00 +0000] "GET /items/7?color=red&size=m HTTP/1.1" 200 1024 "https://example.com/from" "curl/8.5.0"');
  });

  test('the default format with nothing optional: dashes', () => {
    assert.equal(fmt(GUNICORN_DEFAULT, record({ url: '/' })), '192.0.2.10 - - [23/Nov/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 1024 "-" "-"');
  });

  test('h l u t r s m U q H', () => {
    const r = record({ method: 'POST', url: '/a/b?x=1&y=2', httpVersion: '1.0', status: 201, headers: { authorization: `Basic ${Buffer.from('bob:pw:with:colons').toString('base64')}` } });
    assert.equal(fmt('%(h)s|%(l)s|%(u)s|%(t)s|%(r)s|%(s)s|%(m)s|%(U)s|%(q)s|%(H)s', r), '192.0.2.10|-|bob|[23/Nov/2026:12:00:00 +0000]|POST /a/b?x=1&y=2 HTTP/1.0|201|POST|/a/b|x=1&y=2|HTTP/1.0');
    // No query string: q is empty, U is the whole target. A bearer token is no user.
    assert.equal(fmt('[%(U)s][%(q)s][%(u)s]', record({ url: '/plain', headers: { authorization: 'Bearer abc' } })), '[/plain][][-]');
  });

  test("b and B: body bytes; b is '-' only when no response went out", () => {
    assert.equal(fmt('%(b)s %(B)s', record({ bytes: 0 })), '0 0');
    assert.equal(fmt('%(b)s %(B)s', record({ bytes: 5 })), '5 5');
    assert.equal(fmt('%(b)s %(B)s', record({ bytes: 0, headersSent: false })), '- 0');
  });

  test('f and a: referer and user agent', () => {
    assert.equal(fmt('"%(f)s" "%(a)s"', record({ headers: { referer: 'http://r/', 'user-agent': 'UA/1' } })), '"http://r/" "UA/1"');
  });

  test('T D M L: the duration in seconds, microseconds, milliseconds, decimal seconds', () => {
    assert.equal(fmt('%(T)s %(D)s %(M)s %(L)s', record({ durationNs: 1_234_567_890n })), '1 1234567 1234 1.234567');
    assert.equal(fmt('%(T)s %(D)s %(M)s %(L)s', record({ durationNs: 42_000n })), '0 42 0 0.000042');
  });

  test('p: the worker pid in angle brackets', () => {
    assert.equal(fmt('%(p)s', record()), `<${process.pid}>`);
  });

  test('{header}i: request headers, any case in the name', () => {
    const r = record({ headers: { 'x-request-start': 't=1', 'x-forwarded-for': '203.0.113.1' } });
    assert.equal(fmt('%({X-Request-Start}i)s %({x-forwarded-for}i)s %({missing}i)s', r), 't=1 203.0.113.1 -');
  });

  test('{header}o: response headers, set with setHeader or written with writeHead', () => {
    assert.equal(fmt('%({Content-Type}o)s', record({ resHeaders: { 'content-type': 'text/html' } })), 'text/html');
    // Headers handed to writeHead() as an object (how fetch apps' responses are written) are only in the sent block.
    const rawHeader = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Content-Type-Options: nosniff\r\n\r\n';
    assert.equal(fmt('%({content-type}o)s|%({Set-Cookie}o)s|%({x-absent}o)s', record({ rawHeader })), 'application/json|a=1, b=2|-');
  });

  test('{var}e: environment variables, by exact name', () => {
    process.env.TUNICORN_TEST_ATOM = 'green';
    try {
      assert.equal(fmt('%({TUNICORN_TEST_ATOM}e)s %({TUNICORN_TEST_UNSET_ATOM}e)s', record()), 'green -');
    } finally {
      delete process.env.TUNICORN_TEST_ATOM;
    }
  });

  test('%% is a literal percent; unknown atoms log "-" and are reported by unknownAtoms', () => {
    assert.equal(fmt('100%% %(s)s %(zz)s', record()), '100% 200 -');
    assert.deepEqual(unknownAtoms('%(h)s %(zz)s %({x}i)s %({y}q)s %(s)s'), ['zz', '{y}q']);
    assert.deepEqual(unknownAtoms(GUNICORN_DEFAULT), []);
    assert.deepEqual(unknownAtoms('%(h)s %(l)s %(u)s %(t)s %(r)s %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s %(B)s %(f)s %(a)s %(T)s %(D)s %(M)s %(L)s %(p)s'), []);
  });

  test('t: Apache date with the local UTC offset', () => {
    assert.equal(accessTime(STARTED), '[23/Nov/2026:12:00:00 +0000]');
    // Formatted once per second: the same second gives the same text, the next one new text.
    assert.equal(accessTime(STARTED + 700), '[23/Nov/2026:12:00:00 +0000]');
    assert.equal(accessTime(STARTED + 900), '[23/Nov/2026:12:00:01 +0000]');
    process.env.TZ = 'Asia/Kolkata';
    try {
      assert.equal(formatAccessTime(STARTED), '[23/Nov/2026:17:30:00 +0530]');
      process.env.TZ = 'America/New_York';
      assert.equal(formatAccessTime(STARTED), '[23/Nov/2026:07:00:00 -0500]');
      assert.equal(formatAccessTime(Date.UTC(2026, 6, 4, 4, 5, 6)), '[04/Jul/2026:00:05:06 -0400]');
    } finally {
      process.env.TZ = 'UTC';
    }
  });
});

describe('JSON access lines', () => {
  test('one object with the request, the response, timing and the request id', () => {
    const r = record({ headers: { referer: 'http://r/', 'user-agent': 'UA/1' }, status: 404, bytes: 9, durationNs: 2_500_000n });
    const line = JSON.parse(jsonAccessLine(r, 'req-1')) as Record<string, unknown>;
    assert.deepEqual(line, {
      time: '2026-11-23T12:00:00.250Z',
      pid: process.pid,
      remote_addr: '192.0.2.10',
      method: 'GET',
      path: '/items/7',
      query: 'color=red&size=m',
      protocol: 'HTTP/1.1',
      status: 404,
      bytes: 9,
      duration_ms: 2.5,
      referer: 'http://r/',
      user_agent: 'UA/1',
      request_id: 'req-1',
    });
    assert.equal((JSON.parse(jsonAccessLine(record(), undefined)) as { request_id: unknown }).request_id, null);
  });

  test('exactly what JSON.stringify gives, escapes included', () => {
    const r = record({ url: '/p"a\\th?q="x"&é=ü', headers: { 'user-agent': 'ua "quoted" \u0001 ✓' }, durationNs: 999n });
    r.startedMs = Date.UTC(2026, 0, 2, 3, 4, 5, 7);
    assert.equal(
      jsonAccessLine(r, 'id"1'),
      JSON.stringify({
        time: '2026-01-02T03:04:05.007Z',
        pid: process.pid,
        remote_addr: '192.0.2.10',
        method: 'GET',
        path: '/p"a\\th',
        query: 'q="x"&é=ü',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 1024,
        duration_ms: 0,
        referer: null,
        user_agent: 'ua "quoted" \u0001 ✓',
        request_id: 'id"1',
      }),
    );
  });
});
