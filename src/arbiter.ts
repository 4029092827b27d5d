/**
 * The master (Gunicorn's arbiter): binds the sockets, starts the workers and keeps their number
 * right, replaces the dead and the blocked, recycles, reloads on HUP, scales on TTIN/TTOU, and shuts
 * down on TERM (graceful) or INT/QUIT (quick). It never serves requests itself.
 */
import { mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { BootFailures } from './arbiter/boot-failures.js';
import { exitMessage } from './arbiter/exit-reason.js';
import type { PythonBoot } from './arbiter/python-worker.js';
import { frontCount, newWorker } from './arbiter/new-worker.js';
import { MemoryLimit } from './arbiter/memory-limit.js';
import { Timeouts } from './arbiter/timeouts.js';
import { Upstreams } from './arbiter/upstreams.js';
import { WorkerTable } from './arbiter/worker-table.js';
import { PythonForkers } from './arbiter/forkers.js';
import { FD_ENV, PARENT_ENV, STATUS_FD_ENV, inheritedBinds, inheritedStatusFd } from './arbiter/reexec.js';
import { Upgrade } from './arbiter/upgrade.js';
import { warnRestartOnly, watchSources } from './arbiter/reload.js';
import { freePort } from './arbiter/stack-dump.js';
import { chownTo, ownerOf } from './workers/privileges.js';
import { SystemdNotify } from './arbiter/systemd-notify.js';
import { daemonServing } from './daemon.js';
import type { Supervised, WorkerKind } from './arbiter/supervised.js';
import { TlsSupply } from './arbiter/tls-supply.js';
import type { TlsMaterial } from './http/tls-material.js';
import { ConfigError } from './config/errors.js';
import { ControlServer } from './control/server.js';
import { ControlCounts } from './control/source.js';
import type { Config, ServerInfo, WorkerInfo } from './config/types.js';
import { runHook } from './config/run-hook.js';
import { ErrorLog } from './logging/error-log.js';
import { MASTER_HOOKS, PythonMasterHooks } from './python/master-hooks.js';
import type { StatusService } from './status/server.js';
import { Statsd } from './status/statsd/service.js';
import { SinkError } from './status/statsd/sink.js';
import { bindAll, closeListeners, parseBind, systemdBinds, type Listener } from './sockets.js';
import { VERSION } from './version.js';
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR, type WorkerMessage } from './workers/protocol.js';
import { handleFd } from './node-internals.js';

export interface ArbiterOptions {
  config: Config;
  configFile: string | null;
  appSpec: string;
  log: ErrorLog;
  /** Hooks the gunicorn.conf.py defines as Python functions (its master hooks run in a Python hook host). */
  pythonHooks?: string[];
  /** Re-resolves the configuration on HUP (same command line, fresh config file). */
  reloadConfig: () => Promise<{ config: Config; appSpec: string }>;
  /** A Python app: fronts serve HTTP, Python workers (what `workers` counts) run the app. */
  python?: { workerClass: PythonBoot['workerClass']; describe: string } | null;
  /** TLS is on: the material the CLI read and checked before anything binds. */
  tls?: TlsMaterial | null;
}

/**
 * After a worker fails to boot, how long the others still booting have to finish (they load the
 * same app, so they fail within moments), so that the error is printed once with their count.
 */
const BOOT_SETTLE_MS = 5000;

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

