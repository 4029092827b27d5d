/**
 * USR2, as Gunicorn does it: the master starts a new master from the current binary and command
 * line, handing it the listening sockets (as fds 3, 4, ... named in TUNICORN_FD), so both serve
 * on them until the operator sends WINCH and TERM to the old one, or QUIT to the new one to roll
 * back. The pidfile becomes PIDFILE.oldbin for the old master while the new one writes PIDFILE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import type { BindSpec, Listener } from '../sockets.js';
import { handleFd } from '../node-internals.js';

/** The inherited sockets' fds, in bind order. */
export const FD_ENV = 'TUNICORN_FD';
/** The status bind's socket, when there is one. */
export const STATUS_FD_ENV = 'TUNICORN_STATUS_FD';
/** The pid of the master that started this one: set while the old master is still there. */
export const PARENT_ENV = 'TUNICORN_PID';

/** Where the master was started: the new master starts from the same directory. */
const START_CWD = process.cwd();

/** The old master's pid when this master was started by USR2, else 0. */
export function parentMaster(env: NodeJS.ProcessEnv): number {
  const pid = Number(env[PARENT_ENV]);
  return Number.isInteger(pid) && pid > 1 ? pid : 0;
}

/**
 * The sockets a USR2 master inherits, each standing for the configured bind at its position (for
 * the startup line and for removing a unix socket at the end); null when this master bound its own.
 */
export function inheritedBinds(env: NodeJS.ProcessEnv, configured: BindSpec[]): Array<Extract<BindSpec, { kind: 'fd' }>> | null {
  const list = env[FD_ENV];
  if (!list || !parentMaster(env)) return null;
  const fds = list.split(',').map(Number);
  const same = fds.length === configured.length;
  return fds.map((fd, i) => ({ kind: 'fd' as const, text: `fd://${fd}`, fd, ...(same ? { as: configured[i] } : {}) }));
}

export function inheritedStatusFd(env: NodeJS.ProcessEnv): number | undefined {
  const fd = Number(env[STATUS_FD_ENV]);
  return env[STATUS_FD_ENV] && parentMaster(env) && Number.isInteger(fd) ? fd : undefined;
}

/** Start the new master with the listening sockets (and the status socket) as its fds 3, 4, ... */
export function spawnMaster(listeners: Listener[], statusHandle: object | null): ChildProcess {
  const fds = listeners.map((l) => handleFd(l.handle));
  if (statusHandle) fds.push(handleFd(statusHandle));
  const env: NodeJS.ProcessEnv = { ...process.env, [PARENT_ENV]: String(process.pid), [FD_ENV]: listeners.map((_, i) => 3 + i).join(',') };
  if (statusHandle) env[STATUS_FD_ENV] = String(3 + listeners.length);
  else delete env[STATUS_FD_ENV];
  // systemd's LISTEN_PID names the old master: the new one reads TUNICORN_FD instead.
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { cwd: START_CWD, env, stdio: ['inherit', 'inherit', 'inherit', ...fds] });
  child.unref();
  return child;
}

/** Move a pidfile aside or back, when it is there. */
export function movePidfile(from: string, to: string): boolean {
  if (!existsSync(from)) return false;
  try {
    renameSync(from, to);
    return true;
  } catch {
    return false;
  }
}
