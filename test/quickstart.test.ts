/**
 * The README's and the commands, run as a new user would from a checkout: npm start,
 * npx tunicorn with a file, with flags, with a tunicorn.config.ts, with the seed's gunicorn.conf.py,
 * and with TUNICORN_CMD_ARGS. Each serves, and stops on TERM to the master with exit 0.
 *
 * These are the development conveniences. npm runs the master as its child and does not pass HUP,
 * TTIN, TTOU, USR1 or USR2 on, so the master is the pid on its own "Listening at" line, not the
 * shell's or npm's; production command lines (the master as the signalled pid) are deploy.test.ts's.
 * Every server binds port 0 (PORT=0, or --bind 127.0.0.1:0) and the test reads its port from that
 * line, so it can only ever talk to the server it started.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileTimeout, ROOT, Running, sleep, waitServing } from './helpers/cli.js';

// Seven commands one after the other, each starting npm first: a few seconds each on an idle
// machine, up to half a minute on a loaded one.
fileTimeout(240);

mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });
// Inside the checkout, so `import { defineConfig } from 'tunicorn'` resolves to this package.
const DIR = mkdtempSync(join(ROOT, 'test/.tmp/quickstart-'));
writeFileSync(join(DIR, 'app.ts'), "export const app = (request: Request): Response => new Response('app.ts:app');\n");
writeFileSync(join(DIR, 'server.js'), "export function handler(req, res) {\n  res.end('server.js:handler');\n}\n");
writeFileSync(join(DIR, 'tunicorn.config.ts'), "import { defineConfig } from 'tunicorn';\n\nexport default defineConfig({ app: 'app.ts:app', workers: 1, timeout: 15 });\n");
copyFileSync(join(ROOT, 'examples/gunicorn.conf.py'), join(DIR, 'gunicorn.conf.py'));

/** Start a shell command line as typed and wait until its master serves; returns the shell and the master's bind. */
async function start(command: string, cwd: string, env: Record<string, string> = {}, path = '/') {
  const sh = new Running('sh', ['-c', command], { cwd, env });
  const [bound] = await sh.listening(1, 60_000);
  const url = `http://127.0.0.1:${bound!.port}${path}`;
  await waitServing(url, sh, 30_000);
  return { sh, master: bound!.pid, url };
}

/** Serve, fetch once, TERM the master; the body, the output and the command's exit code. */
async function serve(command: string, cwd: string, env: Record<string, string> = {}, path = '/') {
  const { sh, master, url } = await start(command, cwd, env, path);
  const body = await (await fetch(url)).text();
  process.kill(master, 'SIGTERM');
  const { code } = await sh.exitWithin(20_000);
  return { body, out: sh.output, code };
}

test('npm install && npm start: serves examples/hello.ts with the default settings', async () => {
  // PORT moves the default bind (":8080") as Gunicorn's does; 0 asks for any free port.
  const r = await serve('npm start --silent', ROOT, { PORT: '0' });
  assert.equal(r.body, 'Hello, World!');
  assert.match(r.out, /Listening at: http:\/\/0\.0\.0\.0:\d+ /);
  assert.match(r.out, /Using worker: async/);
  assert.match(r.out, /timeout: 15s/);
  assert.equal(r.code, 0);
});

test('Ctrl-C on npm start (INT to the whole process group, as a terminal sends it) stops everything under it', async () => {
  const { sh, master } = await start('npm start --silent', ROOT, { PORT: '0' });
  // The shell leads a process group of its own (launch()), as a terminal's foreground job does.
  process.kill(-sh.pid, 'SIGINT');
  await sh.exitWithin(20_000);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && groupAlive(sh.pid)) await sleep(100);
  assert.equal(groupAlive(sh.pid), false, `something of npm start is still running:\n${sh.output}`);
  assert.match(sh.output, new RegExp(`\\[${master}\\] \\[INFO\\] Handling signal: int`));
  assert.match(sh.output, /Shutting down: Master/);
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

test('npx tunicorn examples/hello.ts', async () => {
  const r = await serve('npx tunicorn examples/hello.ts', ROOT, { PORT: '0' });
  assert.equal(r.body, 'Hello, World!');
  assert.equal(r.code, 0);
});

test('npx tunicorn --bind 127.0.0.1:0 --workers 3 --max-requests 1000 --max-requests-jitter 100 --timeout 15 app.ts:app', async () => {
  const r = await serve('npx tunicorn --bind 127.0.0.1:0 --workers 3 --max-requests 1000 --max-requests-jitter 100 --timeout 15 app.ts:app', DIR);
  assert.equal(r.body, 'app.ts:app');
  assert.equal((r.out.match(/Booting worker with pid/g) ?? []).length, 3);
  assert.match(r.out, /max_requests: 1000/);
  assert.equal(r.code, 0);
});

test('npx tunicorn -c tunicorn.config.ts (the app named in the config)', async () => {
  const r = await serve('npx tunicorn -c tunicorn.config.ts', DIR, { TUNICORN_CMD_ARGS: '--bind 127.0.0.1:0' });
  assert.equal(r.body, 'app.ts:app');
  assert.equal(r.code, 0);
});

test("npx tunicorn -c gunicorn.conf.py server.js:handler (the seed's own config file, unchanged)", async () => {
  const r = await serve('npx tunicorn -c gunicorn.conf.py server.js:handler', DIR, { TUNICORN_CMD_ARGS: '--bind 127.0.0.1:0' });
  assert.equal(r.body, 'server.js:handler');
  assert.match(r.out, /worker_class gevent is served by tunicorn's async worker/);
  assert.match(r.out, /worker_connections: 1000, max_requests: 30000, timeout: 15s/);
  assert.equal(r.code, 0);
});

test('TUNICORN_CMD_ARGS="--workers 2 --log-level debug" npx tunicorn -c tunicorn.config.ts', async () => {
  const r = await serve('npx tunicorn -c tunicorn.config.ts', DIR, { TUNICORN_CMD_ARGS: '--workers 2 --log-level debug --bind 127.0.0.1:0' });
  assert.equal(r.body, 'app.ts:app');
  assert.equal((r.out.match(/Booting worker with pid/g) ?? []).length, 2);
  assert.match(r.out, /\[DEBUG\]/);
  assert.equal(r.code, 0);
});