export class Arbiter {
  private config: Config;
  private appSpec: string;
  private log: ErrorLog;
  private listeners: Listener[] = [];
  private workers = new WorkerTable();
  /** Where Python workers' sockets and stack files live (a Python app only). */
  private runDir: string | null = null;
  private pyHooks: PythonMasterHooks | null = null;
  /** A Python app's interpreters its workers are forked from. */
  private forkers: PythonForkers | null = null;
  private numWorkers: number;
  private age = 0;
  private shuttingDown = false;
  /** TERM with shutdown_delay: readiness is off and the graceful stop starts when this fires. */
  private delayedStop: NodeJS.Timeout | null = null;
  private exitCode = 0;
  private tick: NodeJS.Timeout | null = null;
  private watcher: { close(): void } | null = null;
  /** TLS material, reloaded on HUP and when its files change; null without TLS. */
  private tls: TlsSupply | null = null;
  private memoryLimit = new MemoryLimit();
  /** The Python workers the fronts may send requests to. */
  private upstreams = new Upstreams(this.workers, () => this.config);
  private timeouts: Timeouts;
  private output: number | 'inherit' = 'inherit';
  private spawning = new Map<WorkerKind, number>();
  /** Workers in a row that died before they ever served, by kind. */
  private bootCrashes = new Map<WorkerKind, number>();
  /** Notices already logged: every worker sends the same ones. */
  private noticed = new Set<string>();
  private bootFailures = new BootFailures();
  private settleTimer: NodeJS.Timeout | null = null;
  /** status_bind: /metrics, /healthz, /readyz and the status page. */
  private status: StatusService | null = null;
  /** statsd_host: the master sends the statsd lines. */
  private statsd: Statsd | null = null;
  /** control_socket (Gunicorn's control interface) and the totals its `show stats` reports. */
  private control: ControlServer | null = null;
  private counts = new ControlCounts();
  private done!: (code: number) => void;
  /** USR2, WINCH, and the pidfile they move. */
  private upgrade: Upgrade;
  /** systemd Type=notify; READY=1 is owed at boot and after each HUP or rollback, once the workers serve. */
  private notify: SystemdNotify;
  private readyOwed = true;
  readonly server: ServerInfo;

  constructor(private opts: ArbiterOptions) {
    this.config = opts.config;
    this.appSpec = opts.appSpec;
    this.log = opts.log;
    this.notify = new SystemdNotify(process.env, opts.log);
    this.numWorkers = this.config.workers;
    this.upgrade = new Upgrade({
      log: this.log,
      config: () => this.config,
      shuttingDown: () => this.shuttingDown,
      listeners: () => this.listeners,
      statusHandle: () => this.status?.handle ?? null,
      preExec: () => void this.hook('pre_exec', () => this.config.pre_exec?.(this.server)),
      rolledBack: () => {
        // This master is the service's main process again.
        this.readyOwed = true;
        this.tellSystemd();
      },
      restartWorkers: () => this.manageWorkers(),
    });
    this.timeouts = new Timeouts({
      workers: this.workers,
      log: this.log,
      config: () => this.config,
      journal: () => this.status?.journal ?? null,
      timedOut: () => this.upstreams.announce(),
      abort: (w) => void this.hook('worker_abort', () => this.config.worker_abort?.(this.server, { pid: w.pid, age: w.age })),
    });
    if (opts.tls) {
      this.tls = new TlsSupply(opts.tls, opts.log, (material) => {
        for (const w of this.workers.all()) if (w.kind !== 'python' && w.connected) w.send({ type: 'tls', material });
      });
    }
    const self = this;
    this.server = {
      pid: process.pid,
      get config() {
        return self.config;
      },
      get numWorkers() {
        return self.numWorkers;
      },
      workers: () =>
        self.workers
          .all()
          .filter((w) => w.kind !== 'front')
          .map((w) => ({ pid: w.pid, age: w.age })),
      log: this.log,
    };
  }

