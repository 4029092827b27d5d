/**
 * USR2 / WINCH binary upgrade, as Gunicorn does it: USR2 starts a new master on the inherited
 * sockets (PIDFILE -> PIDFILE.oldbin), WINCH stops the old master's workers, TERM ends it; TERM to
 * the new master before that rolls back. Real signals, real load, zero failed requests throughout.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sleep, startServer, type Tunicorn } from '../helpers/cli.js';
import { load } from '../helpers/load.js';
import { exited } from '../helpers/proc.js';

async function until(ok: () => boolean, ms = 15_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) if (ok()) return true;
  return false;
}
const gone = (pid: number) => exited(pid);

const getPid = (url: string) =>
  new Promise<number>((resolve, reject) => {
    http
      .get(`${url}/pid`, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(Number(body)));
      })
      .on('error', reject);
  });

/** USR2 to the master of `t`; returns the new master's pid once its workers serve. */
async function upgrade(t: Tunicorn, workers: number): Promise<number> {
  t.signal('SIGUSR2');
  const [, pid] = (await t.waitFor(/Started a new master \(pid:(\d+)\)/)).map(Number);
  await t.waitFor(new RegExp(`Listening at: \\S+ \\(${pid}\\)`));
  await t.waitFor(new RegExp(`(Booting worker with pid: \\d+[^]*){${2 * workers}}`), 20_000);
  return pid!;
}

test('USR2, WINCH, TERM under load: the new master takes over the sockets, zero failed requests', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-usr2-'));
  const pidfile = join(dir, 'tunicorn.pid');
  const { t, url } = await startServer(['--pid', pidfile, '--max-requests', '0', 'app.mjs'], { workers: 2 });
  const oldWorkers = t.workerPids();
  const running = load(url, { seconds: 9, connections: 20 });
  await sleep(1000);
  const next = await upgrade(t, 2);
  assert.equal(readFileSync(pidfile, 'utf8').trim(), String(next), 'the new master writes PIDFILE');
  assert.equal(readFileSync(`${pidfile}.oldbin`, 'utf8').trim(), String(t.pid), 'the old master moved to PIDFILE.oldbin');
  const newWorkers = t.workerPids().slice(2);

  t.signal('SIGWINCH');
  for (const pid of oldWorkers) await t.waitFor(new RegExp(`Worker exiting \\(pid: ${pid}\\)`));
  assert.ok(t.running, 'the old master stays after WINCH');
  t.signal('SIGTERM');
  assert.equal((await t.exitWithin()).code, 0);
  // The new master's output still reaches the old one's pipe.
  assert.ok(await until(() => t.output.includes(`[${next}] [INFO] Master has been promoted.`)), t.output);

  const r = await running;
  console.log(`USR2 under load: ${r.requests} requests, ${r.errors} errors, ${r.non2xx} non-2xx`);
  assert.ok(r.requests > 1000, `load ran (${r.requests} requests)`);
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.ok(newWorkers.includes(await getPid(url)), "the new master's workers answer");
  assert.ok(!existsSync(`${pidfile}.oldbin`), 'the old master removed PIDFILE.oldbin');
  assert.equal(readFileSync(pidfile, 'utf8').trim(), String(next));

  process.kill(next, 'SIGTERM');
  assert.ok(await gone(next), 'the new master stops on TERM');
  assert.ok(!existsSync(pidfile), 'and removes its pidfile');
});

test('rollback: TERM to the new master after WINCH; the old master starts its workers again, zero failed requests', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-usr2-'));
  const pidfile = join(dir, 'tunicorn.pid');
  const { t, url } = await startServer(['--pid', pidfile, '--max-requests', '0', 'app.mjs'], { workers: 1 });
  const running = load(url, { seconds: 10, connections: 10 });
  await sleep(500);
  const next = await upgrade(t, 1);
  t.signal('SIGUSR2');
  await t.waitFor(/USR2 signal ignored\. Child exists\./);
  const [oldWorker] = t.workerPids();
  t.signal('SIGWINCH');
  await t.waitFor(new RegExp(`Worker exiting \\(pid: ${oldWorker}\\)`));
  process.kill(next, 'SIGTERM');
  await t.waitFor(/The new master \(pid:\d+\) exited \(code 0\); this master serves on, starting its workers again/);
  assert.ok(await gone(next));
  await t.waitFor(/(Booting worker with pid: \d+[^]*){3}/);
  const r = await running;
  console.log(`USR2 rollback under load: ${r.requests} requests, ${r.errors} errors, ${r.non2xx} non-2xx`);
  assert.deepEqual({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 });
  assert.equal(readFileSync(pidfile, 'utf8').trim(), String(t.pid), 'PIDFILE names the old master again');
  assert.ok(!existsSync(`${pidfile}.oldbin`));
  assert.equal(await getPid(url), t.workerPids()[2]);
  assert.equal((await t.stop()).code, 0);
});

test('WINCH without a new master is ignored', async () => {
  const { t, url } = await startServer(['--log-level', 'debug', 'app.mjs'], { workers: 1 });
  t.signal('SIGWINCH');
  await t.waitFor(/SIGWINCH ignored: no new master/);
  assert.equal(typeof (await getPid(url)), 'number');
  assert.equal(t.workerPids().length, 1);
  assert.equal((await t.stop()).code, 0);
});
