/**
 * Compatibility: Gunicorn 26's own client, gunicornc, drives tunicorn's control socket. It is
 * installed (pip install gunicorn==26.2.0) into a virtualenv under test/.tmp, kept between runs;
 * .ci/run creates it when pip can reach a package index, and without one this test is skipped.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, startServer } from '../helpers/cli.js';
import { until } from '../helpers/ctl.js';
import { PYTHON } from '../helpers/python.js';

const GUNICORN = '26.2.0';
/** The same path as in .ci/run (TUNICORN_GUNICORN_VENV: another, say to try the skip). */
const VENV = process.env.TUNICORN_GUNICORN_VENV ?? join(ROOT, 'test/.tmp', `gunicorn-${GUNICORN}-venv`);
const READY = join(VENV, '.installed');
const GUNICORNC = join(VENV, 'bin', 'gunicornc');

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (err) => ((out += err.message), resolve({ code: null, out })));
    p.on('exit', (code) => (clearTimeout(timer), resolve({ code, out })));
  });
}

/** gunicornc, installed if needed; or why it cannot be (the reason the test is skipped). */
async function gunicornc(): Promise<{ path: string } | { skip: string }> {
  if (existsSync(READY)) return { path: GUNICORNC };
  rmSync(VENV, { recursive: true, force: true });
  mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });
  const venv = await run(PYTHON, ['-m', 'venv', VENV], 60_000);
  if (venv.code !== 0) return { skip: `cannot create a virtualenv with ${PYTHON} -m venv: ${venv.out.trim().split('\n').pop()}` };
  const pip = await run(join(VENV, 'bin', 'pip'), ['install', '-q', '--retries', '1', '--timeout', '15', `gunicorn==${GUNICORN}`], 180_000);
  if (pip.code !== 0) return { skip: `pip cannot reach a package index with gunicorn==${GUNICORN} (${pip.out.trim().split('\n').pop()}); gunicornc is not installed` };
  writeFileSync(READY, `gunicorn==${GUNICORN}\n`);
  return { path: GUNICORNC };
}

test(`Gunicorn ${GUNICORN}'s gunicornc drives tunicorn: every command, its tables and its JSON`, async (t) => {
  const g = await gunicornc();
  if ('skip' in g) return t.skip(g.skip);
  const sock = join(mkdtempSync(join(ROOT, 'test/.tmp/ctl-gunicornc-')), 'gunicorn.ctl');
  const { t: server, url } = await startServer(['--control-socket', sock, '-e', 'SECRET_KEY=hunter2', 'app.mjs'], { workers: 1 });
  await server.waitFor(/Control socket listening at /);
  const gc = async (...args: string[]) => {
    const r = await run(g.path, ['-s', sock, ...args], 30_000);
    assert.equal(r.code, 0, `gunicornc ${args.join(' ')}:\n${r.out}`);
    return r.out;
  };
  const json = async <T = Record<string, unknown>>(command: string) => JSON.parse(await gc('-j', '-c', command)) as T;
  type Workers = { workers: Array<{ pid: number; age: number; booted: boolean }>; count: number };
  const booted = (n: number) =>
    until(`${n} booted workers`, async () => {
      const w = await json<Workers>('show workers');
      return w.count === n && w.workers.every((x) => x.booted) && w;
    });

  // Its own tables, filled from tunicorn's replies.
  const first = (await booted(1)).workers[0]!;
  assert.match(await gc('-c', 'show workers'), new RegExp(`^PID\\s+AGE\\s+BOOTED\\s+LAST_BEAT\\n-+\\n${first.pid}\\s+1\\s+yes\\s+[\\d.]+s ago\\n\\nTotal: 1 workers`, 'm'));
  assert.match(await gc('-c', 'show all'), new RegExp(`ARBITER \\(master\\)\\n  PID: ${server.pid}\\n\\nWEB WORKERS \\(1\\)`));
  assert.match(await gc('-c', 'show stats'), new RegExp(`PID:\\s+${server.pid}\\nWorkers current:\\s+1\\nWorkers target:\\s+1`));
  assert.match(await gc('-c', 'show listeners'), new RegExp(`^${url.replace(/[.]/g, '\\.')}\\s+tcp\\s+\\d+$`, 'm'));
  const config = await gc('-c', 'show config');
  assert.match(config, /^raw_env: SECRET_KEY=\*+$/m);
  assert.doesNotMatch(config, /hunter2/);

  // Its commands, with their effects.
  assert.deepEqual(await json('worker add 2'), { added: 2, previous: 1, total: 3 });
  await booted(3);
  assert.deepEqual(await json('worker remove 1'), { removed: 1, previous: 3, total: 2 });
  const two = (await booted(2)).workers;
  const victim = two[0]!.pid;
  assert.deepEqual(await json(`worker kill ${victim}`), { success: true, killed: victim });
  await until('the killed worker replaced', async () => {
    const w = await booted(2);
    return !w.workers.some((x) => x.pid === victim);
  });
  assert.deepEqual(await json('reopen'), { status: 'reopening' });
  assert.deepEqual(await json('reload'), { status: 'reloading' });
  await until('a reload counted', async () => (await json('show stats')).reloads === 1);
  assert.deepEqual(await json('shutdown graceful'), { status: 'shutting_down', mode: 'graceful' });
  assert.equal((await server.exitWithin()).code, 0);
});
