/**
 * What the master keeps of any worker process, whatever runs in it (a Node worker, a front, a
 * Python worker): its state, liveness and stop deadline, and one interface to message it, signal
 * it and read its stack. Runtimes emit 'message' (a WorkerMessage), 'exit' (code, signal) and 'error'.
 */
import { EventEmitter } from 'node:events';
import type { RestartReason } from '../status/book.js';
import type { MasterMessage } from '../workers/protocol.js';
import type { Blocked } from './stack-dump.js';

export type WorkerState = 'booting' | 'ready' | 'retiring' | 'stopping';
/** node: serves a Node app; front: serves HTTP for Python workers; python: runs a WSGI app. */
export type WorkerKind = 'node' | 'front' | 'python';

export abstract class Supervised extends EventEmitter {
  abstract readonly pid: number;
  abstract readonly kind: WorkerKind;
  state: WorkerState = 'booting';
  lastBeat = Date.now();
  /** When the master started it (the status page's age, the control socket's uptime). */
  readonly startedAt = Date.now();
  requests = 0;
  connections = 0;
  /** Set once the master has decided this worker must go (stop, kill): its exit is expected. */
  expectedExit = false;
  timedOut = false;
  /** Why the master is replacing it (for /metrics), once it has decided to. */
  restartReason: RestartReason | null = null;
  stopDeadline: number | null = null;

  constructor(readonly age: number) {
    super();
  }

  abstract send(msg: MasterMessage, handle?: object): void;
  /** Whether messages can still reach the worker. */
  abstract get connected(): boolean;
  /** The stack of a worker whose loop is blocked and the requests it runs, each null when it cannot be read. */
  abstract readBlocked(): Promise<Blocked>;

  /** The master has attached its listeners: events may flow (a runtime may hold early ones until then). */
  listening(): void {}

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
    if (shutdown || !this.connected) this.kill('SIGTERM');
    else this.send({ type: 'stop' });
  }
}
