/**
 * daemon (-D): the command returns once the workers serve; the master runs on in a session of its
 * own with stdio on /dev/null, writes its pidfile and error log, and stops on TERM. A daemon that
 * cannot start makes the command fail with its exit code and one line saying where to look.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { listeningLines, runCli } from './helpers/cli.js';
import { alive, exited } from './helpers/proc.js';

/** Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, ... */
const stat = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');

test('-D: the command exits 0 once the workers serve; the daemon has its own session, no terminal output, a pidfile, and stops on TERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-daemon-'));
  const pidfile = join(dir, 'app.pid');
  const errorlog = join(dir, 'error.log');
  const r = await runCli(['-D', '--bind', '127.0.0.1:0', '--workers', '2', '--pid', pidfile, '--error-logfile', errorlog, 'app.mjs']);
  assert.equal(r.code, 0, r.output);
  assert.equal(r.output, '', 'nothing on the terminal');
  const pid = Number(readFileSync(pidfile, 'utf8'));
  try {
    assert.ok(alive(pid));
    const [, , pgrp, session] = stat(pid);
    assert.deepEqual([Number(pgrp), Number(session)], [pid, pid], 'the daemon leads a session of its own');
    for (const fd of [0, 1, 2]) assert.equal(readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null');
    const log = readFileSync(errorlog, 'utf8');
    assert.equal((log.match(/Booting worker with pid/g) ?? []).length, 2, 'both workers had booted when the command returned');
    const [bound] = listeningLines(log);
    assert.equal(await (await fetch(`${bound!.url}/pid`)).status, 200);
  } finally {
    process.kill(pid, 'SIGTERM');
  }
  assert.ok(await exited(pid), 'the daemon stopped on TERM');
  assert.ok(!existsSync(pidfile), 'and removed its pidfile');
  assert.match(readFileSync(errorlog, 'utf8'), /Shutting down: Master/);
});

test("-D with an app that cannot load: the command fails with the daemon's exit code and says where to look", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-daemon-'));
  const errorlog = join(dir, 'error.log');
  const r = await runCli(['-D', '--bind', '127.0.0.1:0', '--workers', '1', '--error-logfile', errorlog, 'throws-at-import.mjs']);
  assert.notEqual(r.code, 0);
  assert.match(r.output, new RegExp(`^tunicorn: the daemon \\(pid \\d+\\) exited \\(code ${r.code}\\) before it served; see ${errorlog}\\.\\n$`));
  assert.match(readFileSync(errorlog, 'utf8'), /throws-at-import/);
});

test('-D with the error log on stderr: a warning that its lines would be lost', async () => {
  const r = await runCli(['-D', '--check-config', 'app.mjs']);
  assert.equal(r.code, 0, 'check-config does not daemonize');
  const bad = await runCli(['-D', '--bind', '127.0.0.1:0', '--workers', '1', 'throws-at-import.mjs']);
  assert.match(bad.output, /daemon: the error log is stderr, which a daemon does not have; set --error-logfile to keep its lines\./);
  assert.match(bad.output, /exited \(code \d+\) before it served; run it without --daemon to see why\./);
});