  /** Run until shut down; resolves with the exit code. */
  async run(): Promise<number> {
    const { config, log } = this;
    const finished = new Promise<number>((resolve) => (this.done = resolve));
    process.title = `tunicorn: master [${config.proc_name ?? this.appSpec}]`;
    process.umask(config.umask);
    const masterHooks = this.opts.pythonHooks?.filter((h) => MASTER_HOOKS.includes(h)) ?? [];
    if (masterHooks.length && this.opts.configFile) this.pyHooks = new PythonMasterHooks(config, this.opts.configFile, 'inherit');
    await this.hook('on_starting', () => config.on_starting?.(this.server));
    log.info(`Starting tunicorn ${VERSION}`);
    if (config.statsd_host && !this.startStatsd()) return 1;
    const py = this.opts.python;
    if (py) this.runDir = mkdtempSync(join(tmpdir(), 'tunicorn-'));
    const owner = ownerOf(config);
    // Workers that run as another user bind their sockets here and write the logs the master opened.
    if (owner)
      for (const path of [this.runDir, config.accesslog, config.errorlog]) {
        const problem = chownTo(path, owner);
        if (problem) log.warning(`${problem}; workers running as ${owner.name ?? owner.uid} may not write there.`);
      }
    if (config.capture_output && config.errorlog !== '-') this.output = openSync(config.errorlog, 'a');
    if (py) {
      this.forkers = new PythonForkers({
        log,
        runDir: this.runDir!,
        output: this.output,
        configFile: this.opts.configFile,
        workerClass: py.workerClass,
        finished: () => this.shuttingDown && this.workers.size === 0,
        lost: (reason) => {
          if (!this.shuttingDown) this.halt(reason, 1);
        },
      });
    }
    if (this.forkers && !(await this.forkers.start(config, this.appSpec))) {
      rmSync(this.runDir!, { recursive: true, force: true });
      return APP_LOAD_ERROR;
    }
    const inherited = inheritedBinds(process.env, config.bind.map(parseBind));
    const statusFd = inheritedStatusFd(process.env);
    // The app and its workers must not see them (nor a USR2 started from this master).
    for (const k of [FD_ENV, STATUS_FD_ENV, PARENT_ENV]) delete process.env[k];
    if (this.upgrade.oldMaster) log.info(`Started by USR2 from master (pid:${this.upgrade.oldMaster}); serving on its sockets`);
    if (inherited && !inherited.every((b) => b.as)) log.warning('bind differs from the sockets inherited on USR2; serving on the inherited ones');
    const specs = inherited ?? systemdBinds(process.env) ?? config.bind.map(parseBind);
    const listeners = await bindAll(specs, log);
    if (!listeners) return 1;
    this.listeners = listeners;
    for (const l of listeners) log.info(`Listening at: ${this.tls ? l.url.replace('http://', 'https://') : l.url} (${process.pid})`);
    if (config.status_bind && !(this.status = await this.startStatus(config.status_bind, statusFd))) {
      closeListeners(listeners);
      return 1;
    }
    log.info(`Using worker: ${py ? py.workerClass : config.worker_class}`);
    if (py) log.info(`Python: ${py.describe}; fronts: ${this.fronts()}; workers forked from ${config.preload_app ? 'the preloaded app' : 'one interpreter, each importing the app'}`);
    log.info(`Workers: ${this.numWorkers}, worker_connections: ${config.worker_connections}, max_requests: ${config.max_requests || 'off'}, timeout: ${config.timeout}s`);
    if (config.pidfile) {
      this.upgrade.pidfile = config.pidfile;
      try {
        writeFileSync(config.pidfile, `${process.pid}\n`);
      } catch (err) {
        log.error(`Cannot write the pidfile ${config.pidfile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; fix its directory's permissions or change --pid.`);
        closeListeners(listeners);
        this.status?.close();
        return 1;
      }
    }
    for (const sig of SIGNALS) process.on(sig, () => this.onSignal(sig));
    await this.hook('when_ready', () => config.when_ready?.(this.server));
    this.tick = setInterval(() => this.murderBlocked(), 500);
    if (config.reload) {
      this.watcher = await watchSources(config.chdir, this.opts.configFile, !!this.opts.python, log, (file) => {
        log.info(`Worker reloading: ${relative(this.config.chdir, file) || file} modified`);
        void this.reload();
      });
    }
    this.tls?.watch(() => this.config);
    this.manageWorkers();
    if (!config.control_socket_disable) this.control = this.startControl();
    return finished;
  }

  /** statsd: false (the reason logged) when unix:// cannot be served here. */
  private startStatsd(): boolean {
    try {
      this.statsd = Statsd.start(this.config, this.log, {
        workers: () => this.workers.active(this.opts.python ? 'python' : 'node').length,
        tcpListenerFds: () => this.listenerFds().flatMap((l) => (l.fd === null ? [] : [l.fd])),
      });
      return true;
    } catch (err) {
      if (!(err instanceof SinkError)) throw err;
      this.log.error(err.message);
      return false;
    }
  }

  /** The listening sockets; none once closed at shutdown (their descriptor numbers may then belong to something else). */
  private listenerFds(): Array<{ name: string; url: string; fd: number | null }> {
    return this.shuttingDown
      ? []
      : this.listeners.map((l) => {
          const fd = handleFd(l.handle);
          return { name: l.spec.text, url: l.url, fd: l.spec.kind === 'unix' || fd < 0 ? null : fd };
        });
  }

