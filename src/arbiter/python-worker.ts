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
import { Supervised } from './supervised.js';
import { workerEnv } from './worker-process.js';

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

export class PythonWorker extends Supervised {
  readonly kind = 'python' as const;
  readonly child: ChildProcess;
  readonly pid: number;
  private control: Socket | null;

  constructor(
    age: number,
    readonly boot: PythonBoot,
    config: Config,
    output: number | 'inherit',
  ) {
    super(age);
    const settings = {
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
    };
    const pythonPath = [PYTHON_DIR, ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])].join(delimiter);
    this.child = spawn(config.python, ['-m', 'tunicorn_worker'], {
      cwd: config.chdir,
      env: workerEnv(config, { PYTHONPATH: pythonPath, TUNICORN_PY_WORKER: JSON.stringify(settings), PYTHONUNBUFFERED: '1' }),
      stdio: ['ignore', output, output, 'pipe'],
    });
    this.pid = this.child.pid ?? -1;
    this.control = (this.child.stdio[3] as Socket | undefined) ?? null;
    let buffered = '';
    this.control?.setEncoding('utf8');
    this.control?.on('data', (text: string) => {
      buffered += text;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.trim()) continue;
        try {
          this.emit('message', JSON.parse(line) as WorkerMessage);
        } catch {
          /* not a protocol line: nothing the master can act on */
        }
      }
    });
    this.control?.on('error', () => {});
    this.control?.on('close', () => (this.control = null));
    this.child.on('exit', (code, signal) => this.emit('exit', code, signal));
    this.child.on('error', (err) => this.emit('error', err));
  }

  get connected(): boolean {
    return this.control !== null && !this.control.destroyed;
  }

  send(msg: MasterMessage): void {
    if (this.connected) this.control!.write(`${JSON.stringify(msg)}\n`);
  }

  /** faulthandler writes every thread's stack to the stack file on USR2, even from a C-level loop. */
  async readStack(): Promise<string | null> {
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

export const socketPaths = (runDir: string, age: number) => ({ socket: join(runDir, `w${age}.sock`), stackFile: join(runDir, `w${age}.stack`) });
