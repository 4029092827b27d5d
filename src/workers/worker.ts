/**
 * A worker process, read as Gunicorn's Worker.init_process reads: boot (hooks, logs, post_fork,
 * privileges, the app), serve (src/workers/serving.ts), and meanwhile answer the master and the
 * signals; retire after max_requests, stop gracefully or at once, exit.
 */
import { randomInt } from 'node:crypto';
import { inspect } from 'node:util';
import { AppLoadError } from '../app/load.js';
import { ConfigError } from '../config/errors.js';
import { runHook } from '../config/run-hook.js';
import type { Config, WorkerSelf } from '../config/types.js';
import type { TlsMaterial } from '../http/tls-material.js';
import { isSourceFile } from '../loader/import.js';
import type { AccessLog } from '../logging/access-log.js';
import { ErrorLog } from '../logging/error-log.js';
import type { Dispatcher } from '../python/dispatch.js';
import type { UpstreamInfo } from '../python/upstream.js';
import { appListener } from './app-listener.js';
import type { WorkerBoot } from './boot.js';
import { switchOwner } from './privileges.js';
import { WORKER_BOOT_ERROR, type MasterMessage, type WorkerMessage } from './protocol.js';
import { RequestStats } from './request-stats.js';
import { startServing, type Serving } from './serving.js';
import { StatsdTally } from './statsd-tally.js';

const send = (msg: WorkerMessage) => {
  if (process.connected) process.send!(msg);
};
const NO_SHED = { headers: 0, body: 0, read: 0, idle: 0 };

export class Worker {
  private config: Config;
  private readonly log: ErrorLog;
  private readonly self: WorkerSelf;
  private access: AccessLog | null = null;
  /** Figures for the master's /metrics, only when it serves them. */
  private readonly stats: RequestStats | null;
  /** statsd counts, sent to the master with each heartbeat (src/status/statsd/service.ts sends the lines). */
  private readonly statsd: StatsdTally | null;
  private serving: Serving | null = null;
  /** Listening handles that arrived while the app loaded: kept until the worker can serve. */
  private readonly pending: Array<[number, object]> = [];
  private stopping = false;
  private retiring = false;
  private accepted = 0;
  private dispatcher: Dispatcher | null = null;
  private upstreams: UpstreamInfo[] | null = null;
  // TLS material comes over IPC (the master read the files), before the listening sockets.
  // The newest wins: a renewal may arrive while the app loads, after the material sent at spawn.
  private tlsMaterial: TlsMaterial | null = null;
  private materialArrived = () => {};

  constructor(private readonly boot: WorkerBoot) {
    this.config = boot.config;
    process.title = `tunicorn: worker [${this.config.proc_name ?? boot.appSpec}]`;
    this.log = new ErrorLog({ target: this.config.errorlog, level: this.config.loglevel, format: this.config.log_format });
    this.self = { pid: process.pid, age: boot.age, config: this.config, log: this.log, requests: 0 };
    this.stats = this.config.status_bind ? new RequestStats() : null;
    this.statsd = this.config.statsd_host ? new StatsdTally() : null;
    if (this.statsd) this.log.onCount = (kind) => this.statsd!.logged(kind);
  }

  async run(): Promise<void> {
    this.answerMaster();
    this.answerSignals();
    // Heartbeats come from the event loop from the start: a boot that blocks the loop is caught too.
    // Four beats per timeout (at most one a second), so a loop starved of CPU for a moment is not taken for a blocked one.
    const beat = this.config.timeout > 0 ? Math.min(1000, this.config.timeout * 250) : 1000;
    setInterval(() => send(this.heartbeat()), beat).unref();
    try {
      await this.initProcess();
    } catch (err) {
      return this.bootFailed(err);
    }
    send({ type: 'ready' });
  }