  /** The control socket: its commands take the paths of the signals they stand for. */
  private startControl(): ControlServer | null {
    return ControlServer.start(
      resolve(this.config.chdir, this.config.control_socket),
      this.config.control_socket_mode,
      {
        counts: this.counts,
        python: !!this.opts.python,
        shuttingDown: () => this.shuttingDown,
        workers: () => this.workers.all(),
        numWorkers: () => this.numWorkers,
        config: () => this.config,
        listeners: () => (this.shuttingDown ? [] : this.listeners),
        signal: (sig) => this.onSignal(sig),
        setWorkers: (n) => this.setWorkers(n),
        replace: (w) => this.replaceWorker(w),
      },
      this.log,
    );
  }

  /** `worker kill PID`: retire the worker as a recycle does, its replacement serving before it stops. */
  private replaceWorker(w: Supervised): void {
    if (!w.retire()) return;
    this.log.info(`Worker (pid:${w.pid}) to be replaced (control socket: worker kill)`);
    this.manageWorkers();
  }

  /**
   * The status endpoint, reading the master's workers and sockets. Loaded only when status_bind
   * is set: it brings prom-client and the page, most of a master's memory otherwise (bench/limits.md).
   */
  private async startStatus(address: string, fd?: number): Promise<StatusService | null> {
    const { StatusService } = await import('./status/server.js');
    return StatusService.start(
      address,
      {
        workers: () => this.workers.all(),
        python: !!this.opts.python,
        shuttingDown: () => this.shuttingDown || this.delayedStop !== null,
        timeout: () => this.config.timeout,
        firstListener: () => this.listeners[0] ?? null,
        healthCheckPath: () => this.config.health_check_path,
        config: () => this.config,
        app: () => this.appSpec,
        secure: this.tls !== null,
        listeners: () => this.listenerFds(),
      },
      this.log,
      fd,
    );
  }

  /** A hook from a JS/TS config, or from a gunicorn.conf.py (run by the Python hook host). */
  private hook(name: string, call: () => unknown, pyArgs: unknown[] = []): Promise<void> {
    runHook(this.log, name, call);
    if (!this.pyHooks) return Promise.resolve();
    return this.pyHooks.call(name, { numWorkers: this.numWorkers, workers: this.server.workers() }, pyArgs);
  }

  /** The kinds of worker this app runs, each with the number wanted. */
  private pools(): Array<[WorkerKind, number]> {
    const n = this.upgrade.winched ? 0 : this.numWorkers;
    return this.opts.python
      ? [
          ['python', n],
          ['front', this.upgrade.winched ? 0 : this.fronts()],
        ]
      : [['node', n]];
  }

  /** Start or stop workers until each kind's active count matches its target. */
  private manageWorkers(): void {
    if (this.shuttingDown || this.bootFailures.failing) return;
    for (const [kind, target] of this.pools()) {
      const active = this.workers.active(kind);
      const missing = target - active.length - (this.spawning.get(kind) ?? 0);
      for (let i = 0; i < missing; i++) void this.spawnWorker(kind);
      if (missing < 0) {
        // Retire the oldest first, as Gunicorn does.
        const excess = active.sort((a, b) => a.age - b.age).slice(0, -missing);
        for (const w of excess) this.stopWorker(w);
      }
      // A retiring worker waits for a replacement; those with none on its way (a HUP or a control
      // command that lowered the target) stop now, else they would serve on as a stale generation.
      const coming = active.filter((w) => w.state === 'booting').length + (this.spawning.get(kind) ?? 0);
      const retiring = this.workers.retiring(kind);
      for (const w of retiring.slice(0, Math.max(0, retiring.length - coming))) this.stopWorker(w);
    }
  }

  private stopWorker(w: Supervised, shutdown = false): void {
    w.stop(this.config.graceful_timeout, shutdown);
    // Fronts stop sending it requests first; it exits once they have closed their connections.
    if (w.kind === 'python') this.upstreams.announce();
  }

