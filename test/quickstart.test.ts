/**
 * The README's and the commands, run as a new user would from a checkout: npm start,
 * npx tunicorn with a file, with flags, with a tunicorn.config.ts, with the seed's gunicorn.conf.py,
 * and with TUNICORN_CMD_ARGS. Each serves, and stops on TERM with exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, ROOT, waitServing } from './helpers/cli.js';

mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });
// Inside the checkout, so `import { defineConfig } from 'tunicorn'` resolves to this package.
const DIR = mkdtempSync(join(ROOT, 'test/.tmp/quickstart-'));
writeFileSync(join(DIR, 'app.ts'), "export const app = (request: Request): Response => new Response('app.ts:app');\n");
writeFileSync(join(DIR, 'server.js'), "export function handler(req, res) {\n  res.end('server.js:handler');\n}\n");
writeFileSync(
  join(DIR, 'tunicorn.config.ts'),
  "import { defineConfig } from 'tunicorn';\n\nexport default defineConfig({ app: 'app.ts:app', workers: 1, timeout: 15 });\n",
);
copyFileSync(join(ROOT, 'examples/gunicorn.conf.py'), join(DIR, 'gunicorn.conf.py'));

const running: number[] = [];
after(() => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Run a shell command line as typed; return its output and the master's pid once it serves. */
async function serve(command: string, cwd: string, port: number, env: Record<string, string> = {}, path = '/') {
  const child = spawn('sh', ['-c', command], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  await waitServing(`http://127.0.0.1:${port}${path}`, undefined, 30_000).catch((err) => {
    throw new Error(`${command}: ${(err as Error).message}\n${out}`);
  });
  const master = Number(/Listening at: \S+ \((\d+)\)/.exec(out)?.[1]);
  running.push(master);
  const body = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  process.kill(master, 'SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  return { body, out, code };
}

test('npm install && npm start: serves examples/hello.ts with the default settings', async () => {
  const port = await freePort();
  // PORT moves the default bind (":8080") as Gunicorn's does, so the test does not need 8080.
  const r = await serve('npm start --silent', ROOT, port, { PORT: String(port) });
  assert.equal(r.body, 'Hello, World!');
  assert.match(r.out, /Using worker: async/);
  assert.match(r.out, /timeout: 15s/);
  assert.equal(r.code, 0);
});

test('npx tunicorn examples/hello.ts', async () => {
  const port = await freePort();
  const r = await serve('npx tunicorn examples/hello.ts', ROOT, port, { PORT: String(port) });
  assert.equal(r.body, 'Hello, World!');
  assert.equal(r.code, 0);
});

test('npx tunicorn --bind 127.0.0.1:PORT --workers 3 --max-requests 1000 --max-requests-jitter 100 --timeout 15 app.ts:app', async () => {
  const port = await freePort();
  const r = await serve(`npx tunicorn --bind 127.0.0.1:${port} --workers 3 --max-requests 1000 --max-requests-jitter 100 --timeout 15 app.ts:app`, DIR, port);
  assert.equal(r.body, 'app.ts:app');
  assert.equal((r.out.match(/Booting worker with pid/g) ?? []).length, 3);
  assert.match(r.out, /max_requests: 1000/);
  assert.equal(r.code, 0);
});

test('npx tunicorn -c tunicorn.config.ts (the app named in the config)', async () => {
  const port = await freePort();
  const r = await serve('npx tunicorn -c tunicorn.config.ts', DIR, port, { TUNICORN_CMD_ARGS: `--bind 127.0.0.1:${port}` });
  assert.equal(r.body, 'app.ts:app');
  assert.equal(r.code, 0);
});

test("npx tunicorn -c gunicorn.conf.py server.js:handler (the seed's own config file, unchanged)", async () => {
  const port = await freePort();
  const r = await serve('npx tunicorn -c gunicorn.conf.py server.js:handler', DIR, port, { TUNICORN_CMD_ARGS: `--bind 127.0.0.1:${port}` });
  assert.equal(r.body, 'server.js:handler');
  assert.match(r.out, /worker_class gevent is served by tunicorn's async worker/);
  assert.match(r.out, /worker_connections: 1000, max_requests: 30000, timeout: 15s/);
  assert.equal(r.code, 0);
});

test('TUNICORN_CMD_ARGS="--workers 2 --log-level debug" npx tunicorn -c tunicorn.config.ts', async () => {
  const port = await freePort();
  const r = await serve('npx tunicorn -c tunicorn.config.ts', DIR, port, { TUNICORN_CMD_ARGS: `--workers 2 --log-level debug --bind 127.0.0.1:${port}` });
  assert.equal(r.body, 'app.ts:app');
  assert.equal((r.out.match(/Booting worker with pid/g) ?? []).length, 2);
  assert.match(r.out, /\[DEBUG\]/);
  assert.equal(r.code, 0);
});
