/**
 * App specs and interface detection, in-process (src/app): what each kind of export becomes, and
 * the errors a user gets for specs that name nothing servable.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { asApp, AppLoadError, loadApp } from '../../src/app/load.js';
import { parseAppSpec } from '../../src/app/spec.js';
import { ConfigError } from '../../src/config/errors.js';
import { FIXTURES } from '../helpers/cli.js';

const load = (spec: string, iface: 'auto' | 'fetch' | 'node' = 'auto') => loadApp(spec, { baseDir: FIXTURES, iface });

describe('parseAppSpec', () => {
  test('module alone means its default export', () => {
    assert.deepEqual(parseAppSpec('app.ts'), { module: 'app.ts', exportName: 'default', callArgs: null, text: 'app.ts' });
    assert.deepEqual(parseAppSpec('src/server.js'), { module: 'src/server.js', exportName: 'default', callArgs: null, text: 'src/server.js' });
  });
  test('module:export names an export', () => {
    assert.equal(parseAppSpec('app.ts:handler').exportName, 'handler');
    assert.equal(parseAppSpec('app.ts:handler').module, 'app.ts');
    assert.equal(parseAppSpec('@acme/api:app').module, '@acme/api');
  });
  test('module:factory() and factory(literal args), JSON included', () => {
    assert.deepEqual(parseAppSpec('app:createApp()').callArgs, []);
    assert.deepEqual(parseAppSpec('app:createApp({"debug": true, "db": {"pool": 5}}, 3, "x", null, [1, 2])').callArgs, [{ debug: true, db: { pool: 5 } }, 3, 'x', null, [1, 2]]);
    // A colon inside the arguments does not split the spec.
    const s = parseAppSpec('app.mjs:create({"url": "http://db:5432"})');
    assert.equal(s.module, 'app.mjs');
    assert.deepEqual(s.callArgs, [{ url: 'http://db:5432' }]);
  });
  test('bad specs are configuration errors that say what is allowed', () => {
    assert.throws(() => parseAppSpec(''), ConfigError);
    assert.throws(() => parseAppSpec(':app'), /module part is missing/);
    assert.throws(() => parseAppSpec('app:not-a-name'), /is not an export name or a call/);
    assert.throws(() => parseAppSpec("app:create({'single': 'quotes'})"), /must be literals \(JSON/);
    assert.throws(() => parseAppSpec('app:create(process.env)'), /must be literals/);
  });
});

describe('interface detection', () => {
  test('a one-argument function is a fetch handler, a two-argument one a Node listener', async () => {
    assert.equal((await asApp((r: Request) => new Response(r.url), 'auto'))?.kind, 'fetch');
    assert.equal((await asApp((_req: unknown, _res: unknown) => {}, 'auto'))?.kind, 'node');
  });
  test('an object with fetch (export default { fetch }) is a fetch handler bound to its object', async () => {
    const app = await asApp(
      {
        greeting: 'hi',
        fetch(this: { greeting: string }) {
          return new Response(this.greeting);
        },
      },
      'auto',
    );
    assert.equal(app?.kind, 'fetch');
    const res = (await (app as { fetch: (r: Request) => Response }).fetch(new Request('http://x/'))) as Response;
    assert.equal(await res.text(), 'hi');
  });
  test('--interface overrides detection', async () => {
    assert.equal((await asApp((_a: unknown, _b: unknown) => {}, 'fetch'))?.kind, 'fetch');
    assert.equal((await asApp((_a: unknown) => {}, 'node'))?.kind, 'node');
    assert.equal(await asApp({ fetch() {} }, 'node'), null);
  });
  test('values that are not apps', async () => {
    for (const v of [42, 'app', null, undefined, {}, { handler() {} }]) assert.equal(await asApp(v, 'auto'), null);
  });
  test('fixture apps: fetch object, fetch function (.ts), Hono, Node listener, Express, factories', async () => {
    const cases: Array<[string, 'fetch' | 'node', RegExp]> = [
      ['app.mjs', 'fetch', /object with fetch/],
      ['ts-app.ts', 'fetch', /fetch handler/],
      ['hono-app.mjs', 'fetch', /object with fetch/],
      ['node-app.mjs', 'node', /Node request listener/],
      ['node-app.mjs:named', 'node', /Node request listener/],
      ['express-app.mjs:app', 'node', /Node request listener/],
      ['factory.mjs:createApp()', 'fetch', /object with fetch/],
      ['factory.mjs:createAsync("n", 2)', 'node', /Node request listener/],
    ];
    for (const [spec, kind, description] of cases) {
      const app = await load(spec);
      assert.equal(app.kind, kind, spec);
      assert.match(app.description, description, spec);
    }
  });
  test('factory arguments reach the factory', async () => {
    const app = await load('factory.mjs:createApp({"greeting": "hello"})');
    assert.equal(app.kind, 'fetch');
    const res = (await (app as { fetch: (r: Request) => Response }).fetch(new Request('http://x/'))) as Response;
    assert.equal(await res.text(), 'factory greeting=hello');
  });
  test('a .mts entry with types loads directly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunicorn-mts-'));
    try {
      writeFileSync(join(dir, 'server.mts'), 'type Greeting = { text: string };\nconst g: Greeting = { text: "mts" };\nexport const handler = (_req: Request): Response => new Response(g.text);\n');
      const app = await loadApp('server.mts:handler', { baseDir: dir, iface: 'auto' });
      const res = (await (app as { fetch: (r: Request) => Response }).fetch(new Request('http://x/'))) as Response;
      assert.equal(await res.text(), 'mts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('a CommonJS file that assigns the app to module.exports', async () => {
    const app = await load('commonjs/exported.js');
    assert.equal(app.kind, 'node');
    assert.match(app.description, /Node request listener/);
  });
  test('the extension may be left out', async () => {
    assert.equal((await load('ts-app')).kind, 'fetch');
    assert.equal((await load('node-app:named')).kind, 'node');
  });
});

describe('specs that name nothing servable', () => {
  const expectLoadError = async (spec: string, iface: 'auto' | 'fetch' | 'node', re: RegExp) => {
    await assert.rejects(load(spec, iface), (err: Error) => {
      assert.ok(err instanceof AppLoadError, `${spec}: ${err.stack}`);
      assert.match(err.message, re);
      return true;
    });
  };
  test('a value that is not an app lists what the module exports', async () => {
    await expectLoadError('node-app.mjs:notAnApp', 'auto', /node-app\.mjs:notAnApp is a number, not an app: .*exports: default \(function\), named \(function\), notAnApp \(number\)\./);
  });
  test('a missing export lists what the module exports', async () => {
    await expectLoadError('node-app.mjs:nope', 'auto', /has no export "nope"; it exports: default \(function\), named \(function\), notAnApp \(number\)/);
    await expectLoadError('factory.mjs', 'auto', /has no export "default"; it exports: createApp \(function\), createAsync \(function\)/);
  });
  test('a file that exports nothing (an empty module.exports) and calls no listen()', async () => {
    await expectLoadError(
      'commonjs/exports-nothing.js',
      'auto',
      /commonjs\/exports-nothing\.js exports nothing and called no listen\(\): export the app \(module\.exports = app, or export default app\) or start it with app\.listen\(\)\./,
    );
  });
  test('calling something that is not a function', async () => {
    await expectLoadError('node-app.mjs:notAnApp()', 'auto', /notAnApp is a number, not a function to call/);
  });
  test('--interface node on a fetch app says what node needs', async () => {
    await expectLoadError('app.mjs', 'node', /app\.mjs is an object, not an app: with --interface node, export a Node \(req, res\) listener/);
  });
  test('a module that is not there', async () => {
    await expectLoadError('no-such-app.mjs', 'auto', /App module not found: no-such-app\.mjs/);
    await expectLoadError('./no/such/app.ts', 'auto', /App module not found/);
    await expectLoadError('no-such-package', 'auto', /App module not found: no-such-package .*node_modules/);
  });
  test("the app's own errors are not disguised: a missing import inside the app, a throw at import", async () => {
    await assert.rejects(load('broken.mjs'), (err: NodeJS.ErrnoException) => {
      assert.ok(!(err instanceof AppLoadError));
      assert.equal(err.code, 'ERR_MODULE_NOT_FOUND');
      assert.match(err.message, /does-not-exist\.mjs/);
      return true;
    });
    await assert.rejects(load('throws-at-import.mjs'), /database unreachable at import/);
  });
});

describe('package names (bare specifiers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-pkg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const pkg = (name: string, manifest: object, files: Record<string, string>) => {
    const root = join(dir, 'node_modules', name);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name, ...manifest }));
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), text);
    }
  };
  pkg('plain-app', { main: 'index.mjs' }, { 'index.mjs': 'export default (req) => new Response("plain")' });
  pkg(
    '@acme/api',
    { type: 'module', exports: { '.': './lib/main.js', './admin': './lib/admin.js' } },
    {
      'lib/main.js': 'export function createApp(o) { return { fetch: () => new Response("acme " + o.name) } }',
      'lib/admin.js': 'export default (req, res) => res.end("admin")',
    },
  );
  pkg('esm-only', { type: 'module', exports: { import: './server.js' } }, { 'server.js': 'export const app = { fetch: () => new Response("esm only") }' });

  const loadFrom = (spec: string) => loadApp(spec, { baseDir: dir, iface: 'auto' });
  test('a package name resolves through node_modules', async () => {
    assert.equal((await loadFrom('plain-app')).kind, 'fetch');
  });
  test('a scoped package, its subpath export, and a factory in it', async () => {
    const app = await loadFrom('@acme/api:createApp({"name": "corp"})');
    const res = (await (app as { fetch: (r: Request) => Response }).fetch(new Request('http://x/'))) as Response;
    assert.equal(await res.text(), 'acme corp');
    assert.equal((await loadFrom('@acme/api/admin')).kind, 'node');
  });
  test('an ESM-only package (exports with the import condition only)', async () => {
    assert.equal((await loadFrom('esm-only:app')).kind, 'fetch');
  });
});
