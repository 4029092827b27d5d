/**
 * The control socket's commands, with Gunicorn 25's names, arguments and reply fields
 * (gunicorn/ctl/handlers.py), so gunicornc and scripts written for it work unchanged. tunicorn adds
 * fields (state, requests, uptime, kind, fronts) and never removes one.
 */
import type { Supervised } from '../arbiter/supervised.js';
import { splitArgs } from '../config/cli-args.js';
import { configView } from './config-view.js';
import type { ControlSource } from './source.js';
import { handleFd } from '../node-internals.js';

/** A command that cannot run as given: its reply is {status: "error", error: message}. */
export class CommandError extends Error {}

export interface Outcome {
  data: Record<string, unknown>;
  /** Runs once the reply is written (shutdown would otherwise close the socket before it). */
  after?: () => void;
}

/** The most workers `workers` accepts (src/config/settings.ts). */
const MAX_WORKERS = 1024;

export const HELP: Record<string, string> = {
  'show all': 'Show all processes (master, workers, fronts)',
  'show workers': 'List workers with their status',
  'show dirty': 'Gunicorn dirty workers (none in tunicorn)',
  'show config': 'Show current effective configuration (secrets masked)',
  'show stats': 'Show server statistics',
  'show listeners': 'Show bound sockets',
  'worker add [N]': 'Spawn N workers (default 1)',
  'worker remove [N]': 'Remove N workers (default 1)',
  'worker kill <PID>': 'Replace a worker: a new one starts, then it stops gracefully',
  reload: 'Graceful reload (HUP)',
  reopen: 'Reopen log files (USR1)',
  'shutdown [graceful|quick]': 'Shutdown server (TERM/INT)',
  help: 'Show this help message',
};

const seconds = (ms: number) => Math.round(ms / 10) / 100;

/** Gunicorn's worker fields, then tunicorn's. */
function workerRow(w: Supervised, now: number): Record<string, unknown> {
  return {
    pid: w.pid,
    age: w.age,
    booted: w.state !== 'booting',
    aborted: w.timedOut,
    last_heartbeat: seconds(Math.max(0, now - w.lastBeat)),
    kind: w.kind,
    state: w.state,
    requests: w.requests,
    connections: w.connections,
    uptime: seconds(now - w.startedAt),
  };
}

function rows(src: ControlSource, fronts: boolean): Array<Record<string, unknown>> {
  const now = Date.now();
  return src
    .workers()
    .filter((w) => (w.kind === 'front') === fronts)
    .sort((a, b) => a.age - b.age)
    .map((w) => workerRow(w, now));
}

function showWorkers(src: ControlSource): Record<string, unknown> {
  const workers = rows(src, false);
  return { workers, count: workers.length, ...(src.python ? { fronts: rows(src, true) } : {}) };
}

function showAll(src: ControlSource): Record<string, unknown> {
  const web = rows(src, false).map((w) => ({ ...w, type: 'web' }));
  const fronts = rows(src, true).map((w) => ({ ...w, type: 'front' }));
  return {
    arbiter: { pid: process.pid, type: 'arbiter', role: 'master' },
    web_workers: web,
    web_worker_count: web.length,
    dirty_arbiter: null,
    dirty_workers: [],
    dirty_worker_count: 0,
    ...(src.python ? { fronts, front_count: fronts.length } : {}),
  };
}

function showStats(src: ControlSource): Record<string, unknown> {
  const { counts } = src;
  return {
    uptime: seconds(Date.now() - counts.started),
    pid: process.pid,
    workers_current: src.workers().filter((w) => w.kind !== 'front').length,
    workers_target: src.numWorkers(),
    workers_spawned: counts.spawned,
    workers_killed: counts.killed,
    reloads: counts.reloads,
    dirty_arbiter_pid: null,
  };
}

function showListeners(src: ControlSource): Record<string, unknown> {
  const listeners = src.listeners().map((l) => {
    const fd = handleFd(l.handle);
    const type = l.spec.kind === 'unix' ? 'unix' : typeof l.address === 'object' && l.address.family === 'IPv6' ? 'tcp6' : 'tcp';
    return { address: l.url, fd: fd >= 0 ? fd : null, type };
  });
  return { listeners, count: listeners.length };
}

