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
  #state: WorkerState = 'booting';
  lastBeat = Date.now();
  /** When the master started it (the status page's age, the control socket's uptime). */
  readonly startedAt = Date.now();
  requests = 0;
  connections = 0;
  #expectedExit = false;
  #timedOut = false;
  #restartReason: RestartReason | null = null;
  #stopDeadline: number | null = null;

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

  get state(): WorkerState {
    return this.#state;
  }

  /** Booting or ready: it counts towards its pool's size (a retiring one is already being replaced). */
  get active(): boolean {
    return this.#state === 'booting' || this.#state === 'ready';
  }

  /** Ready or retiring: it takes requests (a retiring one until its replacement serves). */
  get serving(): boolean {
    return this.#state === 'ready' || this.#state === 'retiring';
  }

  /** Set once the master has decided this worker must go (stop, kill): its exit is expected. */
  get expectedExit(): boolean {
    return this.#expectedExit;
  }

  /** Killed for a silent event loop (Gunicorn's `aborted`). */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Why the master is replacing it (for /metrics), once it has decided to. */
  get restartReason(): RestartReason | null {
    return this.#restartReason;
  }

  /** It has been told to stop and is still running past its deadline. */
  stopOverdue(now: number): boolean {
    return this.#stopDeadline !== null && now > this.#stopDeadline;
  }

  /** Its 'ready' message: a booting worker now serves. */
  markReady(): void {
    this.lastBeat = Date.now();
    if (this.#state === 'booting') this.#state = 'ready';
    // A stop sent while it booted may have come before it listened for messages: say it again.
    else if (this.#state === 'stopping' && this.connected) this.send({ type: 'stop' });
  }

  /**
   * To be replaced: it serves on until a replacement is ready (the master then stops it). False
   * if it is retiring or stopping already. The first reason given stands (a timed-out worker
   * stays 'timeout'), until the retirement is called off.
   */
  retire(reason: RestartReason | null = null): boolean {
    if (!this.active) return false;
    this.#state = 'retiring';
    this.#restartReason ??= reason;
    return true;
  }

  /** A retirement called off (a reload whose new workers cannot start): it serves on. */
  unretire(): void {
    if (this.#state !== 'retiring') return;
    this.#state = 'ready';
    if (this.#restartReason === 'reload') this.#restartReason = null;
  }

  /** Its event loop has been silent for `timeout`: the master kills it (and reads its stack first). */
  timeOut(): void {
    this.#timedOut = true;
    this.#expectedExit = true;
    this.#restartReason = 'timeout';
  }

  /** SIGKILL ends any stop deadline: there is nothing left to escalate to. */
  kill(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL') this.#stopDeadline = null;
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
    if (this.#state === 'stopping' && !shutdown) return;
    this.#stopping(this.#stopDeadline ?? Date.now() + gracefulTimeout * 1000 + 1000);
    if (shutdown || !this.connected) this.kill('SIGTERM');
    else this.send({ type: 'stop' });
  }

  /** INT/QUIT: stop now (SIGQUIT), killed if still running after `limit` seconds. */
  quit(limit: number): void {
    this.#stopping(Date.now() + limit * 1000);
    this.kill('SIGQUIT');
  }

  #stopping(deadline: number): void {
    this.#state = 'stopping';
    this.#expectedExit = true;
    this.#stopDeadline = deadline;
  }
}
