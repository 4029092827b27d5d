/** The master's record of one worker process. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/types.js';
import { bootEnv, type WorkerBoot } from '../workers/boot.js';
import { WORKER_ENV, type MasterMessage } from '../workers/protocol.js';

export type WorkerState = 'booting' | 'ready' | 'retiring' | 'stopping';

const WORKER_MAIN = fileURLToPath(new URL('../workers/main.js', import.meta.url));

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  state: WorkerState = 'booting';
  lastBeat = Date.now();
  requests = 0;
  connections = 0;
  /** Set once the master has decided this worker must go (stop, kill): its exit is expected. */
  expectedExit = false;
  timedOut = false;
  stopDeadline: number | null = null;

  constructor(readonly age: number, readonly inspectPort: number, boot: WorkerBoot, config: Config, output: number | 'inherit') {
    const env: NodeJS.ProcessEnv = { ...process.env, [WORKER_ENV]: bootEnv(boot) };
    for (const kv of config.raw_env) {
      const i = kv.indexOf('=');
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    this.child = fork(WORKER_MAIN, [], {
      cwd: config.chdir,
      env,
      // Node flags given to the master (`node --cpu-prof tunicorn ...`) apply to workers too, as with
      // cluster.fork(), except the inspector's: the inspector stays off until the master needs a
      // stuck worker's stack (SIGUSR1), on a port of its own, its URL published over HTTP only.
      execArgv: [...process.execArgv.filter((a) => !a.startsWith('--inspect')), `--inspect-port=127.0.0.1:${inspectPort}`, '--inspect-publish-uid=http'],
      stdio: ['ignore', output, output, 'ipc'],
      serialization: 'json',
    });
    this.pid = this.child.pid ?? -1;
  }

  send(msg: MasterMessage, handle?: object): void {
    if (!this.child.connected) return;
    try {
      this.child.send(msg, handle as never, (err) => {
        if (err && this.state !== 'stopping') this.kill('SIGTERM');
      });
    } catch {
      /* the channel closed under us; the exit handler takes it from here */
    }
  }

  kill(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /**
   * Ask for a graceful stop: stop accepting, finish in-flight requests, exit. `shutdown` (TERM)
   * also closes idle keep-alive connections at once; a retirement leaves them to the keep-alive
   * timeout so no client request is lost in the race.
   */
  stop(gracefulTimeout: number, shutdown = false): void {
    if (this.state === 'stopping' && !shutdown) return;
    this.state = 'stopping';
    this.expectedExit = true;
    this.stopDeadline ??= Date.now() + gracefulTimeout * 1000 + 1000;
    if (shutdown || !this.child.connected) this.kill('SIGTERM');
    else this.send({ type: 'stop' });
  }
}