  private heartbeat(): WorkerMessage {
    const s = this.serving;
    return {
      type: 'heartbeat',
      requests: this.self.requests,
      connections: s?.cap.size ?? 0,
      ...(this.stats ? { figures: this.stats.figures(s?.front.inflightCount ?? 0, s?.cap.shedByKind ?? NO_SHED) } : {}),
      ...(this.statsd ? { statsd: this.statsd.take() } : {}),
    };
  }

  private async initProcess(): Promise<void> {
    const boot = this.boot;
    // Loaded only when used, so a worker boots (and recycles) faster and smaller.
    if (boot.configFile && isSourceFile(boot.configFile)) {
      const { attachHooks } = await import('../config/hooks.js');
      this.config = await attachHooks(this.config, boot.configFile);
      this.self.config = this.config;
    }
    const config = this.config;
    if (config.accesslog) {
      const { AccessLog } = await import('../logging/access-log.js');
      this.access = new AccessLog(config.accesslog, config.access_log_format, config.log_format);
    }
    if (config.post_fork) await config.post_fork(null, this.self);
    if (boot.owner) switchOwner(boot.owner);
    const app = await appListener(boot, config, this.log, send);
    if (app.dispatcher) {
      this.dispatcher = app.dispatcher;
      if (this.upstreams) app.dispatcher.update(this.upstreams);
    }
    if (config.post_worker_init) await config.post_worker_init(this.self);
    const maxRequests = config.max_requests > 0 ? config.max_requests + randomInt(0, config.max_requests_jitter + 1) : Infinity;
    this.serving = await startServing({
      config,
      log: this.log,
      self: this.self,
      binds: boot.binds,
      listener: app.listener,
      upgradeTarget: app.upgradeTarget,
      access: this.access,
      stats: this.stats,
      statsd: this.statsd,
      tlsMaterial: () => (this.tlsMaterial ? Promise.resolve(this.tlsMaterial) : new Promise((resolve) => (this.materialArrived = () => resolve(this.tlsMaterial!)))),
      onRequestDone: () => {
        if (++this.self.requests >= maxRequests && !this.retiring) {
          this.log.info('Autorestarting worker after current request.');
          this.retire('max_requests');
        }
      },
      onAccepted: () => void this.accepted++,
      requestHandle: (bind) => send({ type: 'want_listen', bind }),
      onListenError: (bind, err) => {
        send({ type: 'listen_error', bind, code: err.code ?? 'EUNKNOWN', message: err.message });
        this.exit(WORKER_BOOT_ERROR);
      },
    });
    for (const [bind, handle] of this.pending.splice(0)) this.serving.acceptors.addHandle(bind, handle);
    await this.serving.acceptors.whenListening();
  }

  /** The master prints the error, once for every worker that failed; exit once the message is on its way. */
  private bootFailed(err: unknown): void {
    const mistake = err instanceof AppLoadError || err instanceof ConfigError;
    const report: WorkerMessage = {
      type: 'boot_error',
      message: err instanceof Error ? err.message : typeof err === 'string' ? err : inspect(err),
      ...(mistake || !(err instanceof Error) ? {} : { stack: inspect(err) }),
    };
    if (process.connected) process.send!(report, () => this.exit(WORKER_BOOT_ERROR));
    else {
      this.log.error(mistake ? report.message : `Exception in worker process\n${inspect(err)}`);
      this.exit(WORKER_BOOT_ERROR);
    }
  }

  private answerMaster(): void {
    process.on('message', (msg: MasterMessage, handle?: object) => {
      switch (msg.type) {
        case 'listen':
          if (!handle) return;
          if (this.serving) this.serving.acceptors.addHandle(msg.bind, handle);
          else this.pending.push([msg.bind, handle]);
          return;
        case 'tls':
          this.tlsMaterial = msg.material;
          if (this.serving?.terminator) this.serving.terminator.update(msg.material);
          else this.materialArrived();
          return;
        case 'upstreams':
          if (this.dispatcher) this.dispatcher.update(msg.workers);
          else this.upstreams = msg.workers;
          return;
        case 'running':
          send({ type: 'running', worker: msg.worker, requests: this.dispatcher?.running(msg.worker) ?? [] });
          return;
        case 'stop':
          return this.stop(false);
        case 'reopen_logs':
          this.log.reopen();
          this.access?.reopen();
          return;
      }
    });
  }

