/**
 * The status page's parts without a browser: what counts as loopback, the token (file, comparison,
 * cookie), percentiles from histogram buckets, secrets masked in the config view, and the feed's
 * timer, which runs only while a page is open.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLoopback, loadToken, TokenCheck, tokenCookie } from '../../src/status/access.js';
import { StatsBook } from '../../src/status/book.js';
import { configView, MASK } from '../../src/status/config-view.js';
import { LiveFeed } from '../../src/status/events.js';
import { Journal } from '../../src/status/journal.js';
import { quantile } from '../../src/status/percentiles.js';
import { DURATION_BUCKETS } from '../../src/status/figures.js';
import type { StatusSource } from '../../src/status/source.js';
import type { Config } from '../../src/config/types.js';
import { resolveConfig } from '../../src/config/resolve.js';

const at = (address: string) => ({ address, family: address.includes(':') ? 'IPv6' : 'IPv4', port: 1 });

test('loopback: 127.0.0.0/8, ::1 and unix sockets; not the wildcard addresses or a LAN address', () => {
  for (const a of ['127.0.0.1', '127.0.0.2', '127.255.0.9', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(at(a)), a);
  for (const a of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1']) assert.ok(!isLoopback(at(a)), a);
  assert.ok(isLoopback('/run/tunicorn-status.sock'));
});

test('the token: from the setting or a file (whitespace trimmed), one clear line for a bad file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-token-'));
  try {
    assert.equal(loadToken({ status_token: 'a'.repeat(16), status_token_file: null }), 'a'.repeat(16));
    assert.equal(loadToken({ status_token: null, status_token_file: null }), null);
    writeFileSync(join(dir, 'ok'), '  0123456789abcdef0123\n');
    assert.equal(loadToken({ status_token: null, status_token_file: join(dir, 'ok') }), '0123456789abcdef0123');
    writeFileSync(join(dir, 'short'), 'short\n');
    assert.throws(
      () => loadToken({ status_token: null, status_token_file: join(dir, 'short') }),
      /^Error: status_token_file \S+ must hold one token of at least 16 printable characters without spaces\.$/,
    );
    assert.throws(() => loadToken({ status_token: null, status_token_file: join(dir, 'missing') }), /^Error: Cannot read status_token_file \S+missing: ENOENT\.$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a short status_token is refused without being repeated', async () => {
  await assert.rejects(resolveConfig({ argv: ['--status-token', 'hunter2', 'app.js'], env: {}, cwd: process.cwd() }), (err: Error) => {
    assert.match(err.message, /^Invalid value for status_token \(--status-token\): expected at least 16 printable characters/);
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
});

test('the token check: bearer, query or cookie; nothing else', () => {
  const token = 'f00dfeedf00dfeed42';
  const check = new TokenCheck(token);
  const req = (headers: http.IncomingHttpHeaders) => ({ headers }) as http.IncomingMessage;
  const none = new URLSearchParams();
  assert.ok(check.allows(req({ authorization: `Bearer ${token}` }), none));
  assert.ok(check.allows(req({}), new URLSearchParams({ token })));
  assert.ok(check.allows(req({ cookie: `a=b; ${tokenCookie(token).split(';')[0]}` }), none));
  assert.ok(!check.allows(req({}), none));
  assert.ok(!check.allows(req({ authorization: `Bearer ${token}x` }), none));
  assert.ok(!check.allows(req({ cookie: 'tunicorn_status_token=' }), new URLSearchParams({ token: '' })));
  assert.match(tokenCookie(token), /HttpOnly; SameSite=Strict$/);
});

test('percentiles from bucket counts, linear within a bucket as histogram_quantile does', () => {
  const counts = new Array(DURATION_BUCKETS.length + 1).fill(0);
  assert.equal(quantile(0.5, counts), null);
  counts[0] = 100; // all under 5 ms
  assert.equal(quantile(0.5, counts), 0.0025);
  counts[2] = 100; // 100 more in (10 ms, 25 ms]
  assert.equal(quantile(0.99, counts), 0.01 + 0.015 * 0.98);
  counts[DURATION_BUCKETS.length] = 1000; // past the last bound: the last bound
  assert.equal(quantile(0.99, counts), 60);
});

test('the config view masks raw_env values and tokens, shows file paths, lists set hooks only', async () => {
  const { config } = await resolveConfig({
    argv: ['-e', 'DB_PASSWORD=p4ss', '-e', 'MODE=x=y', '--status-token', 'x'.repeat(20), '--status-token-file', '/run/secrets/t', 'app.js'],
    env: {},
    cwd: process.cwd(),
  });
  const view = new Map(configView({ ...config, on_starting: function greet() {} } as Config));
  assert.equal(view.get('raw_env'), `DB_PASSWORD=${MASK}, MODE=${MASK}`);
  assert.equal(view.get('status_token'), MASK);
  assert.equal(view.get('status_token_file'), '/run/secrets/t');
  assert.equal(view.get('on_starting'), 'function greet');
  assert.ok(!view.has('on_exit'));
  assert.doesNotMatch(JSON.stringify([...view]), /p4ss|xxxxxxxxxxxxxxxxxxxx/);
});

test('the feed samples only while a page is open: no timer before, one while, none after', () => {
  const source = { workers: () => [], listeners: () => [], config: () => ({}) as Config, app: () => 'app.js' } as unknown as StatusSource;
  const feed = new LiveFeed(new StatsBook(), new Journal(), source, () => 'ready');
  const timers = () => (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const base = timers();
  const req = Object.assign(new EventEmitter(), { method: 'GET', socket: { setNoDelay() {} } }) as unknown as http.IncomingMessage;
  const written: string[] = [];
  const res = Object.assign(new EventEmitter(), { writableLength: 0, writeHead() {}, write: (s: string) => written.push(s), destroy() {}, end() {} }) as unknown as http.ServerResponse;
  feed.attach(req, res);
  assert.equal(feed.listening, 1);
  assert.equal(timers(), base + 1);
  assert.match(written.join(''), /^retry: 2000\n\nevent: hello\ndata: \{"master":/);
  res.emit('close');
  assert.equal(feed.listening, 0);
  assert.equal(timers(), base);
});
