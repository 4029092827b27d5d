/**
 * What a worker serves: the app's request listener (a Node listener, or a fetch handler adapted to
 * one) and what receives its upgrades; in a front for Python workers, the listener that hands
 * requests to the least busy Python worker.
 */
import type { EventEmitter } from 'node:events';
import { installListenCapture } from '../app/capture-listen.js';
import { loadApp, type NodeListener } from '../app/load.js';
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import type { Dispatcher } from '../python/dispatch.js';
import type { WorkerBoot } from './boot.js';
import type { WorkerMessage } from './protocol.js';

export interface AppListener {
  listener: NodeListener;
  upgradeTarget: EventEmitter | null;
  /** A front's dispatcher to the Python workers. */
  dispatcher: Dispatcher | null;
}

/** Load the app (or, in a front, make the dispatcher); modules are loaded only for the kind in use. */
export async function appListener(boot: WorkerBoot, config: Config, log: ErrorLog, send: (msg: WorkerMessage) => void): Promise<AppListener> {
  if (boot.python) {
    const [{ Dispatcher }, { wsgiListener }, { pythonWorkerClass }] = await Promise.all([import('../python/dispatch.js'), import('../python/listener.js'), import('../python/interpreter.js')]);
    const dispatcher = new Dispatcher({ queueLimit: config.request_queue, queueTimeoutMs: config.request_queue_timeout * 1000 });
    const listener = wsgiListener({ dispatcher, log, bufferBodies: pythonWorkerClass(config.worker_class_str, config.threads) !== 'gevent' });
    return { listener, upgradeTarget: null, dispatcher };
  }
  installListenCapture(boot.address, (message) => send({ type: 'notice', message }));
  const app = await loadApp(boot.appSpec, { baseDir: config.chdir, iface: config.interface as 'auto' | 'fetch' | 'node', waitForListenMs: 5000 });
  if (app.kind === 'node') return { listener: app.listener, upgradeTarget: app.upgrade ?? null, dispatcher: null };
  const adapter = await import('../http/fetch-adapter.js');
  const listener = adapter.fetchListener(app.fetch, config.override_globals, (err, request) => {
    const url = new URL(request.url);
    log.exception(`Error handling request ${request.method} ${url.pathname}${url.search}`, err);
  });
  return { listener, upgradeTarget: app.websocket ? adapter.fetchUpgradeTarget(app.fetch, app.websocket) : null, dispatcher: null };
}
