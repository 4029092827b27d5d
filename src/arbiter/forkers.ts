/**
 * The interpreters Python workers are forked from: a new worker costs a fork, not an interpreter
 * start (what Gunicorn's fork from its master saves). With preload_app it imports the app first
 * (a broken app fails before anything binds) and workers share its pages; without, each worker
 * imports the app after the fork, so HUP brings fresh code (a new forker takes the new config).
 */
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import { Preloader } from './preloader.js';
import { socketPaths, type ForkedPythonWorker, type PythonBoot } from './python-worker.js';

export interface ForkersHost {
  log: ErrorLog;
  /** Where the workers' sockets and stack files live. */
  runDir: string;
  output: number | 'inherit';
  configFile: string | null;
  workerClass: PythonBoot['workerClass'];
  /** Shut down with no worker left: a forker's exit is expected. */
  finished(): boolean;
  /** The forker in use exited (its workers with it): the reason to stop. */
  lost(reason: string): void;
}

export class PythonForkers {
  private current: Preloader | null = null;
  /** Forkers of earlier generations whose workers are still stopping (see replace). */
  private old: Preloader[] = [];
  private generation = 0;

  constructor(private readonly host: ForkersHost) {}

  /** Start a forker for `config`; false (the reason logged) when it cannot start or load the app. */
  async start(config: Config, appSpec: string): Promise<boolean> {
    const { log } = this.host;
    const preload = config.preload_app;
    const preloader = new Preloader(this.host.runDir, { app: appSpec, workerClass: this.host.workerClass, configFile: this.host.configFile }, config, this.host.output, {
      preload,
      generation: ++this.generation,
    });
    const failure = await preloader.ready();
    if (failure) {
      if (failure.stack) log.exception('Exception while preloading the app:', failure.stack);
      else log.error(failure.message);
      log.error(preload ? 'App failed to load.' : 'The Python interpreter failed to start.');
      preloader.stop();
      return false;
    }
    this.current = preloader;
    preloader.on('exit', (code: number | null, signal: string | null) => {
      if (this.host.finished() || preloader !== this.current) return;
      // Its workers die with it (PDEATHSIG) and nobody could report their exits: start afresh.
      for (const w of preloader.orphans()) {
        w.kill('SIGKILL');
        w.emit('exit', null, 'SIGKILL');
      }
      this.host.lost(`The interpreter Python workers are forked from (pid:${preloader.pid}) exited (${signal ?? `code ${code}`}).`);
    });
    return true;
  }

  /** HUP: a forker for the new config; the old one stops once its workers have. False (the old one kept) if the new one cannot start. */
  async replace(config: Config, appSpec: string): Promise<boolean> {
    const old = this.current;
    if (!(await this.start(config, appSpec))) return false;
    if (old) this.old.push(old);
    this.stopIdle();
    return true;
  }

  fork(age: number, config: Config): Promise<ForkedPythonWorker> | null {
    return this.current?.fork(age, socketPaths(this.host.runDir, age), config) ?? null;
  }

  /** Forkers replaced by a reload stop once no worker they forked is left. */
  stopIdle(): void {
    this.old = this.old.filter((f) => {
      if (f.orphans().length > 0) return true;
      f.stop();
      return false;
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all([this.current, ...this.old].map((f) => f?.stopAndWait()));
  }
}