  private answerSignals(): void {
    process.on('SIGTERM', () => this.stop(true));
    const quick = () => {
      if (this.config.worker_int) runHook(this.log, 'worker_int', () => this.config.worker_int!(this.self));
      this.exit(0);
    };
    process.on('SIGINT', quick);
    process.on('SIGQUIT', quick);
    for (const sig of ['SIGHUP', 'SIGUSR2', 'SIGTTIN', 'SIGTTOU', 'SIGWINCH'] as const) process.on(sig, () => {});
    process.on('disconnect', () => {
      if (!this.stopping) this.log.info('Master went away; worker exiting.');
      this.stop(true);
    });
    process.on('unhandledRejection', (reason) => this.log.exception('Unhandled promise rejection in the app (the worker keeps serving)', reason));
    process.on('uncaughtException', (err) => {
      this.log.exception('Uncaught exception in the app; the worker will be replaced', err, 'critical');
      this.retire('uncaught exception');
    });
  }

  private retire(reason: string): void {
    if (this.retiring || this.stopping) return;
    this.retiring = true;
    send({ type: 'retiring', reason });
  }

  /** Stop accepting and exit once in-flight requests are done. `shutdown`: idle connections close now. */
  private stop(shutdown: boolean): void {
    const s = this.serving;
    if (this.stopping) {
      if (shutdown) {
        s?.front.drain(true);
        s?.gate?.closeWaiting();
        s?.terminator?.closeHandshaking();
      }
      return;
    }
    this.stopping = true;
    let accepting = true;
    const closeListeners = () => {
      s?.acceptors.stop();
      accepting = false;
    };
    // On shutdown, connections still in the listen queue are taken and served, not reset. libuv
    // takes one per listener per turn of the loop: turn until a turn takes none (for 1 s at most).
    if (shutdown) {
      const until = Date.now() + 1000;
      let seen = -1;
      const turn = () => {
        if (this.accepted === seen || Date.now() > until) return closeListeners();
        seen = this.accepted;
        setImmediate(turn);
      };
      setImmediate(turn);
    } else closeListeners();
    s?.front.drain(shutdown);
    if (shutdown) {
      s?.gate?.closeWaiting();
      s?.terminator?.closeHandshaking();
    }
    const graceful = this.config.graceful_timeout;
    const deadline = Date.now() + graceful * 1000;
    const poll = setInterval(() => {
      const busy = s?.front.inflightCount ?? 0;
      if (busy === 0 && (s?.cap.size ?? 0) === 0 && !accepting) {
        clearInterval(poll);
        this.exit(0);
      } else if (Date.now() >= deadline) {
        clearInterval(poll);
        if (busy > 0) this.log.warning(`Graceful timeout (${graceful}s): cutting ${busy} request(s) still running: ${[...s!.front.inflight].map((r) => `${r.req.method} ${r.req.url}`).join(', ')}`);
        this.exit(0);
      }
    }, 25);
  }

  private exit(code: number): void {
    if (code === 0) this.log.info(`Worker exiting (pid: ${process.pid})`);
    if (this.config.worker_exit) runHook(this.log, 'worker_exit', () => this.config.worker_exit!(null, this.self));
    this.access?.flush();
    this.log.flush();
    // A last heartbeat, so the master's request totals include this worker's final requests.
    if ((!this.stats && !this.statsd) || !process.connected) process.exit(code);
    const timer = setTimeout(() => process.exit(code), 500);
    process.send!(this.heartbeat(), () => {
      clearTimeout(timer);
      process.exit(code);
    });
  }
}