  private async spawnWorker(kind: WorkerKind): Promise<void> {
    this.spawning.set(kind, (this.spawning.get(kind) ?? 0) + 1);
    const age = ++this.age;
    let port = 0;
    let forked: Supervised | null = null;
    const info: WorkerInfo = { pid: 0, age };
    if (kind !== 'front') void this.hook('pre_fork', () => this.config.pre_fork?.(this.server, info), [info]);
    try {
      if (kind !== 'python') port = await freePort();
      else forked = (await this.forkers?.fork(age, this.config)) ?? null;
    } finally {
      this.spawning.set(kind, this.spawning.get(kind)! - 1);
    }
    if (this.shuttingDown) return void forked?.kill('SIGKILL');
    const python = this.opts.python ? { workerClass: this.opts.python.workerClass, runDir: this.runDir! } : null;
    const spawn = { config: this.config, numWorkers: this.numWorkers, appSpec: this.appSpec, configFile: this.opts.configFile, listeners: this.listeners, output: this.output, python };
    const worker = forked ?? newWorker(kind, age, port, spawn);
    if (worker.pid < 0) {
      this.log.error('Could not start a worker process.');
      return;
    }
    this.workers.add(worker);
    if (kind !== 'front') this.counts.spawned++;
    this.log.info(kind === 'front' ? `Booting front with pid: ${worker.pid}` : `Booting worker with pid: ${worker.pid}`);
    worker.on('message', (msg: WorkerMessage) => this.onMessage(worker, msg));
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.onExit(worker, code, signal));
    worker.on('error', (err: Error) => this.log.error(`Worker (pid:${worker.pid}) error: ${err.message}`));
    worker.listening();
    // The certificate first: a worker serves nothing before it has it.
    if (kind !== 'python' && this.tls) worker.send({ type: 'tls', material: this.tls.material });
    if (kind !== 'python') this.listeners.forEach((l, i) => worker.send({ type: 'listen', bind: i }, l.handle));
    if (kind === 'front') worker.send({ type: 'upstreams', workers: this.upstreams.list() });
  }

  private onMessage(w: Supervised, msg: WorkerMessage): void {
    switch (msg.type) {
      case 'heartbeat':
        w.lastBeat = Date.now();
        this.upstreams.beat(w);
        w.requests = msg.requests;
        w.connections = msg.connections ?? msg.active ?? 0;
        this.status?.heartbeat(w, msg);
        if (msg.statsd) this.statsd?.figures(msg.statsd);
        break;
      case 'ready':
        w.markReady();
        this.bootCrashes.delete(w.kind);
        if (w.kind === 'python') this.upstreams.announce();
        if (this.bootFailures.failing) this.bootFailed();
        else this.retireOne(w.kind);
        this.tellSystemd();
        break;
      case 'want_listen': {
        const l = this.listeners[msg.bind];
        if (l) w.send({ type: 'listen', bind: msg.bind }, l.handle);
        break;
      }
      case 'retiring':
        if (w.retire(msg.reason === 'max_requests' ? 'max_requests' : 'crash')) {
          this.log.info(`Worker (pid:${w.pid}) asked to be replaced (${msg.reason})`);
          this.manageWorkers();
        }
        break;
      case 'boot_error':
        this.bootFailures.report(w.pid, msg);
        break;
      case 'listen_error':
        this.log.error(`Connection in use: ${this.listeners[msg.bind]?.spec.text ?? msg.bind} (${msg.code})`);
        this.halt(`Can't connect to ${this.listeners[msg.bind]?.spec.text ?? msg.bind}`, 1);
        break;
      case 'notice':
        if (!this.noticed.has(msg.message)) {
          this.noticed.add(msg.message);
          this.log.warning(msg.message);
        }
        break;
    }
  }

  /** A new worker is serving: one retiring worker of its kind (the oldest) may now stop. */
  private retireOne(kind: WorkerKind): void {
    const retiring = this.workers.retiring(kind)[0];
    if (retiring) this.stopWorker(retiring);
  }

  private onExit(w: Supervised, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(w);
    if (w.expectedExit && w.kind !== 'front') this.counts.killed++;
    this.forkers?.stopIdle();
    if (w.kind === 'python') this.upstreams.announce();
    const wasBooting = w.state === 'booting';
    // A restart: a worker replaced, or one that died on its own; not a shutdown or a scale-down.
    this.status?.exited(w, this.shuttingDown ? null : (w.restartReason ?? (w.expectedExit ? null : 'crash')), code, signal);
    const { level, text } = exitMessage({ pid: w.pid, code, signal, expected: w.expectedExit });
    if (!(w.timedOut && signal === 'SIGKILL')) this.log[level](text);
    if (w.kind !== 'front') void this.hook('child_exit', () => this.config.child_exit?.(this.server, { pid: w.pid, age: w.age }), [{ pid: w.pid, age: w.age }]);
    if (this.shuttingDown) {
      if (w.kind === 'front' && !this.workers.has('front')) {
        for (const p of this.workers.of('python')) if (p.state !== 'stopping') this.stopWorker(p, true);
      }
      if (this.workers.size === 0) void this.finish();
      return;
    }
    if (code === WORKER_BOOT_ERROR && wasBooting && !w.expectedExit) this.bootFailures.fail(w.pid);
    if (this.bootFailures.failing) {
      this.bootFailed();
      return;
    }
    // Workers that keep dying before they ever serve (a broken interpreter, say) would respawn forever.
    if (wasBooting && !w.expectedExit) {
      const failures = (this.bootCrashes.get(w.kind) ?? 0) + 1;
      this.bootCrashes.set(w.kind, failures);
      if (failures >= 3) {
        this.halt(`Worker failed to boot (${failures} workers in a row exited before serving).`, WORKER_BOOT_ERROR);
        return;
      }
    }
    // A retiring worker that died before its replacement was ready leaves room for one more.
    this.manageWorkers();
  }

  /** The master's tick (Gunicorn's murder_workers and more): blocked workers, memory, stalled Python workers. */
  private murderBlocked(): void {
    const now = Date.now();
    this.upgrade.checkPromoted();
    this.memoryLimit.check(now, this.config, this.workers, this.log, () => this.manageWorkers());
    this.upstreams.check(now);
    this.timeouts.check(now);
  }

  private onSignal(sig: (typeof SIGNALS)[number]): void {
    this.log.info(`Handling signal: ${sig.slice(3).toLowerCase()}`);
    switch (sig) {
      case 'SIGTERM':
        if (this.config.shutdown_delay > 0 && !this.shuttingDown && !this.delayedStop) {
          this.log.info(`Not ready any more; serving for shutdown_delay (${this.config.shutdown_delay}s), then stopping gracefully`);
          if (!this.upgrade.underway) this.notify.stopping();
          this.delayedStop = setTimeout(() => this.shutdown(true), this.config.shutdown_delay * 1000);
          return;
        }
        return this.shutdown(true);
      case 'SIGINT':
      case 'SIGQUIT':
        return this.shutdown(false);
      case 'SIGHUP':
        void this.reload();
        return;
      case 'SIGTTIN':
        return this.setWorkers(this.numWorkers + 1);
      case 'SIGTTOU':
        if (this.numWorkers > 1) this.setWorkers(this.numWorkers - 1);
        return;
      case 'SIGUSR1':
        this.log.reopen();
        for (const w of this.workers.all()) w.send({ type: 'reopen_logs' });
        return;
      case 'SIGUSR2':
        return this.upgrade.start();
      case 'SIGWINCH':
        if (this.upgrade.winch()) this.manageWorkers();
        return;
    }
  }

  private setWorkers(n: number): void {
    const old = this.numWorkers;
    this.numWorkers = n;
    void this.hook('nworkers_changed', () => this.config.nworkers_changed?.(this.server, n, old), [n, old]);
    this.manageWorkers();
    this.tellSystemd();
  }

  /** When every pool has its workers booted: READY=1 if owed, else the worker count as STATUS=; a daemon's starter is told once. */
  private tellSystemd(): void {
    if (this.shuttingDown || this.upgrade.winched) return;
    const parts: string[] = [];
    for (const [kind, target] of this.pools()) {
      const active = this.workers.active(kind);
      if (active.some((w) => w.state === 'booting') || active.length < target) return;
      parts.push(`${active.length} ${kind === 'node' ? 'workers' : kind === 'python' ? 'Python workers' : 'fronts'}`);
    }
    daemonServing();
    const status = `Serving with ${parts.join(', ')}`;
    if (!this.readyOwed) return this.notify.status(status);
    this.readyOwed = false;
    this.notify.ready(status);
  }

  /** HUP: re-read the configuration, start a new generation of workers, retire the old as each new one is ready. */
  private async reload(): Promise<void> {
    if (this.shuttingDown) return;
    this.counts.reloads++;
    this.notify.reloading();
    this.readyOwed = true;
    let next: { config: Config; appSpec: string };
    try {
      next = await this.opts.reloadConfig();
    } catch (err) {
      this.log.error(`Reload failed, keeping the running configuration: ${err instanceof ConfigError ? err.message : (err as Error).stack}`);
      return this.tellSystemd();
    }
    void this.hook('on_reload', () => next.config.on_reload?.(this.server));
    warnRestartOnly(this.config, next.config, this.log);
    // New certificate files (or the same files, renewed) for every worker now; a bad one keeps the running certificate.
    if (this.tls) this.tls.reloadWith(this.config, next.config);
    else if (next.config.certfile || next.config.keyfile) {
      this.log.warning('certfile/keyfile set by the reload; turning TLS on takes effect after a restart.');
      next.config.certfile = next.config.keyfile = null;
    }
    const old = this.numWorkers;
    this.config = next.config;
    this.appSpec = next.appSpec;
    this.numWorkers = next.config.workers;
    this.upgrade.winched = false;
    if (old !== this.numWorkers) void this.hook('nworkers_changed', () => this.config.nworkers_changed?.(this.server, this.numWorkers, old), [this.numWorkers, old]);
    for (const w of this.workers.all()) w.retire('reload');
    // A new forker for the new config (interpreter, environment, worker class); the old one goes once its workers have.
    if (this.forkers && !this.config.preload_app) {
      if (!(await this.forkers.replace(this.config, this.appSpec))) {
        this.log.error('Reload failed, keeping the running workers.');
        for (const w of this.workers.all()) w.unretire();
        return this.tellSystemd();
      }
    }
    this.manageWorkers();
    this.tls?.watch(() => this.config);
  }

  private fronts(): number {
    return frontCount(this.config, this.opts.python?.workerClass);
  }

  /** Once no worker is still booting (or BOOT_SETTLE_MS is up), print the boot error once and stop. */
  private bootFailed(force = false): void {
    if (this.shuttingDown) return;
    if (!force && this.workers.anyBooting()) {
      this.settleTimer ??= setTimeout(() => this.bootFailed(true), BOOT_SETTLE_MS);
      return;
    }
    this.bootFailures.print(this.log);
    this.halt('Worker failed to boot.', WORKER_BOOT_ERROR);
  }

  private halt(reason: string, code: number): void {
    this.log.error(`Shutting down: ${reason}`);
    this.exitCode = code;
    this.shutdown(false);
  }

  private shutdown(graceful: boolean): void {
    if (this.shuttingDown) {
      if (!graceful) for (const w of this.workers.all()) w.kill('SIGQUIT');
      return;
    }
    this.shuttingDown = true;
    this.upgrade.checkPromoted();
    // An old master ending a USR2 upgrade is not the service stopping; nor is a new one rolled back.
    if (!this.upgrade.underway) this.notify.stopping();
    if (this.delayedStop) clearTimeout(this.delayedStop);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    // A signal during the settle wait: the boot error is still said, once, and still the exit code.
    if (this.bootFailures.failing) {
      this.bootFailures.print(this.log);
      this.exitCode ||= WORKER_BOOT_ERROR;
    }
    this.watcher?.close();
    this.tls?.close();
    // Another master still serves on unix sockets (USR2): leave their files.
    closeListeners(this.listeners, !this.upgrade.underway);
    const limit = graceful ? this.config.graceful_timeout : Math.min(this.config.graceful_timeout, 5);
    for (const w of this.workers.all()) {
      // Python workers serve the fronts until the last front has finished its requests (see onExit).
      if (graceful && w.kind === 'python' && this.workers.has('front')) continue;
      if (graceful) this.stopWorker(w, true);
      else w.quit(limit);
    }
    if (this.workers.size === 0) void this.finish();
  }

  private async finish(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    this.status?.close();
    this.control?.close();
    this.log.info('Shutting down: Master');
    await this.hook('on_exit', () => this.config.on_exit?.(this.server));
    this.pyHooks?.close();
    if (this.upgrade.pidfile) {
      try {
        unlinkSync(this.upgrade.pidfile);
      } catch {
        /* already removed */
      }
    }
    await this.forkers?.stopAll();
    if (this.runDir) rmSync(this.runDir, { recursive: true, force: true });
    await this.statsd?.close();
    this.log.flush();
    this.done(this.exitCode);
  }
}
