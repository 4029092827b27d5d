/**
 * Every process a test file starts, so that none outlives the file and a hang fails fast.
 *
 * launch() spawns each command as the leader of a process group of its own (detached), so the
 * group id is the pid the test started. Stopping that group stops the command, the tunicorn master
 * under it (npx and npm sit in between and can exit without passing a signal on, leaving the master
 * orphaned) and the master's workers, even when the pid the test started is gone already.
 *
 * When the file ends, pass or fail, whatever is left in those groups (and any other child of the
 * file's process, such as an attack tool spawned directly) is killed and named on stderr. Each
 * file also has a deadline (fileTimeout: 120 s unless the file sets its own, or
 * TUNICORN_TEST_FILE_TIMEOUT for every file): past it the file fails, naming each process still
 * running (pid and command line), instead of the runner waiting on it for ever. The processes are
 * also killed when the file's process is interrupted (Ctrl-C) or stopped by the runner: in groups
 * of their own, they do not get the terminal's signal themselves.
 *
 * Import this only from test files: it registers node:test hooks and a timer.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FILE = process.argv[1] ? relative(ROOT, process.argv[1]) : 'this test file';

/** Process group id (= the launched pid) → the command line it was launched with. */
const groups = new Map<number, string>();

export function launch(command: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...opts, detached: true });
  const pgid = child.pid;
  if (pgid !== undefined) {
    groups.set(pgid, [command, ...args].join(' '));
    // Forget a group once it is empty, so that a recycled pid is never mistaken for it.
    child.once('exit', () => {
      if (!groupAlive(pgid)) groups.delete(pgid);
    });
  }
  return child;
}

/** SIGKILL the launched process and everything in its group (its workers, a master npm left). */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* the group is empty */
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Left {
  pid: number;
  /** The launched group it is in, or null for a child of this process spawned without launch(). */
  pgid: number | null;
  cmdline: string;
}

/** Pids of this process's own children (spawned without launch() they stay in the runner's group). */
function ownChildren(): Set<number> {
  const pids = new Set<number>();
  try {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      for (const pid of readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) pids.add(Number(pid));
    }
  } catch {
    /* no /proc: nothing to add */
  }
  return pids;
}

/** Live processes (zombies excepted) in the launched groups, and this process's other children, from /proc. */
function leftRunning(): Left[] {
  const left: Left[] = [];
  const children = ownChildren();
  if (groups.size === 0 && children.size === 0) return left;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    let cmdline: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command name, which may hold spaces and parentheses: state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(name);
    const inGroup = groups.has(Number(pgrp));
    if (state === 'Z' || (!inGroup && !children.has(pid))) continue;
    // The TypeScript loader's own child (tsx runs esbuild as a service), not a test's.
    if (!inGroup && /\/esbuild --service=/.test(cmdline.replaceAll('\0', ' '))) continue;
    left.push({ pid, pgid: inGroup ? Number(pgrp) : null, cmdline: cmdline.split('\0').filter(Boolean).join(' ') });
  }
  return left;
}

/** Kill whatever is left; returns one line per process that was left. */
function stopLeft(): string[] {
  const left = leftRunning();
  const kill = (id: number) => {
    try {
      process.kill(id, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  };
  // A launched group as a whole; any other child by its pid alone (its group is the runner's).
  for (const pgid of new Set(left.map((p) => p.pgid))) if (pgid !== null) kill(-pgid);
  for (const p of left) if (p.pgid === null) kill(p.pid);
  return left.map((p) => `pid ${p.pid}: ${p.cmdline}${p.pgid === null || p.pid === p.pgid ? '' : ` (started by: ${groups.get(p.pgid)})`}`);
}

function report(what: string, left: string[]): void {
  if (left.length) console.error(`${FILE}: ${what}; killed what was still running:\n  ${left.join('\n  ')}`);
}

after(() => report('tests ended', stopLeft()));

let deadline: NodeJS.Timeout | undefined;
const envTimeout = Number(process.env.TUNICORN_TEST_FILE_TIMEOUT) || 0;

/** Fail the whole file, naming what it left running, if it has not finished after `seconds`. */
export function fileTimeout(seconds: number): void {
  const s = envTimeout || seconds;
  clearTimeout(deadline);
  // unref: the deadline itself must not keep a finished file alive.
  deadline = setTimeout(() => {
    const left = stopLeft();
    if (left.length) report(`did not finish within its ${s} s file timeout`, left);
    else console.error(`${FILE}: did not finish within its ${s} s file timeout; it had no process left running.`);
    process.exit(1);
  }, s * 1000).unref();
}
fileTimeout(120);

// Stopped by the runner or interrupted: the groups would survive this process otherwise.
for (const [sig, n] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
] as const) {
  process.once(sig, () => {
    report(`got ${sig}`, stopLeft());
    process.exit(128 + n);
  });
}
process.once('exit', () => void stopLeft());