/** A count argument: a whole number of at least 1 (Gunicorn turns 0 and below into 1; a typo should not add a worker). */
function count(args: string[], what: string): number {
  const raw = args[0];
  if (raw === undefined) return 1;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new CommandError(`Invalid argument: ${what} takes a whole number of 1 or more, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** The socket serves until the master exits (show workers during a graceful stop), but changes nothing then. */
function notStopping(src: ControlSource): void {
  if (src.shuttingDown()) throw new CommandError('The server is shutting down');
}

function workerCommand(src: ControlSource, args: string[]): Outcome {
  const [action, ...rest] = args;
  if (!action) throw new CommandError('Missing worker action (add|remove|kill)');
  notStopping(src);
  switch (action.toLowerCase()) {
    case 'add': {
      const n = count(rest, 'worker add');
      const previous = src.numWorkers();
      if (previous + n > MAX_WORKERS) throw new CommandError(`Invalid argument: ${previous} + ${n} workers is more than the most, ${MAX_WORKERS}`);
      src.setWorkers(previous + n);
      return { data: { added: n, previous, total: previous + n } };
    }
    case 'remove': {
      const n = count(rest, 'worker remove');
      const previous = src.numWorkers();
      const total = Math.max(1, previous - n);
      if (total !== previous) src.setWorkers(total);
      return { data: { removed: previous - total, previous, total } };
    }
    case 'kill': {
      const raw = rest[0];
      if (raw === undefined) throw new CommandError('Missing PID for worker kill');
      if (!/^\d+$/.test(raw)) throw new CommandError(`Invalid argument: worker kill takes a worker's pid, not ${JSON.stringify(raw)}`);
      const pid = Number(raw);
      const w = src.workers().find((x) => x.pid === pid);
      // Gunicorn's reply for a pid that is not one of its workers: ok, with success false.
      if (!w) return { data: { success: false, error: `Worker ${pid} not found` } };
      src.replace(w);
      return { data: { success: true, killed: pid } };
    }
    default:
      throw new CommandError(`Unknown worker action: ${action} (add|remove|kill)`);
  }
}

function show(src: ControlSource, args: string[]): Outcome {
  const target = args[0]?.toLowerCase();
  switch (target) {
    case 'all':
      return { data: showAll(src) };
    case 'workers':
      return { data: showWorkers(src) };
    case 'config':
      return { data: configView(src.config()) };
    case 'stats':
      return { data: showStats(src) };
    case 'listeners':
      return { data: showListeners(src) };
    case 'dirty':
      return { data: { enabled: false, pid: null, workers: [], apps: [] } };
    case undefined:
      throw new CommandError('Missing show target (all|workers|config|stats|listeners)');
    default:
      throw new CommandError(`Unknown show target: ${args[0]} (all|workers|config|stats|listeners)`);
  }
}

/** Run one request's command line ("worker add" with args ["2"], or "worker add 2"). */
export function runCommand(src: ControlSource, command: string, args: unknown[]): Outcome {
  const parts = [...splitArgs(command), ...args.map(String)];
  const [cmd, ...rest] = parts;
  if (!cmd) throw new CommandError('Empty command');
  switch (cmd.toLowerCase()) {
    case 'show':
      return show(src, rest);
    case 'worker':
      return workerCommand(src, rest);
    case 'reload':
      notStopping(src);
      src.signal('SIGHUP');
      return { data: { status: 'reloading' } };
    case 'reopen':
      src.signal('SIGUSR1');
      return { data: { status: 'reopening' } };
    case 'shutdown': {
      const mode = (rest[0] ?? 'graceful').toLowerCase();
      if (mode !== 'graceful' && mode !== 'quick') throw new CommandError(`Invalid argument: shutdown takes graceful or quick, not ${JSON.stringify(rest[0])}`);
      return { data: { status: 'shutting_down', mode }, after: () => src.signal(mode === 'quick' ? 'SIGINT' : 'SIGTERM') };
    }
    case 'dirty':
      return { data: { success: false, error: 'Dirty arbiter not running' } };
    case 'help':
      return { data: { commands: HELP } };
    default:
      throw new CommandError(`Unknown command: ${cmd}; "help" lists the commands`);
  }
}
