/** What a new worker process is given: its kind's settings, the app, the sockets' count and its own paths. */
import { availableParallelism } from 'node:os';
import type { Config } from '../config/types.js';
import type { Listener } from '../sockets.js';
import { ownerOf } from '../workers/privileges.js';
import { PythonWorker, socketPaths, type PythonBoot } from './python-worker.js';
import type { Supervised, WorkerKind } from './supervised.js';
import { WorkerProcess } from './worker-process.js';

export interface Spawn {
  config: Config;
  numWorkers: number;
  appSpec: string;
  configFile: string | null;
  listeners: Listener[];
  output: number | 'inherit';
  /** A Python app: its worker class and where its workers' sockets live. */
  python: { workerClass: PythonBoot['workerClass']; runDir: string } | null;
}

/**
 * fronts 0 (the default): one per CPU for gevent workers; one for sync and gthread, whose few
 * slots each front counts on its own, so a second front could send a busy worker a request.
 */
export function frontCount(config: Config, workerClass: PythonBoot['workerClass'] | undefined): number {
  if (config.fronts > 0) return config.fronts;
  return workerClass === 'gevent' ? Math.min(availableParallelism(), 64) : 1;
}

/** A Node worker or front (`port`: its inspector's), or a Python worker started without a forker. */
export function newWorker(kind: WorkerKind, age: number, port: number, s: Spawn): Supervised {
  if (kind === 'python') {
    const { workerClass, runDir } = s.python!;
    return new PythonWorker(age, { app: s.appSpec, workerClass, configFile: s.configFile, ...socketPaths(runDir, age) }, s.config, s.output);
  }
  const front = kind === 'front';
  // A front serves HTTP for all the Python workers: their connections, never recycled by count.
  const config = front
    ? { ...s.config, worker_class: 'async' as const, max_requests: 0, worker_connections: Math.ceil((s.config.worker_connections * s.numWorkers) / frontCount(s.config, s.python?.workerClass)) }
    : s.config;
  const boot = {
    config,
    configFile: front ? null : s.configFile,
    appSpec: s.appSpec,
    age,
    binds: s.listeners.length,
    address: s.listeners[0]?.address ?? null,
    python: front,
    owner: ownerOf(s.config),
  };
  return new WorkerProcess(age, kind, port, boot, config, s.output);
}
