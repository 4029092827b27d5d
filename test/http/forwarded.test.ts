/**
 * forwarded_allow_ips: X-Forwarded-For / X-Forwarded-Proto reach the app only from trusted peers
 * (default 127.0.0.1 and ::1); from others they are removed, for fetch apps (which read raw headers)
 * and Node apps alike. From a trusted proxy, X-Forwarded-Proto: https makes a fetch app's request.url
 * https, as Gunicorn sets the WSGI url_scheme.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import { forwardedHeaderNames, forwardedLookup, schemeIsHttps, secureHeaders, stripForwarded, trustCheck } from '../../src/http/forwarded.js';
import { listeningLines, startServer, waitServing, type Tunicorn } from '../helpers/cli.js';

const FORWARDED = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' };

/** A GET over IPv4 or IPv6 loopback with the given headers, the JSON body parsed. */
function getJson(host: string, port: number, path: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

describe('forwarded headers, end to end', { timeout: 60_000 }, () => {
  let dflt: { t: Tunicorn; port: number };
  let v6port: number;
  let strict: { t: Tunicorn; port: number };
  let expressStrict: { t: Tunicorn; port: number };
  before(async () => {
    [dflt, strict, expressStrict] = await Promise.all([
      startServer(['fetch-features.mjs'], { workers: 1, path: '/request', bind: ['[::1]:0'] }),
      startServer(['--forwarded-allow-ips', '10.0.0.1', 'fetch-features.mjs'], { workers: 1, path: '/request' }),
      startServer(['--forwarded-allow-ips', '10.0.0.1', 'express-app.mjs:app'], { workers: 1 }),
    ]);
    v6port = listeningLines(dflt.t.output).find((b) => b.url.startsWith('http://[::1]:'))!.port;
    await waitServing(`http://[::1]:${v6port}/request`, dflt.t);
  });

  test('by default they reach a fetch app from 127.0.0.1, and https shows in request.url', async () => {
    const r = await getJson('127.0.0.1', dflt.port, '/request?x=1', FORWARDED);
    assert.equal((r.headers as Record<string, string>)['x-forwarded-for'], '203.0.113.9');
    assert.equal((r.headers as Record<string, string>)['x-forwarded-proto'], 'https');
    assert.equal(r.url, `https://127.0.0.1:${dflt.port}/request?x=1`);
    // Without the header the scheme stays http.
    const plain = await getJson('127.0.0.1', dflt.port, '/request', {});
    assert.equal(plain.url, `http://127.0.0.1:${dflt.port}/request`);
  });

  test('by default they reach the app from ::1 too', async () => {
    const r = await getJson('::1', v6port, '/request', FORWARDED);
    assert.equal((r.headers as Record<string, string>)['x-forwarded-for'], '203.0.113.9');
    assert.match(r.url as string, /^https:\/\//);
  });

  test("--forwarded-allow-ips 10.0.0.1: a loopback client's forwarded headers are removed (fetch app)", async () => {
    const r = await getJson('127.0.0.1', strict.port, '/request', { ...FORWARDED, 'X-Forwarded-Host': 'evil.example', Forwarded: 'for=1.2.3.4', 'X-Other': 'kept' });
    const headers = r.headers as Record<string, string>;
    for (const h of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']) assert.equal(headers[h], undefined, `${h} reached the app`);
    assert.equal(headers['x-other'], 'kept');
    assert.match(r.url as string, /^http:\/\//);
  });

  test('--forwarded-allow-ips 10.0.0.1: removed for a Node (Express) app as well', async () => {
    const r = await getJson('127.0.0.1', expressStrict.port, '/ip', FORWARDED);
    assert.equal(r.forwarded, null);
  });

  test('the servers stop cleanly', async () => {
    for (const { t } of [dflt, strict, expressStrict]) assert.equal((await t.stop()).code, 0, t.output);
  });
});

describe('forwarded headers, unit', () => {
  test('trustCheck: addresses, networks, IPv4-mapped IPv6, *', () => {
    const check = trustCheck(['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']);
    assert.equal(check('127.0.0.1'), true);
    assert.equal(check('::ffff:127.0.0.1'), true);
    assert.equal(check('::1'), true);
    assert.equal(check('10.20.30.40'), true);
    assert.equal(check('fd12::1'), true);
    assert.equal(check('192.168.1.1'), false);
    assert.equal(check('::ffff:192.168.1.1'), false);
    assert.equal(check('2001:db8::1'), false);
    assert.equal(trustCheck(['*'])('198.51.100.1'), true);
    assert.throws(() => trustCheck(['not-an-ip']), /Invalid value for forwarded_allow_ips: "not-an-ip"/);
  });

  test('stripForwarded removes them from headers and rawHeaders; schemeIsHttps reads the secure headers', () => {
    const req = {
      headers: { host: 'x', 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https', 'x-keep': '1' },
      rawHeaders: ['Host', 'x', 'X-Forwarded-For', '1.2.3.4', 'x-forwarded-proto', 'https', 'X-Keep', '1'],
    } as unknown as http.IncomingMessage;
    const secure = secureHeaders({ 'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' });
    assert.equal(schemeIsHttps(req, secure), true);
    stripForwarded(req, forwardedHeaderNames({ 'X-FORWARDED-PROTO': 'https' }));
    assert.deepEqual(req.headers, { host: 'x', 'x-keep': '1' });
    assert.deepEqual(req.rawHeaders, ['Host', 'x', 'X-Keep', '1']);
    assert.equal(schemeIsHttps(req, secure), false);
    assert.equal(schemeIsHttps({ rawHeaders: ['X-Forwarded-SSL', 'on'] } as unknown as http.IncomingMessage, secure), true);
    assert.equal(schemeIsHttps({ rawHeaders: ['x-forwarded-proto', 'http'] } as unknown as http.IncomingMessage, secure), false);
  });

  test('forwardedLookup: finds any forwarded or secure-scheme header, whatever its case', () => {
    const has = forwardedLookup(forwardedHeaderNames({ 'X-FORWARDED-SSL': 'on' }));
    const req = (...rawHeaders: string[]) => ({ rawHeaders }) as unknown as http.IncomingMessage;
    assert.equal(has(req('Host', 'x', 'User-Agent', 'curl')), false);
    assert.equal(has(req('Host', 'x', 'X-Forwarded-For', '1.2.3.4')), true);
    assert.equal(has(req('FORWARDED', 'for=1.2.3.4')), true);
    assert.equal(has(req('x-forwarded-ssl', 'on')), true);
    assert.equal(has(req('X-Forwarded-Fox', '1')), false);
  });
});
