/**
 * The master <-> worker protocol: plain JSON objects over the child's IPC channel (listening
 * sockets travel as the IPC message's handle). It is language-neutral on purpose: a worker is any
 * process that inherits the listening sockets this way and speaks these messages.
 *
 * Master -> worker
 *   { type: 'listen', bind }        with a listening socket handle for bind number `bind`; sent
 *                                   once per bind at spawn, and again whenever the worker asks.
 *   { type: 'tls', material }       TLS is on (certfile): the certificate, key and CA certificates as
 *                                   PEM text (src/http/tls-material.ts), sent at spawn before the
 *                                   listening sockets, and again on HUP and when the files change;
 *                                   a worker takes it for new handshakes. Not sent to Python workers.
 *   { type: 'stop' }                retire (recycling, reload, scale-down): stop accepting, answer
 *                                   requests still arriving on open connections with Connection:
 *                                   close, finish in-flight requests, exit 0. SIGTERM is the same
 *                                   for shutdown, except idle keep-alive connections close at once.
 *   { type: 'reopen_logs' }         reopen the log files (the master got USR1).
 *   { type: 'upstreams', workers }  to a front of a Python app: the Python workers now serving, each
 *                                   { id, socket, capacity, pid } (docs/python-workers.md); sent at spawn
 *                                   and whenever the list changes.
 *   { type: 'running', worker }     to a front: which requests it has on Python worker `worker` (an
 *                                   age); asked when that worker is timed out, for the WORKER TIMEOUT line.
 *
 * Worker -> master
 *   { type: 'ready' }               the app is loaded and the worker accepts connections.
 *   { type: 'heartbeat', requests, connections, figures? }   every second from the event loop; silence
 *                                   for `timeout` seconds means the loop is blocked. `figures` (Node
 *                                   workers and fronts, when status_bind is set) carries cumulative
 *                                   request counts for /metrics (src/status/figures.ts); a worker
 *                                   sends one last heartbeat as it exits. Python workers send `active`.
 *                                   `statsd` (statsd_host set): responses by status, their durations
 *                                   and error-log line counts since the previous heartbeat
 *                                   (src/workers/statsd-tally.ts); absent when there were none.
 *   { type: 'boot_error', message, stack? }   the app could not be loaded; the worker exits with
 *                                   code 3 and the master prints the error (with the stack of an
 *                                   exception), once for all the workers that failed.
 *   { type: 'want_listen', bind }   the worker wants one more handle for `bind`: it keeps a stock
 *                                   of them to listen on several at once under a burst, and to
 *                                   resume after closing them at its connection cap.
 *   { type: 'retiring', reason }    the worker wants to be replaced (max_requests reached, or an
 *                                   uncaught exception); it keeps serving until told to stop.
 *   { type: 'listen_error', bind, code, message }   listening failed (address in use).
 *   { type: 'running', worker, requests }   a front's answer: RunningRequest[] (src/workers/running.ts).
 *   { type: 'notice', message }     something the user should read once, not once per worker (the
 *                                   app called listen() twice); the master logs each text once.
 *
 * Signals still work without IPC: TERM graceful, INT/QUIT immediate, KILL.
 * SIGUSR1 belongs to Node's inspector in workers (the master uses it to read a stuck worker's stack).
 */
import type { WorkerFigures } from '../status/figures.js';
import type { RunningRequest } from './running.js';
import type { TlsMaterial } from '../http/tls-material.js';
import type { StatsdFigures } from './statsd-tally.js';

export type MasterMessage =
  | { type: 'listen'; bind: number }
  | { type: 'tls'; material: TlsMaterial }
  | { type: 'stop' }
  | { type: 'reopen_logs' }
  | { type: 'upstreams'; workers: Array<{ id: number; socket: string; capacity: number; pid: number }> }
  | { type: 'running'; worker: number };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'heartbeat'; requests: number; connections?: number; active?: number; figures?: WorkerFigures; statsd?: StatsdFigures }
  | { type: 'boot_error'; message: string; stack?: string }
  | { type: 'want_listen'; bind: number }
  | { type: 'retiring'; reason: string }
  | { type: 'listen_error'; bind: number; code: string; message: string }
  | { type: 'running'; worker: number; requests: RunningRequest[] }
  | { type: 'notice'; message: string };

/** Exit codes shared with Gunicorn. */
export const WORKER_BOOT_ERROR = 3;
export const APP_LOAD_ERROR = 4;

/** The environment variable carrying the worker's settings (JSON) from the master. */
export const WORKER_ENV = 'TUNICORN_WORKER';
