/**
 * The master as process 1 of a PID namespace (`unshare --pid --fork`, as in a container without
 * an init): orphans the app leaves are reaped, and the signals sent to process 1 reach the master.
 * Where Node has no process.execve (before 22.15), one warning says what to do instead.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLI, NODE, Running, sleep, waitServing } from './helpers/cli.js';
import { childPids } from './helpers/proc.js';

const root = process.getuid!() === 0;
const hasExecve = spawnSync(NODE, ['-e', 'process.stdout.write(typeof process.execve)'], { encoding: 'utf8' }).stdout === 'function';

/** Zombies whose parent is `pid`. */
function zombiesOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const [state, ppid] = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (state === 'Z' && Number(ppid) === pid) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

test(
  `process 1 in a PID namespace (Node ${hasExecve ? 'with' : 'without'} process.execve): orphans reaped, signals passed on, the master's exit code`,
  { skip: !root && 'unshare --pid needs root' },
  async () => {
    const t = new Running('unshare', ['--pid', '--fork', '--mount-proc', NODE, CLI, '--bind', '127.0.0.1:0', '--workers', '1', 'orphans.mjs']);
    const [, port] = (await t.waitFor(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/)).map(Number);
    await t.waitFor(/Booting worker with pid/);
    const [init] = childPids(t.pid);
    const url = `http://127.0.0.1:${port}`;
    await waitServing(url, t);
    if (!hasExecve) {
      assert.match(
        t.output,
        /Running as process 1 without an init on Node v\d+.*: processes the app leaves behind are not reaped\. Start the container with an init \(docker run --init, tini\), or use Node >= 22\.15/,
      );
    } else {
      assert.match(readFileSync(`/proc/${init}/cmdline`, 'utf8'), /^sh\0-c\0/, 'process 1 is the init shell');
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/orphan`, { headers: { connection: 'close' } })).status, 200);
      await sleep(1000);
      assert.deepEqual(zombiesOf(init!), [], 'every orphan reaped');
    }
    process.kill(init!, 'SIGHUP');
    await t.waitFor(/Handling signal: hup[^]*Booting worker with pid[^]*Worker exiting/);
    assert.equal((await fetch(url, { headers: { connection: 'close' } })).status, 200, 'serving after the HUP passed on');
    process.kill(init!, 'SIGTERM');
    assert.deepEqual(await t.exitWithin(20_000), { code: 0, signal: null }, t.output);
    assert.match(t.output, /Handling signal: term[^]*Shutting down: Master/);
  },
);
