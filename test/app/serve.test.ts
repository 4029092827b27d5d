/**
 * App loading end to end: each kind of spec and interface, started with the real CLI and asked over
 * HTTP, as a user would.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startServer } from '../helpers/cli.js';

async function serves(args: string[], expected: RegExp, opts: { cwd?: string; path?: string } = {}): Promise<void> {
  const { t, url } = await startServer(['--workers', '1', ...args], { cwd: opts.cwd });
  try {
    const res = await fetch(url + (opts.path ?? '/'), { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    assert.equal(res.status, 200, `${args.join(' ')}: ${res.status} ${body}\n${t.output}`);
    assert.match(body, expected);
  } finally {
    const { code } = await t.stop();
    assert.equal(code, 0, t.output);
  }
}

describe('app specs and interfaces, served', { concurrency: 3, timeout: 60_000 }, () => {
  test('a file path serves its default export (object with fetch)', () => serves(['app.mjs'], /^Hello, World!$/));
  test('a .ts entry loads with no build step (fetch function)', () => serves(['ts-app.ts'], /^Hello from TypeScript \/typed$/, { path: '/typed' }));
  test('a Hono app (object with fetch)', () => serves(['hono-app.mjs'], /^Hello from Hono$/));
  test('a Node request listener, default export', () => serves(['node-app.mjs'], /^Hello from node$/));
  test('module:export names a Node listener', () => serves(['node-app.mjs:named'], /^named listener$/));
  test('an Express app (named export)', () => serves(['express-app.mjs:app'], /^Hello from Express$/));
  test('module:factory() ', () => serves(['factory.mjs:createApp()'], /^factory greeting=none$/));
  test('module:factory(JSON args)', () => serves(['factory.mjs:createApp({"greeting": "hi there"})'], /^factory greeting=hi there$/));
  test('an async factory with several literal args returning a Node listener', () => serves(['factory.mjs:createAsync("x", 3)'], /^async factory x x3$/));
  test('--interface fetch: a (request, env) fetch handler detection would take for a Node listener', () =>
    serves(['--interface', 'fetch', 'interfaces.mjs:fetchWithEnv'], /^fetch handler, env given$/));
  test('--interface node: a listener written (...args) detection would take for a fetch handler', () => serves(['--interface', 'node', 'interfaces.mjs:nodeRest'], /^node listener GET$/));
});

describe('a package name as the app spec', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-pkg-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'node_modules', '@acme', 'shop');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: '@acme/shop', type: 'module', exports: { import: './server.js' } }));
  writeFileSync(join(root, 'server.js'), 'export function createApp(o) { return { fetch: () => new Response(`shop ${o.region}`) }; }\n');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'deploy', private: true }));

  test('@scope/name:factory(args) resolves from node_modules of the working directory', () => serves(['@acme/shop:createApp({"region": "eu"})'], /^shop eu$/, { cwd: dir }));
});
