import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SettingValues } from './settings.js';
import type { AsyncAlias } from './worker-class.js';

/** What hooks receive as `server` (the master) — a small, stable view. */
export interface ServerInfo {
  pid: number;
  config: Config;
  numWorkers: number;
  workers(): WorkerInfo[];
  log: HookLogger;
}
export interface WorkerInfo {
  pid: number;
  age: number;
}
export interface HookLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warning(msg: string): void;
  error(msg: string): void;
  critical(msg: string): void;
}
/** What hooks running inside a worker receive as `worker`. */
export interface WorkerSelf extends WorkerInfo {
  config: Config;
  log: HookLogger;
  requests: number;
}

export interface Hooks {
  on_starting: ((server: ServerInfo) => unknown) | null;
  on_reload: ((server: ServerInfo) => unknown) | null;
  when_ready: ((server: ServerInfo) => unknown) | null;
  pre_fork: ((server: ServerInfo, worker: WorkerInfo) => unknown) | null;
  post_fork: ((server: ServerInfo | null, worker: WorkerSelf) => unknown) | null;
  post_worker_init: ((worker: WorkerSelf) => unknown) | null;
  worker_int: ((worker: WorkerSelf) => unknown) | null;
  worker_abort: ((server: ServerInfo, worker: WorkerInfo) => unknown) | null;
  pre_request: ((worker: WorkerSelf, req: IncomingMessage) => unknown) | null;
  post_request: ((worker: WorkerSelf, req: IncomingMessage, res: ServerResponse) => unknown) | null;
  child_exit: ((server: ServerInfo, worker: WorkerInfo) => unknown) | null;
  worker_exit: ((server: ServerInfo | null, worker: WorkerSelf) => unknown) | null;
  nworkers_changed: ((server: ServerInfo, newValue: number, oldValue: number) => unknown) | null;
  on_exit: ((server: ServerInfo) => unknown) | null;
  pre_exec: ((server: ServerInfo) => unknown) | null;
}

/**
 * The resolved configuration: every stored setting typed by its validator in the registry
 * (src/config/settings.ts, where each is documented), and the hooks.
 */
export interface Config extends SettingValues, Hooks {
  /** worker_class as given (gevent, gthread...), which Python apps need; set by resolveConfig. */
  worker_class_str: string;
}

type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** Settings a config file may spell more loosely than the resolved Config holds them. */
type Loose =
  | 'worker_class_str'
  | 'wsgi_app'
  | 'workers'
  | 'worker_class'
  | 'loglevel'
  | 'bind'
  | 'raw_env'
  | 'forwarded_allow_ips'
  | 'umask'
  | 'proxy_protocol'
  | 'proxy_allow_ips'
  | 'ssl_version'
  | 'cert_reqs'
  | 'control_socket_mode';

/** The shape of a tunicorn.config.ts: camelCase keys, all optional; `app` names the app spec. */
export type UserConfig = { [K in Exclude<keyof Config, Loose> as CamelCase<K>]?: Config[K] } & {
  /** The app spec, as on the command line: "app.ts", "server.js:handler", "app:createApp()". */
  app?: string;
  /** A number, "cpus" (one per CPU, the default) or "cpus*2+1" (Gunicorn's rule). */
  workers?: number | 'cpus' | 'cpus*2+1';
  /** "async" or "sync"; Gunicorn's gevent, eventlet, gthread and tornado are aliases of async. */
  workerClass?: Config['worker_class'] | AsyncAlias;
  loglevel?: Config['loglevel'] | 'warn';
  /** One address or several: "HOST:PORT", ":PORT", "[::1]:PORT", "unix:/PATH", "fd://N". */
  bind?: string | string[];
  /** "KEY=VALUE" entries set in the workers' environment. */
  rawEnv?: string | string[];
  /** IPs or networks, as a list or one comma-separated string; "*" trusts every peer. */
  forwardedAllowIps?: string | string[];
  /** "off", "v1", "v2" or "auto"; true means auto and false off, as in Gunicorn. */
  proxyProtocol?: Config['proxy_protocol'] | boolean;
  /** Peers allowed to send a PROXY protocol header: IPs or networks, a list or one comma-separated string; "*" for all. */
  proxyAllowIps?: string | string[];
  /** The lowest TLS version: "TLSv1_2" (the default) or "TLSv1_3"; Gunicorn's names (TLS_SERVER...) are accepted. */
  sslVersion?: Config['ssl_version'] | 'TLSv1_1' | 'TLSv1_2' | 'TLSv1_3' | 'TLS_SERVER' | 'TLS';
  /** Client certificates: 0 or "none", 1 or "optional", 2 or "required" (mutual TLS). */
  certReqs?: 0 | 1 | 2 | 'none' | 'optional' | 'required';
  /** A number (0o22) or an octal string ("022"). */
  umask?: number | string;
  /** A number (0o600) or an octal string ("0600"). */
  controlSocketMode?: number | string;
};
