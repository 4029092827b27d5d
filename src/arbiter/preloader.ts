/**
 * The interpreter Python workers are forked from. With preload_app it imports the app before any
 * worker starts (a broken app fails before anything binds) and each worker shares the app's pages;
 * without, each worker imports the app after the fork.
 * Workers' control connections come to the master's control socket; their exits come from here.
 */
import { EventEmitter } from 'node:events';
import net, { type Socket } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import type { BootError } from './boot-failures.js';
import { ForkedPythonWorker, pythonSettings, readLines, spawnPython, type PythonBoot } from './python-worker.js';

export class Preloader extends EventEmitter {
  private child;
  private control: Socket | null;
  private server: net.Server;
  private forks = new Map<number, (pid: number) => void>();
  private byAge = new Map<number, ForkedPythonWorker>();
  private byPid = new Map<number, ForkedPythonWorker>();
  private booted: Promise<BootError | null>;
  readonly controlSocket: string;

  constructor(
    runDir: string,
    private app: Omit<PythonBoot, 'socket' | 'stackFile'>,
    config: Config,
    output: number | 'inherit',
    opts: { preload: boolean; generation: number },
  ) {
    super();
    this.controlSocket = join(runDir, `control-${opts.generation}.sock`);
    this.server = net.createServer((sock) => {
      let attached = false;
      // The first line says which worker this is; after that the socket is that worker's.
      const onFirst = (chunk: Buffer) => {
        const nl = chunk.indexOf(10);
        if (attached || nl === -1) return;
        attached = true;
        sock.off('data', onFirst);
        const { age } = JSON.parse(chunk.subarray(0, nl).toString()) as { age: number };
        const w = this.byAge.get(age);
        if (!w) return void sock.destroy();
        const rest = chunk.subarray(nl + 1);
        w.connect(sock);
        if (rest.length) sock.emit('data', rest.toString());
      };
      sock.on('data', onFirst);
      sock.on('error', () => {});
    });
    this.server.listen(this.controlSocket);
    this.child = spawnPython('tunicorn_worker.preloader', { ...pythonSettings(0, { ...app, socket: '', stackFile: '' }, config), preload: opts.preload }, config, output);
    this.control = (this.child.stdio[3] as Socket | undefined) ?? null;
    let settle: (err: BootError | null) => void;
    this.booted = new Promise((resolve) => (settle = resolve));
    if (this.control) {
      readLines(this.control, (msg) => {
        if (msg.type === 'ready') settle(null);
        else if (msg.type === 'boot_error') settle(msg as unknown as BootError);
        else if (msg.type === 'forked') this.forks.get(msg.age as number)?.(msg.pid as number);
        else if (msg.type === 'exited') {
          const w = this.byPid.get(msg.pid as number);
          if (!w) return;
          this.byPid.delete(w.pid);
          this.byAge.delete(w.age);
          w.emit('exit', msg.code ?? null, msg.signal ?? null);
        }
      });
    }
    this.child.on('exit', (code, signal) => {
      settle({ message: `the preloading interpreter exited (${signal ?? `code ${code}`}) before the app was imported` });
      this.emit('exit', code, signal);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves with null once the app is imported, or with why it could not be. */
  ready(): Promise<BootError | null> {
    return this.booted;
  }

  /** Fork a worker from the preloaded app; resolves with the worker once its pid is known. */
  fork(age: number, paths: { socket: string; stackFile: string }, config: Config): Promise<ForkedPythonWorker> {
    const boot: PythonBoot = { ...this.app, ...paths };
    const worker = new ForkedPythonWorker(age, boot);
    this.byAge.set(age, worker);
    this.control?.write(`${JSON.stringify({ type: 'fork', settings: pythonSettings(age, boot, config, this.controlSocket) })}\n`);
    return new Promise((resolve) => {
      this.forks.set(age, (pid) => {
        this.forks.delete(age);
        worker.pid = pid;
        this.byPid.set(pid, worker);
        resolve(worker);
      });
    });
  }

  /** Workers it forked that are still running (the master must not wait on them forever if it dies). */
  orphans(): ForkedPythonWorker[] {
    return [...this.byPid.values()];
  }

  stop(): void {
    this.server.close();
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }

  /** Stop it and wait (up to `ms`) until it has exited, so the master leaves nothing behind. */
  async stopAndWait(ms = 2000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      setTimeout(resolve, ms).unref();
    });
    this.stop();
    await exited;
  }
}
