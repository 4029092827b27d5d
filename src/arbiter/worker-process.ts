/** The Node runtime: a worker forked from workers/main.js, messaged over Node's IPC channel. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/types.js';
import { bootEnv, type WorkerBoot } from '../workers/boot.js';
import { WORKER_ENV, type MasterMessage } from '../workers/protocol.js';
import { dumpStack, type Blocked } from './stack-dump.js';
import { workerFlags } from './worker-flags.js';
import { Supervised, type WorkerKind } from './supervised.js';

export type { WorkerState } from './supervised.js';

const WORKER_MAIN = fileURLToPath(new URL('../workers/main.js', import.meta.url));

/** The environment of a worker process: the master's, with raw_env on top. */
export function workerEnv(config: Config, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const kv of config.raw_env) {
    const i = kv.indexOf('=');
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

export class WorkerProcess extends Supervised {
  readonly child: ChildProcess;
  readonly pid: number;

  constructor(
    age: number,
    readonly kind: WorkerKind,
    readonly inspectPort: number,
    boot: WorkerBoot,
    config: Config,
    output: number | 'inherit',
  ) {
    super(age);
    this.child = fork(WORKER_MAIN, [], {
      cwd: config.chdir,
      env: workerEnv(config, { [WORKER_ENV]: bootEnv(boot) }),
      // Node flags given to the master (`node --cpu-prof tunicorn ...`) apply to workers too, as with
      // cluster.fork(), except the inspector's: the inspector stays off until the master needs a
      // stuck worker's stack (SIGUSR1), on a port of its own, its URL published over HTTP only.
      execArgv: [...process.execArgv.filter((a) => !a.startsWith('--inspect')), `--inspect-port=127.0.0.1:${inspectPort}`, '--inspect-publish-uid=http', ...workerFlags(kind)],
      stdio: ['ignore', output, output, 'ipc'],
      serialization: 'json',
    });
    this.pid = this.child.pid ?? -1;
    this.child.on('message', (msg) => this.emit('message', msg));
    this.child.on('exit', (code, signal) => this.emit('exit', code, signal));
    this.child.on('error', (err) => this.emit('error', err));
  }

  get connected(): boolean {
    return this.child.connected;
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

  readBlocked(): Promise<Blocked> {
    return dumpStack(this.pid, this.inspectPort);
  }
}
