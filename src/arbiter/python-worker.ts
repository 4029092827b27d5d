/**
 * The Python runtime: `python -m tunicorn_worker` from the package's python/ folder, its settings
 * in TUNICORN_PY_WORKER, control messages as JSON lines on fd 3 (Node's IPC channel is for Node
 * children only), requests from the fronts on its own unix socket (docs/python-workers.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/types.js';
import type { MasterMessage, WorkerMessage } from '../workers/protocol.js';
import type { Blocked } from './stack-dump.js';
import { Supervised } from './supervised.js';
import { workerEnv } from './worker-process.js';
import { ownerOf } from '../workers/privileges.js';

/** The shipped Python package's parent folder. */
export const PYTHON_DIR = fileURLToPath(new URL('../../python', import.meta.url));

export interface PythonBoot {
  app: string;
  workerClass: 'sync' | 'gevent' | 'gthread';
  socket: string;
  stackFile: string;
  configFile: string | null;
}

/** How many requests a Python worker runs at once, which is what the fronts may send it. */
export function capacityOf(config: Config, workerClass: PythonBoot['workerClass']): number {
  return workerClass === 'sync' ? 1 : workerClass === 'gthread' ? config.threads : config.worker_connections;
}

/** The worker's settings, as TUNICORN_PY_WORKER carries them (docs/python-workers.md). */
export function pythonSettings(age: number, boot: PythonBoot, config: Config, controlSocket?: string): Record<string, unknown> {
  return {
    app: boot.app,
    chdir: config.chdir,
    pythonpath: config.pythonpath,
    worker_class: boot.workerClass,
    worker_connections: config.worker_connections,
    threads: config.threads,
    timeout: config.timeout,
    graceful_timeout: config.graceful_timeout,
    max_requests: config.max_requests,
    max_requests_jitter: config.max_requests_jitter,
    socket: boot.socket,
    stack_file: boot.stackFile,
    config_file: boot.configFile?.endsWith('.py') ? boot.configFile : null,
    age,
    errorlog: config.errorlog,
    loglevel: config.loglevel,
    log_format: config.log_format,
    proc_name: config.proc_name,
    owner: ownerOf(config),
    statsd: config.statsd_host !== null,
    ...(controlSocket ? { control_socket: controlSocket } : {}),
  };
}

/**
 * glibc's defaults give freed heap back to the kernel once 128 KiB lie free at its top and map each
 * block of 128 KiB or more on its own, so a worker reading large request bodies faults its memory
 * in again for every request (docs/python-workers.md). Set unless the environment sets either.
 */
const MALLOC_ENV: NodeJS.ProcessEnv = { MALLOC_TRIM_THRESHOLD_: String(32 << 20), MALLOC_MMAP_THRESHOLD_: String(4 << 20) };
const mallocEnv = (): NodeJS.ProcessEnv => (process.env.MALLOC_TRIM_THRESHOLD_ === undefined && process.env.MALLOC_MMAP_THRESHOLD_ === undefined ? MALLOC_ENV : {});

/** Spawn `python -m MODULE` from the shipped package with settings in TUNICORN_PY_WORKER and a control channel on fd 3. */
export function spawnPython(module: string, settings: Record<string, unknown>, config: Config, output: number | 'inherit'): ChildProcess {
  const pythonPath = [PYTHON_DIR, ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])].join(delimiter);
  return spawn(config.python, ['-m', module], {
    cwd: config.chdir,
    env: workerEnv(config, { ...mallocEnv(), PYTHONPATH: pythonPath, TUNICORN_PY_WORKER: JSON.stringify(settings), PYTHONUNBUFFERED: '1' }),
    stdio: ['ignore', output, output, 'pipe'],
  });
}

/** Newline-delimited JSON messages from a socket. */
export function readLines(sock: Socket, onMessage: (msg: Record<string, unknown>) => void): void {
  let buffered = '';
  sock.setEncoding('utf8');
  sock.on('data', (text: string) => {
    buffered += text;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        onMessage(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not a protocol line: nothing the master can act on */
      }
    }
  });
  sock.on('error', () => {});
}

/** What both kinds of Python worker share: the control socket and the stack file. */
export abstract class PythonProcess extends Supervised {
  readonly kind = 'python' as const;
  protected control: Socket | null = null;

  constructor(
    age: number,
    readonly boot: PythonBoot,
  ) {
    super(age);
  }

  protected attach(sock: Socket): void {
    this.control = sock;
    readLines(sock, (msg) => this.emit('message', msg as WorkerMessage));
    sock.on('close', () => (this.control = null));
  }

  get connected(): boolean {
    return this.control !== null && !this.control.destroyed;
  }

  send(msg: MasterMessage): void {
    if (this.connected) this.control!.write(`${JSON.stringify(msg)}\n`);
  }

  /** Its requests are known to the fronts (the master asks them); the stack is read here. */
  async readBlocked(): Promise<Blocked> {
    return { stack: await this.readStack(), running: null };
  }

  /** faulthandler writes every thread's stack to the stack file on USR2, even from a C-level loop. */
  private async readStack(): Promise<string | null> {
    this.kill('SIGUSR2');
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        if (readFileSync(this.boot.stackFile, 'utf8').trim()) {
          await new Promise((r) => setTimeout(r, 100));
          return readFileSync(this.boot.stackFile, 'utf8').trim();
        }
      } catch {
        /* not written yet */
      }
    }
    return null;
  }
}

/** A Python worker the master starts itself. */
export class PythonWorker extends PythonProcess {
  readonly child: ChildProcess;
  readonly pid: number;

  constructor(age: number, boot: PythonBoot, config: Config, output: number | 'inherit') {
    super(age, boot);
    this.child = spawnPython('tunicorn_worker', pythonSettings(age, boot, config), config, output);
    this.pid = this.child.pid ?? -1;
    const fd3 = this.child.stdio[3] as Socket | undefined;
    if (fd3) this.attach(fd3);
    this.child.on('exit', (code, signal) => this.emit('exit', code, signal));
    this.child.on('error', (err) => this.emit('error', err));
  }
}

/**
 * A Python worker forked by the preloader (preload_app): its pid comes from the preloader, its
 * control socket connects to the master's, and the preloader reports its exit.
 */
export class ForkedPythonWorker extends PythonProcess {
  pid = -1;
  /** Events that came before the master listened (the fork's answer and the worker race). */
  private early: Array<[string, unknown[]]> | null = [];

  /** The worker's control connection arrived (it says hello with its age). */
  connect(sock: Socket): void {
    this.attach(sock);
  }

  override emit(event: string, ...args: unknown[]): boolean {
    if (this.early) {
      this.early.push([event, args]);
      return true;
    }
    return super.emit(event, ...args);
  }

  override listening(): void {
    const early = this.early ?? [];
    this.early = null;
    for (const [event, args] of early) super.emit(event, ...args);
  }
}

export const socketPaths = (runDir: string, age: number) => ({ socket: join(runDir, `w${age}.sock`), stackFile: join(runDir, `w${age}.stack`) });
