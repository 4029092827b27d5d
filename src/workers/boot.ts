/** What the master hands a new worker (as JSON in the TUNICORN_WORKER variable). */
import type { Config } from '../config/types.js';
import type { Owner } from './privileges.js';
import { WORKER_ENV } from './protocol.js';

export interface WorkerBoot {
  /** Settings without hooks (functions do not cross processes; hooks are re-read from configFile). */
  config: Config;
  configFile: string | null;
  appSpec: string;
  /** The worker's age: a counter the master increments for each worker it starts. */
  age: number;
  /** Number of listening sockets the master will send. */
  binds: number;
  /** The first bind's address, as `server.address()` reports it to an app that calls listen(). */
  address: { address: string; family: string; port: number } | string | null;
  /** A front for Python workers: the master sends their list ({ type: 'upstreams' }) instead of an app to load. */
  python?: boolean;
  /** user/group: who the worker becomes after post_fork. */
  owner?: Owner | null;
}

export function bootEnv(boot: WorkerBoot): string {
  return JSON.stringify(boot, (_k, v: unknown) => (typeof v === 'function' ? undefined : v));
}

export function readBoot(): WorkerBoot {
  const raw = process.env[WORKER_ENV];
  if (!raw) throw new Error(`${WORKER_ENV} is not set: worker processes are started by the tunicorn master`);
  delete process.env[WORKER_ENV];
  return JSON.parse(raw) as WorkerBoot;
}
