/**
 * Master hooks written in Python (a gunicorn.conf.py's on_starting, child_exit, ...) run in one
 * long-lived interpreter beside the master, so recipes like prometheus_client's
 * `child_exit(server, worker): multiprocess.mark_process_dead(worker.pid)` work as written.
 * Calls go in order; the master waits for on_starting, when_ready and on_exit, as Gunicorn does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { delimiter } from 'node:path';
import { PYTHON_DIR } from '../arbiter/python-worker.js';
import type { Config, WorkerInfo } from '../config/types.js';

export const MASTER_HOOKS = ['on_starting', 'on_reload', 'when_ready', 'pre_fork', 'child_exit', 'nworkers_changed', 'on_exit', 'pre_exec'];
const AWAITED = new Set(['on_starting', 'when_ready', 'on_exit']);

export class PythonMasterHooks {
  private child: ChildProcess;
  private waiting: Array<() => void> = [];

  constructor(config: Config, configFile: string, output: number | 'inherit') {
    const settings = {
      config_file: configFile,
      chdir: config.chdir,
      pythonpath: config.pythonpath,
      errorlog: config.errorlog,
      loglevel: config.loglevel,
      log_format: config.log_format,
      cfg: {
        workers: config.workers,
        bind: config.bind,
        timeout: config.timeout,
        worker_class: config.worker_class_str,
        worker_connections: config.worker_connections,
        max_requests: config.max_requests,
      },
    };
    const pythonPath = [PYTHON_DIR, ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])].join(delimiter);
    this.child = spawn(config.python, ['-m', 'tunicorn_worker.master_hooks'], {
      cwd: config.chdir,
      env: { ...process.env, PYTHONPATH: pythonPath, TUNICORN_PY_HOOKS: JSON.stringify(settings) },
      stdio: ['pipe', 'pipe', output],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      for (const _ of text.match(/done\n/g) ?? []) this.waiting.shift()?.();
    });
    this.child.on('exit', () => this.waiting.splice(0).forEach((w) => w()));
    this.child.stdin!.on('error', () => {});
  }

  /** Run a hook; resolves when it has run (awaited hooks) or at once. */
  call(hook: string, state: { numWorkers: number; workers: WorkerInfo[] }, args: unknown[] = []): Promise<void> {
    if (this.child.exitCode !== null || !this.child.stdin!.writable) return Promise.resolve();
    const ack = AWAITED.has(hook);
    this.child.stdin!.write(`${JSON.stringify({ hook, args, num_workers: state.numWorkers, workers: state.workers, ack })}\n`);
    if (!ack) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Let the interpreter finish what it was given, then exit. */
  close(): void {
    this.child.stdin!.end();
  }
}
