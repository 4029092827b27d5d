/**
 * The settings registry: every setting declared once. The CLI parser, config-file loading,
 * TUNICORN_CMD_ARGS, --print-config, --check-config, --help and docs/settings.md are generated from it.
 * Names, flags and defaults follow Gunicorn's config.py except where the seed (bind :8080, async
 * workers, 1000 connections, 30000 max requests, 15 s timeout) or Node (workers = CPUs) says otherwise.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import * as v from './validators.js';
import { ASYNC_ALIASES } from './worker-class.js';

export type Section = 'Config' | 'Server socket' | 'Worker processes' | 'Security' | 'SSL' | 'HTTP/2' | 'Server mechanics' | 'Control' | 'Logging' | 'Process naming' | 'Application' | 'Server hooks';

export interface Setting<T = unknown> {
  /** Gunicorn's snake_case name; config files in JS/TS use the camelCase form. */
  name: string;
  section: Section;
  /** CLI flags; the first long one is the setting's own (suggested for --NAME, as --help lists it). */
  flags?: readonly string[];
  meta?: string;
  /** A flag that takes no value (a switch). */
  isSwitch?: boolean;
  /** The flag's value when it is given alone (Gunicorn's nargs='?' const); a value is taken only if `optionalValues` has it. */
  bareValue?: string;
  optionalValues?: readonly string[];
  /** Repeatable on the command line (each use adds one). */
  repeatable?: boolean;
  default: (env: NodeJS.ProcessEnv) => T;
  /** How the default reads in --help and the docs. */
  defaultText: string;
  validate: v.Validator<T>;
  doc: string;
  /** Seed-range advice for --check-config: a warning, never a refusal. */
  advise?: (value: T) => string | undefined;
  /** Hook signature, for hooks. */
  signature?: string;
  /** Only meaningful on the command line (not stored from config files). */
  cliOnly?: boolean;
  /** tunicorn's own setting, with no Gunicorn counterpart. */
  tunicornOnly?: boolean;
  /** A longer explanation for docs/settings.md (Markdown), where one line is not enough. */
  note?: string;
  /** Never shown by the control socket's `show config`: the whole value, or the values of KEY=VALUE entries. */
  secret?: 'value' | 'env-values';
  /** A server hook (typed in Hooks, not by its validator). */
  hook?: true;
}

/** Gunicorn's default control socket: $XDG_RUNTIME_DIR/gunicorn.ctl when that directory exists, else ~/.gunicorn/gunicorn.ctl. */
export function defaultControlSocket(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && existsSync(xdg) && statSync(xdg).isDirectory()) return join(xdg, 'gunicorn.ctl');
  return join(env.HOME || homedir(), '.gunicorn', 'gunicorn.ctl');
}

const cpus = () => availableParallelism();

/** workers: a number, "cpus" (one per CPU) or "cpus*2+1" (Gunicorn's rule of thumb, the seed's). */
export const validateWorkers: v.Validator<number> = (raw, name) => {
  if (typeof raw === 'string') {
    const s = raw.replace(/\s+/g, '').toLowerCase();
    if (s === 'cpus' || s === 'auto') return cpus();
    if (s === 'cpus*2+1' || s === '2*cpus+1') return cpus() * 2 + 1;
  }
  try {
    return v.int(1, 1024)(raw, name);
  } catch {
    throw v.invalid(name, raw, 'a whole number from 1 to 1024, "cpus" or "cpus*2+1"');
  }
};

const range = (lo: number, hi: number, what: string) => (n: number) => (n < lo || n > hi ? `${what} ${n} is outside the recommended range ${lo}-${hi}` : undefined);

function hookSetting<N extends string>(name: N, signature: string, doc: string): Setting<unknown> & { name: N; hook: true } {
  return { name, section: 'Server hooks', default: () => null, defaultText: 'none', validate: v.hook, doc, signature, hook: true };
}

const DECLARED = [
  // Config
  {
    name: 'config',
    section: 'Config',
    flags: ['-c', '--config'],
    meta: 'CONFIG',
    default: () => null,
    defaultText: './tunicorn.config.{ts,mts,js,mjs,json} or ./gunicorn.conf.py if present',
    validate: v.optionalStr,
    doc: 'The configuration file to load: tunicorn.config.ts/.mts/.js/.mjs/.json, or a gunicorn.conf.py (evaluated with python3).',
    cliOnly: true,
  },
  {
    name: 'check_config',
    section: 'Config',
    flags: ['--check-config'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: 'Check the configuration and the app, print warnings for values outside the recommended ranges, and exit (0 when valid).',
    cliOnly: true,
  },
  {
    name: 'print_config',
    section: 'Config',
    flags: ['--print-config'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: 'Print the resolved configuration (every setting and its value) and exit.',
    cliOnly: true,
  },
  {
    name: 'wsgi_app',
    section: 'Application',
    default: () => null,
    defaultText: 'none',
    validate: v.optionalStr,
    doc: 'The app spec, when not given on the command line (Gunicorn\'s name; "app" in a tunicorn config file).',
  },

  // Server socket
  {
    name: 'bind',
    section: 'Server socket',
    flags: ['-b', '--bind'],
    meta: 'ADDRESS',
    repeatable: true,
    default: (env) => (env.PORT ? [`0.0.0.0:${env.PORT}`] : [':8080']),
    defaultText: "[':8080'] (or 0.0.0.0:$PORT when PORT is set)",
    validate: v.repeated,
    doc: 'The socket to bind: HOST:PORT, :PORT (all interfaces), [::1]:PORT, unix:/PATH or fd://FD. Repeat to bind several.',
  },
  {
    name: 'backlog',
    section: 'Server socket',
    flags: ['--backlog'],
    meta: 'INT',
    default: () => 2048,
    defaultText: '2048',
    validate: v.int(1, 65535),
    doc: 'The maximum number of pending connections the kernel queues on each listening socket.',
  },

  // Worker processes
  {
    name: 'workers',
    section: 'Worker processes',
    flags: ['-w', '--workers'],
    meta: 'INT',
    default: (env) => (env.WEB_CONCURRENCY ? validateWorkers(env.WEB_CONCURRENCY, 'WEB_CONCURRENCY') : cpus()),
    defaultText: 'the number of CPUs ($WEB_CONCURRENCY when set)',
    validate: validateWorkers,
    doc: 'The number of worker processes. "cpus" is one per CPU (the default, best for Node: each worker is one event loop); "cpus*2+1" is Gunicorn\'s rule, the seed\'s.',
    advise: range(1, 64, 'workers'),
    note: "Gunicorn defaults to 1 worker and the seed uses `cpus*2+1`, the rule of thumb for Python workers that sit idle while they wait on I/O. A Node worker is an event loop that does not wait: one per CPU keeps every core busy, and extra processes add context switches and memory but no throughput. So the default is the number of CPUs (`os.availableParallelism()`), and `-w cpus*2+1` gives the seed's count in one word. Measured here (bench/RESULTS.md, 2 cores, plain node:http cluster): 5 workers held 2.1 times the memory of 2 (322 MB against 157 MB after 100,000 requests) and served the same new-connection traffic (13.9k against 14.0k req/s with Connection: close); with keep-alive 5 got more req/s (80k against 61k) only because the load generator ran on the same two cores and five server processes take a larger share of them from it.",
  },
  {
    name: 'worker_class',
    section: 'Worker processes',
    flags: ['-k', '--worker-class'],
    meta: 'STRING',
    default: () => 'async',
    defaultText: 'async',
    validate: v.choice(['async', 'sync'] as const, Object.fromEntries(ASYNC_ALIASES.map((a) => [a, 'async' as const]))),
    doc: "Node apps: async, many concurrent connections per worker (gevent, eventlet, gthread and tornado are aliases), or sync, one request at a time per worker, Connection: close after each response. Python apps: sync (the default, as in Gunicorn), gevent or gthread, with Gunicorn's meaning.",
  },
  {
    name: 'threads',
    section: 'Worker processes',
    flags: ['--threads'],
    meta: 'INT',
    default: () => 1,
    defaultText: '1',
    validate: v.int(1),
    doc: 'Python apps: the number of request threads per gthread worker (more than 1 with worker_class sync means gthread, as in Gunicorn). No effect on Node apps.',
  },
  {
    name: 'fronts',
    section: 'Worker processes',
    flags: ['--fronts'],
    meta: 'INT',
    default: () => 0,
    defaultText: '0 (one per CPU for gevent workers, 1 for sync and gthread)',
    validate: v.int(0, 64),
    doc: "Python apps: the number of Node front processes that accept, parse and guard HTTP and hand requests to the Python workers; 0 chooses. With gevent workers one front per CPU served more than one front on every worker count measured (docs/python-workers.md); sync and gthread workers get one front, since each front counts a worker's few slots on its own. Each front is a Node process of about 48 MiB resident (22 MiB proportional set).",
    tunicornOnly: true,
  },
  {
    name: 'request_queue',
    section: 'Worker processes',
    flags: ['--request-queue'],
    meta: 'INT',
    default: () => 2048,
    defaultText: '2048',
    validate: v.int(0),
    doc: 'Python apps: how many requests each front holds while every Python worker is busy; beyond it a request is answered 503 with Retry-After.',
    tunicornOnly: true,
  },
  {
    name: 'request_queue_timeout',
    section: 'Worker processes',
    flags: ['--request-queue-timeout'],
    meta: 'INT',
    default: () => 10,
    defaultText: '10',
    validate: v.int(1),
    doc: 'Python apps: seconds a request may wait in the front for a free Python worker before it is answered 503 with Retry-After.',
    tunicornOnly: true,
  },
  {
    name: 'worker_connections',
    section: 'Worker processes',
    flags: ['--worker-connections'],
    meta: 'INT',
    default: () => 1000,
    defaultText: '1000',
    validate: v.int(1),
    doc: 'The maximum number of open connections per async worker; above it the worker stops accepting and new connections wait in the listen queue for a worker with room.',
    advise: (n) => (n > 2000 ? `worker_connections ${n} is above the recommended maximum 2000` : undefined),
  },
  {
    name: 'max_requests',
    section: 'Worker processes',
    flags: ['--max-requests'],
    meta: 'INT',
    default: () => 30000,
    defaultText: '30000',
    validate: v.int(0),
    doc: 'Restart a worker after it has served this many requests (0 disables). Its replacement is serving before it stops accepting.',
    advise: (n) => (n !== 0 ? range(1000, 100000, 'max_requests')(n) : undefined),
  },
  {
    name: 'max_requests_jitter',
    section: 'Worker processes',
    flags: ['--max-requests-jitter'],
    meta: 'INT',
    default: () => 0,
    defaultText: '0',
    validate: v.int(0),
    doc: "Add a random 0..N to each worker's max_requests so workers do not all restart at once.",
  },
  {
    name: 'max_worker_memory',
    section: 'Worker processes',
    flags: ['--max-worker-memory'],
    meta: 'MB',
    default: () => 0,
    defaultText: '0 (off)',
    validate: v.memoryLimit,
    doc: 'Replace a worker whose resident memory stays above this many MB (or this percentage of the memory limit: the cgroup\'s, else the machine\'s, as "80%") for max_worker_memory_grace seconds. Its replacement is serving before it stops, as with max_requests; logged with the figure.',
    tunicornOnly: true,
  },
  {
    name: 'max_worker_memory_grace',
    section: 'Worker processes',
    flags: ['--max-worker-memory-grace'],
    meta: 'INT',
    default: () => 5,
    defaultText: '5',
    validate: v.int(0),
    doc: 'Seconds a worker may stay above max_worker_memory before it is replaced, so one large request does not cost a worker.',
    tunicornOnly: true,
  },
  {
    name: 'timeout',
    section: 'Worker processes',
    flags: ['-t', '--timeout'],
    meta: 'INT',
    default: () => 15,
    defaultText: '15',
    validate: v.int(0),
    doc: 'Seconds: a worker whose event loop is blocked this long is killed and replaced (its stack is logged), and a request still running this long is answered 504. 0 disables.',
    advise: (n) => (n !== 0 ? range(5, 300, 'timeout')(n) : undefined),
  },
  {
    name: 'graceful_timeout',
    section: 'Worker processes',
    flags: ['--graceful-timeout'],
    meta: 'INT',
    default: () => 30,
    defaultText: '30',
    validate: v.int(0),
    doc: 'Seconds a stopping worker has to finish in-flight requests before it is killed.',
  },
  {
    name: 'shutdown_delay',
    section: 'Worker processes',
    flags: ['--shutdown-delay'],
    meta: 'INT',
    default: () => 0,
    defaultText: '0',
    validate: v.int(0),
    doc: 'Seconds between TERM and the graceful stop: readiness (/readyz) fails at once while the workers keep accepting and serving, so a load balancer or Kubernetes can take the server out of rotation first; connections still in the listen queue when the listeners close are served, not reset. A second TERM stops waiting.',
    tunicornOnly: true,
  },
  {
    name: 'keepalive',
    section: 'Worker processes',
    flags: ['--keep-alive'],
    meta: 'INT',
    default: () => 2,
    defaultText: '2',
    validate: v.int(0),
    doc: 'Seconds an idle keep-alive connection is kept open (0 closes after each response).',
  },

  // Security
  {
    name: 'limit_request_line',
    section: 'Security',
    flags: ['--limit-request-line'],
    meta: 'INT',
    default: () => 4094,
    defaultText: '4094',
    validate: v.int(0, 8190),
    doc: 'Maximum size in bytes of the request line (method, target, version); larger is answered 400. 0 means the 8190 maximum.',
  },
  {
    name: 'limit_request_fields',
    section: 'Security',
    flags: ['--limit-request-fields'],
    meta: 'INT',
    default: () => 100,
    defaultText: '100',
    validate: v.int(0, 32768),
    doc: 'Maximum number of header fields in a request; more is answered 400. 0 means the 32768 maximum.',
  },
  {
    name: 'limit_request_field_size',
    section: 'Security',
    flags: ['--limit-request-field-size', '--limit-request-field_size'],
    meta: 'INT',
    default: () => 8190,
    defaultText: '8190',
    validate: v.int(0, 65536),
    doc: 'Maximum size in bytes of one header field (name and value); larger is answered 400. 0 means the 65536 maximum.',
  },
  {
    name: 'forwarded_allow_ips',
    section: 'Security',
    flags: ['--forwarded-allow-ips'],
    meta: 'STRING',
    default: (env) => v.strList(env.FORWARDED_ALLOW_IPS ?? '127.0.0.1,::1', 'FORWARDED_ALLOW_IPS'),
    defaultText: "'127.0.0.1,::1' ($FORWARDED_ALLOW_IPS when set)",
    validate: v.strList,
    doc: 'Peers whose X-Forwarded-For / X-Forwarded-Proto headers are trusted (comma-separated IPs, or * for all).',
  },
  {
    name: 'secure_scheme_headers',
    section: 'Security',
    default: () => ({ 'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' }),
    defaultText: "{'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on'}",
    validate: v.dict,
    doc: 'Headers (and values) that mark a request from a trusted proxy as https. Config file only.',
  },

  // SSL (Gunicorn's names, flags and defaults)
  {
    name: 'certfile',
    section: 'SSL',
    flags: ['--certfile'],
    meta: 'FILE',
    default: () => null,
    defaultText: 'none (plain HTTP)',
    validate: v.optionalStr,
    doc: 'The server certificate (PEM, the chain after it): with keyfile, every bind speaks HTTPS. Read by the master before it binds, so a worker running as another user needs no access to it; reloaded on HUP and when the file changes.',
    note: 'The master reads certfile, keyfile and ca_certs (relative to chdir) and checks them before anything binds: an unreadable file, a key that does not match the certificate or a cipher list OpenSSL does not know stops the start with one line. The workers get the certificate over their IPC channel and terminate TLS themselves. On HUP, and when one of the files changes (a certbot or cert-manager renewal, a Kubernetes secret; the master looks at them every second, through symlinks), the master reads them again and the workers take the new certificate for new connections (`setSecureContext`); open connections keep theirs and are not dropped. A file that is bad at that moment (half written, a key for another certificate) keeps the running certificate, with an error line saying why. A TLS handshake that does not finish within the HTTP headers timeout (60 s) is closed, and at worker_connections a connection still handshaking counts as a slow header and is shed first. Apps see https: `wsgi.url_scheme` for Python apps, `request.url` for fetch apps, `req.socket.encrypted` for Node listeners. PROXY protocol headers (proxy_protocol) come before the TLS handshake, as HAProxy sends them.',
  },
  {
    name: 'keyfile',
    section: 'SSL',
    flags: ['--keyfile'],
    meta: 'FILE',
    default: () => null,
    defaultText: 'none',
    validate: v.optionalStr,
    doc: 'The private key of certfile (PEM, unencrypted). Without it, the key is read from certfile, as in Gunicorn.',
  },
  {
    name: 'ssl_version',
    section: 'SSL',
    flags: ['--ssl-version'],
    meta: 'STRING',
    default: () => 'TLSv1.2',
    defaultText: 'TLSv1.2',
    validate: v.sslVersion,
    doc: "The lowest TLS version accepted: TLSv1, TLSv1_1, TLSv1_2 or TLSv1_3. Gunicorn's TLS_SERVER, TLS and SSLv23 (and Python's ssl.PROTOCOL_* numbers) are accepted; they mean TLSv1_2. OpenSSL may refuse TLS 1.0 and 1.1 at its default security level whatever this says.",
  },
  {
    name: 'cert_reqs',
    section: 'SSL',
    flags: ['--cert-reqs'],
    meta: 'INT',
    default: () => 0,
    defaultText: '0',
    validate: v.certReqs,
    doc: 'Client certificates (mutual TLS): 0 none asked, 1 asked and optional (the app checks req.socket.authorized), 2 required (a client without a certificate signed by ca_certs fails the handshake). 2 needs ca_certs.',
  },
  {
    name: 'ca_certs',
    section: 'SSL',
    flags: ['--ca-certs'],
    meta: 'FILE',
    default: () => null,
    defaultText: 'none',
    validate: v.optionalStr,
    doc: 'The CA certificates (PEM) that client certificates must be signed by, for cert_reqs 1 and 2.',
  },
  {
    name: 'ciphers',
    section: 'SSL',
    flags: ['--ciphers'],
    meta: 'STRING',
    default: () => null,
    defaultText: "none (Node's default list)",
    validate: v.optionalStr,
    doc: "The TLS 1.2 cipher list, in OpenSSL's format (as ECDHE+AESGCM:!aNULL); TLS 1.3 suites may be listed too. Checked at start-up: a list OpenSSL matches nothing in is refused.",
  },
  {
    name: 'do_handshake_on_connect',
    section: 'SSL',
    flags: ['--do-handshake-on-connect'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: "Accepted for Gunicorn's command lines; both values behave alike: a worker always starts the TLS handshake as it accepts a connection, in its event loop, without holding up other connections, and the app sees the connection once the handshake is done.",
  },

  // HTTP/2 (Gunicorn 25's names and defaults; http2_cleartext is Gunicorn 26.2's)
  {
    name: 'http_protocols',
    section: 'HTTP/2',
    flags: ['--http-protocols'],
    meta: 'STRING',
    default: () => ['h1'],
    defaultText: 'h1',
    validate: v.httpProtocols,
    doc: 'The HTTP versions served, comma-separated: h1 (HTTP/1.1), h2 (HTTP/2), in order of preference, as "h2,h1". With TLS, h2 is offered by ALPN and h1 stays the fallback on the same port; without TLS, h2 needs http2_cleartext.',
    note: 'HTTP/2 is served by Node\'s http2 module, through its compatibility API: Node listeners, fetch apps and Python apps run unchanged, with one stream per request. Every stream goes through the same limits, request guard, `timeout` (504), hooks and access log (which says `HTTP/2.0`) as an HTTP/1.1 request, and counts toward max_requests. On a graceful stop, recycling or reload, each HTTP/2 connection gets a GOAWAY: streams already open finish (within graceful_timeout), the client opens new ones on another connection. At worker_connections, an HTTP/2 connection with a stream open is kept (as an HTTP/1.1 request the app is working on; `timeout` bounds it) and one without is shed like an idle keep-alive connection. HTTP/1.1 connections on the same port are served by the same code as without h2, at the same speed. "h2" alone refuses HTTP/1.1 clients on a TLS port (ALPN without a match fails the handshake).',
  },
  {
    name: 'http2_cleartext',
    section: 'HTTP/2',
    flags: ['--http2-cleartext'],
    meta: 'STRING',
    default: () => 'off',
    defaultText: 'off',
    validate: v.http2Cleartext,
    doc: "HTTP/2 without TLS (h2c) for trusted peers (forwarded_allow_ips), such as a proxy that speaks h2c upstream: off, or prior-knowledge (the peer opens with the HTTP/2 preface, RFC 9113 section 3.4). A trusted peer that sends anything else is answered 400, as in Gunicorn; other peers are served HTTP/1.1. Needs h2 in http_protocols; ignored on TLS, where ALPN decides. Gunicorn's upgrade and both (Upgrade: h2c) are not supported.",
  },
  {
    name: 'http2_max_concurrent_streams',
    section: 'HTTP/2',
    flags: ['--http2-max-concurrent-streams'],
    meta: 'INT',
    default: () => 100,
    defaultText: '100',
    validate: v.int(1, 2 ** 31 - 1),
    doc: 'The most streams (requests) one HTTP/2 connection may have open at once; a client that opens more gets them refused (RST_STREAM REFUSED_STREAM).',
  },
  {
    name: 'http2_initial_window_size',
    section: 'HTTP/2',
    flags: ['--http2-initial-window-size'],
    meta: 'INT',
    default: () => 65535,
    defaultText: '65535',
    validate: v.int(0, 2 ** 31 - 1),
    doc: 'The HTTP/2 flow-control window each stream starts with, in bytes: how much of a request body a client may send before the server asks for more (RFC 9113 default 65535; at most 2147483647).',
  },
  {
    name: 'http2_max_frame_size',
    section: 'HTTP/2',
    flags: ['--http2-max-frame-size'],
    meta: 'INT',
    default: () => 16384,
    defaultText: '16384',
    validate: v.int(16384, 16777215),
    doc: 'The largest HTTP/2 frame payload the server accepts, in bytes: 16384 to 16777215.',
  },
  {
    name: 'http2_max_header_list_size',
    section: 'HTTP/2',
    flags: ['--http2-max-header-list-size'],
    meta: 'INT',
    default: () => 65536,
    defaultText: '65536',
    validate: v.int(0, 2 ** 32 - 1),
    doc: 'The largest header list of an HTTP/2 request after HPACK decompression, in bytes (each field counts its name, value and 32): a stream over it is reset (ENHANCE_YOUR_CALM) before it reaches the app. 0 means no limit beyond the request limits (not recommended).',
  },

  // Server mechanics
  {
    name: 'proxy_protocol',
    section: 'Server mechanics',
    flags: ['--proxy-protocol'],
    meta: 'MODE',
    bareValue: 'auto',
    optionalValues: Object.keys(v.PROXY_PROTOCOL_WORDS),
    default: () => 'off',
    defaultText: 'off',
    validate: v.proxyProtocol,
    doc: "Expect a PROXY protocol header (HAProxy send-proxy, nginx proxy_protocol on) at the start of every connection: off, v1 (text), v2 (binary) or auto (either). --proxy-protocol alone means auto; true and false (Gunicorn's older boolean) mean auto and off. The client address it carries is the peer the app, the access log and forwarded_allow_ips see. A connection without a valid header, or from a peer not in proxy_allow_ips, is closed with a warning.",
    note: "Unlike Gunicorn, which serves a connection that does not begin with a header as plain HTTP, tunicorn closes it: the PROXY protocol specification says a receiver must not guess whether the header is there, since a trusted proxy that forwarded a connection without one (a missed send-proxy) would let its client write a header of its own and pass for any address. So a proxy's health checks must send the header too (HAProxy: `check check-send-proxy` on the server line; a v2 LOCAL header keeps the proxy's own address as the peer), and the setting covers every bind. A header that does not arrive within the HTTP headers timeout (60 s) is closed, and at worker_connections the connection counts as a slow header and is shed first.",
  },
  {
    name: 'proxy_allow_ips',
    section: 'Server mechanics',
    flags: ['--proxy-allow-from'],
    meta: 'STRING',
    default: () => ['127.0.0.1', '::1'],
    defaultText: "'127.0.0.1,::1'",
    validate: v.strList,
    doc: 'With proxy_protocol on, the peers allowed to connect and send the header (comma-separated IPs or networks such as 10.0.0.0/8, or * for all); any other peer is refused. Unix socket connections are always allowed.',
  },
  {
    name: 'preload_app',
    section: 'Server mechanics',
    flags: ['--preload'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: 'Import the app in the master before starting workers, so a broken app fails before anything binds. Node has no fork(): this does not share memory between workers.',
    note: "In Gunicorn, preloading shares the app's memory between workers by copy-on-write after fork(). Node has no fork(), so each worker still imports its own copy; what preloading gives here is a fail-fast start: an app that cannot be imported stops the server before any socket is bound or any worker started.",
  },
  {
    name: 'reload',
    section: 'Server mechanics',
    flags: ['--reload'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: 'Restart the workers when a file under chdir (the working directory) changes, node_modules and .git excepted. For development.',
  },
  {
    name: 'chdir',
    section: 'Server mechanics',
    flags: ['--chdir'],
    meta: 'PATH',
    default: () => process.cwd(),
    defaultText: 'the current directory',
    validate: v.str,
    doc: 'Change to this directory before loading the app.',
  },
  {
    name: 'raw_env',
    section: 'Server mechanics',
    flags: ['-e', '--env'],
    meta: 'ENV',
    repeatable: true,
    default: () => [],
    defaultText: '[]',
    validate: v.envList,
    doc: 'Set an environment variable for the app (KEY=VALUE). Repeat for several.',
    secret: 'env-values',
  },
  {
    name: 'status_bind',
    section: 'Server mechanics',
    flags: ['--status-bind'],
    meta: 'ADDRESS',
    default: () => null,
    defaultText: 'none (off)',
    validate: v.optionalStr,
    doc: "Serve GET /metrics (Prometheus), /healthz (liveness) and /readyz (readiness) from the master on this address: HOST:PORT or unix:/PATH. Also a live status page at GET / (see status_token). Keep it on loopback or a private network: it is not the app's port. The master answers it even when every worker is busy.",
    tunicornOnly: true,
  },
  {
    name: 'health_check_path',
    section: 'Server mechanics',
    flags: ['--health-check-path'],
    meta: 'PATH',
    default: () => null,
    defaultText: 'none',
    validate: v.optionalUrlPath,
    doc: 'With status_bind: /readyz also asks the app, with a GET of this path (as /health) through the first bind, and is 503 unless the app answers 2xx or 3xx within min(timeout, 5) seconds. For an app that knows when it cannot serve (its database is down).',
    tunicornOnly: true,
  },
  {
    name: 'status_token',
    section: 'Server mechanics',
    flags: ['--status-token'],
    meta: 'TOKEN',
    default: () => null,
    defaultText: 'none',
    validate: v.optionalToken,
    doc: 'With status_bind: the token the status page (GET / and /events) asks for, as ?token=TOKEN once (then a cookie) or Authorization: Bearer TOKEN. Required when status_bind is not loopback; /metrics, /healthz and /readyz never ask for it. Prefer status_token_file: a command line shows in ps.',
    tunicornOnly: true,
  },
  {
    name: 'status_token_file',
    section: 'Server mechanics',
    flags: ['--status-token-file'],
    meta: 'FILE',
    default: () => null,
    defaultText: 'none',
    validate: v.optionalStr,
    doc: "With status_bind: a file holding the status page's token (a Kubernetes or Docker secret), read at start; surrounding whitespace is ignored. Used when status_token is not set.",
    tunicornOnly: true,
  },
  {
    name: 'status_page_disable',
    section: 'Server mechanics',
    flags: ['--no-status-page'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: 'With status_bind: serve only /metrics, /healthz and /readyz, without the live status page (GET / and /events), so a status_bind that is not loopback needs no token.',
    tunicornOnly: true,
  },
  {
    name: 'pidfile',
    section: 'Server mechanics',
    flags: ['-p', '--pid'],
    meta: 'FILE',
    default: () => null,
    defaultText: 'none',
    validate: v.optionalStr,
    doc: "Write the master's pid to this file, removed at exit.",
  },
  {
    name: 'umask',
    section: 'Server mechanics',
    flags: ['-m', '--umask'],
    meta: 'INT',
    default: () => 0,
    defaultText: '0',
    validate: v.umask,
    doc: 'The file mode mask for the server processes (octal like 0o22 or 022).',
  },
  {
    name: 'user',
    section: 'Server mechanics',
    flags: ['-u', '--user'],
    meta: 'USER',
    default: () => null,
    defaultText: 'none (the current user)',
    validate: v.optionalStr,
    doc: 'Switch worker processes to this user (name or uid) after the sockets are bound.',
  },
  {
    name: 'group',
    section: 'Server mechanics',
    flags: ['-g', '--group'],
    meta: 'GROUP',
    default: () => null,
    defaultText: 'none (the current group)',
    validate: v.optionalStr,
    doc: 'Switch worker processes to this group (name or gid) after the sockets are bound.',
  },
  {
    name: 'interface',
    section: 'Application',
    flags: ['--interface'],
    meta: 'STRING',
    default: () => 'auto',
    defaultText: 'auto',
    validate: v.choice(['auto', 'fetch', 'node', 'wsgi'] as const),
    doc: 'How to call the app: fetch (a (Request) => Response handler or an object with fetch()), node (a (req, res) listener), wsgi (a Python WSGI app), or auto (detect: a spec naming a Python module under chdir or pythonpath is a WSGI app).',
    tunicornOnly: true,
  },
  {
    name: 'python',
    section: 'Application',
    flags: ['--python'],
    meta: 'PATH',
    default: (env) => (env.VIRTUAL_ENV ? `${env.VIRTUAL_ENV}/bin/python` : 'python3'),
    defaultText: '$VIRTUAL_ENV/bin/python when a virtualenv is active, else python3 on PATH',
    validate: v.str,
    doc: "Python apps: the interpreter that runs the Python workers (a virtualenv's bin/python to use its packages).",
    tunicornOnly: true,
  },
  {
    name: 'pythonpath',
    section: 'Application',
    flags: ['--pythonpath'],
    meta: 'STRING',
    default: () => [],
    defaultText: '[]',
    validate: v.strList,
    doc: 'Python apps: comma-separated directories added to the Python path before the app is imported, as in Gunicorn.',
  },
  {
    name: 'override_globals',
    section: 'Application',
    flags: ['--override-globals'],
    meta: 'BOOL',
    default: () => true,
    defaultText: 'true',
    validate: v.bool,
    doc: "For fetch apps, replace the global Request/Response with @hono/node-server's lighter ones (about twice as fast); set false if a library relies on instanceof with the built-in classes.",
    tunicornOnly: true,
  },

  // Control
  {
    name: 'control_socket',
    section: 'Control',
    flags: ['--control-socket'],
    meta: 'PATH',
    default: defaultControlSocket,
    defaultText: '$XDG_RUNTIME_DIR/gunicorn.ctl or $HOME/.gunicorn/gunicorn.ctl',
    validate: v.str,
    doc: "The unix socket the master serves control commands on (Gunicorn's control interface: `tunicorn ctl` or Gunicorn's gunicornc drive it). A relative path is relative to chdir; its directory is created (mode 0700) if missing. --no-control-socket turns it off.",
    note: "The commands are Gunicorn 25's: `show all|workers|config|stats|listeners`, `worker add [N]`, `worker remove [N]`, `worker kill PID`, `reload`, `reopen`, `shutdown [graceful|quick]`, with its framing (a 4-byte big-endian length, then JSON) and its reply fields, so Gunicorn's own `gunicornc` works against tunicorn. Each command takes the path its signal does (TTIN, TTOU, HUP, USR1, TERM, INT). `show config` masks secrets (raw_env values). The default path is shared by every server of the same user, as in Gunicorn: a second server takes it over, so give each its own path. See the README's \"Control socket\" section.",
  },
  {
    name: 'control_socket_mode',
    section: 'Control',
    flags: ['--control-socket-mode'],
    meta: 'INT',
    default: () => 0o600,
    defaultText: '0o600',
    validate: v.fileMode,
    doc: "The control socket's permissions (octal, like 0600 or 0o660): 0600 lets only the server's user connect; 0660 its group too.",
  },
  { name: 'control_socket_disable', section: 'Control', flags: ['--no-control-socket'], isSwitch: true, default: () => false, defaultText: 'false', validate: v.bool, doc: 'Serve no control socket.' },

  // Logging
  {
    name: 'accesslog',
    section: 'Logging',
    flags: ['--access-logfile'],
    meta: 'FILE',
    default: () => null,
    defaultText: 'none (off)',
    validate: v.optionalStr,
    doc: 'The access log file; "-" is stdout. Off by default.',
  },
  {
    name: 'access_log_format',
    section: 'Logging',
    flags: ['--access-logformat'],
    meta: 'STRING',
    default: () => '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
    defaultText: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
    validate: v.str,
    doc: "The access log line, with Gunicorn's atoms: h l u t r s m U q H b B f a T D M L p, {header}i, {header}o, {var}e.",
  },
  {
    name: 'errorlog',
    section: 'Logging',
    flags: ['--error-logfile', '--log-file'],
    meta: 'FILE',
    default: () => '-',
    defaultText: "'-' (stderr)",
    validate: v.str,
    doc: 'The error log file; "-" is stderr.',
  },
  {
    name: 'loglevel',
    section: 'Logging',
    flags: ['--log-level'],
    meta: 'LEVEL',
    default: () => 'info',
    defaultText: 'info',
    validate: v.choice(['debug', 'info', 'warning', 'error', 'critical'] as const, { warn: 'warning' }),
    doc: 'The error log level: debug, info, warning, error or critical.',
  },
  {
    name: 'log_format',
    section: 'Logging',
    flags: ['--log-format'],
    meta: 'STRING',
    default: () => 'text',
    defaultText: 'text',
    validate: v.choice(['text', 'json'] as const),
    doc: "text: Gunicorn's line formats. json: one JSON object per line in both logs, with a request id (X-Request-ID honoured or generated).",
    tunicornOnly: true,
  },
  {
    name: 'statsd_host',
    section: 'Logging',
    flags: ['--statsd-host'],
    meta: 'STATSD_ADDR',
    default: () => null,
    defaultText: 'none (off)',
    validate: v.statsdAddress,
    doc: "Send Gunicorn's statsd metrics (gunicorn.requests, gunicorn.request.duration, gunicorn.request.status.CODE, gunicorn.workers, gunicorn.log.LEVEL) to this address: HOST:PORT (UDP; HOST alone means port 8125) or unix://PATH (a unix datagram socket, through the optional package unix-dgram). Sent by the master, batched; never on a request's path.",
    note: 'The master sends every line: workers count their responses and error-log lines and ship the counts with their heartbeat, once a second, so a request costs a counter increment and no socket work. Counters therefore arrive summed per worker and second (`gunicorn.requests:37|c|@1.0` where Gunicorn sends 37 lines of `:1`), which statsd and DogStatsD add up the same way; each request keeps its own `gunicorn.request.duration` timer line (above 10,000 requests per worker and second, a uniform sample with its `@rate`). `gunicorn.workers` is sent every second. Lines are packed into datagrams of up to 1432 bytes (8192 on a unix socket). When the agent is away, lines are dropped and the error log says how many, at most once a minute. Node has no unix datagram sockets: unix:// needs the package unix-dgram (an optional dependency, a native addon built at install time); without it the server refuses to start with a line saying so.',
  },
  {
    name: 'statsd_prefix',
    section: 'Logging',
    flags: ['--statsd-prefix'],
    meta: 'STATSD_PREFIX',
    default: () => '',
    defaultText: "'' (names start with gunicorn.)",
    validate: v.statsdText(/[:|@#\s]/, 'a prefix without spaces or any of : | @ #'),
    doc: 'A prefix for every statsd name, as in Gunicorn: "myapp" sends myapp.gunicorn.requests (a trailing . is added; like Gunicorn, not to a one-character prefix).',
  },
  {
    name: 'dogstatsd_tags',
    section: 'Logging',
    flags: ['--dogstatsd-tags'],
    meta: 'DOGSTATSD_TAGS',
    default: () => '',
    defaultText: "''",
    validate: v.statsdText(/[|\n\r]/, 'comma-separated tags (as env:prod,team:web) without | or line breaks'),
    doc: 'DogStatsD tags added to every statsd line, comma-separated: "env:prod,team:web" appends |#env:prod,team:web.',
  },
  {
    name: 'enable_backlog_metric',
    section: 'Logging',
    flags: ['--enable-backlog-metric'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: "With statsd_host: send gunicorn.backlog (a |h histogram) every second, the connections waiting in the kernel's accept queue of the TCP binds, summed (Linux only).",
  },
  {
    name: 'capture_output',
    section: 'Logging',
    flags: ['--capture-output'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: "Send the workers' stdout and stderr to the error log file.",
  },

  // Process naming
  {
    name: 'daemon',
    section: 'Server mechanics',
    flags: ['-D', '--daemon'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: "Detach from the terminal: the command returns once the workers serve (exit 0), or with the daemon's exit code if it failed to start. Its stdio is /dev/null: set errorlog (and pidfile). Under systemd, Docker or Kubernetes, leave it off.",
  },
  {
    name: 'initgroups',
    section: 'Server mechanics',
    flags: ['--initgroups'],
    isSwitch: true,
    default: () => false,
    defaultText: 'false',
    validate: v.bool,
    doc: 'With user: give workers all the groups the user belongs to (initgroups(3)); without it they keep the one group only.',
  },
  {
    name: 'proc_name',
    section: 'Process naming',
    flags: ['-n', '--name'],
    meta: 'STRING',
    default: () => null,
    defaultText: 'none',
    validate: v.optionalStr,
    doc: 'A name for the processes in ps and top: "tunicorn: master [NAME]".',
  },

  // Hooks (config files only)
  hookSetting('on_starting', 'onStarting(server)', 'Called in the master before it binds.'),
  hookSetting('on_reload', 'onReload(server)', 'Called in the master on HUP, before new workers start.'),
  hookSetting('when_ready', 'whenReady(server)', 'Called in the master just after the sockets are bound, before the first workers start (as in Gunicorn).'),
  hookSetting('pre_fork', 'preFork(server, worker)', 'Called in the master just before a worker is started.'),
  hookSetting('post_fork', 'postFork(server, worker)', 'Called in the worker just after it starts, before the app is loaded.'),
  hookSetting('post_worker_init', 'postWorkerInit(worker)', 'Called in the worker after the app is loaded.'),
  hookSetting('worker_int', 'workerInt(worker)', 'Called in the worker when it receives INT or QUIT.'),
  hookSetting('worker_abort', 'workerAbort(server, worker)', 'Called in the master when a worker is killed for a blocked event loop (the worker cannot run code then).'),
  hookSetting('pre_request', 'preRequest(worker, req)', 'Called in the worker before each request (req is the node:http IncomingMessage).'),
  hookSetting('post_request', 'postRequest(worker, req, res)', 'Called in the worker after each response.'),
  hookSetting('child_exit', 'childExit(server, worker)', 'Called in the master after a worker has exited.'),
  hookSetting('worker_exit', 'workerExit(server, worker)', 'Called in the worker just before it exits.'),
  hookSetting('nworkers_changed', 'nworkersChanged(server, newValue, oldValue)', 'Called in the master when the number of workers changes (TTIN, TTOU, HUP).'),
  hookSetting('on_exit', 'onExit(server)', 'Called in the master just before it exits.'),
  hookSetting('pre_exec', 'preExec(server)', 'Called in the master just before it starts a new master (USR2).'),
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own validator
] as const satisfies readonly Setting<any>[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own validator
export const SETTINGS: readonly Setting<any>[] = DECLARED;

type Entry = (typeof DECLARED)[number];
/** The resolved value of every stored setting, typed by its validator (hooks are typed in Hooks). */
export type SettingValues = {
  -readonly [S in Entry as S extends { cliOnly: true } | { hook: true } ? never : S['name']]: S['validate'] extends v.Validator<infer T> ? T : never;
};

export const BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));

export const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** camelCase key (config files) -> setting. `app` is the camelCase spelling of wsgi_app. */
export const BY_KEY = new Map<string, Setting>([...SETTINGS.filter((s) => !s.cliOnly).map((s) => [camel(s.name), s] as [string, Setting]), ['app', BY_NAME.get('wsgi_app')!]]);
BY_KEY.delete('wsgiApp');

/**
 * Gunicorn settings a gunicorn.conf.py may set that mean nothing for a Node server (or are not built
 * yet). They are reported when present, never silently dropped.
 */
export const GUNICORN_WITHOUT_MEANING: Record<string, string> = {
  worker_tmp_dir: 'tunicorn workers report liveness over IPC, not a temp file',
  sendfile: 'Node decides how to write files',
  reuse_port: 'workers share one listening socket (reuse_port resets queued connections when a worker retires)',
  reload_engine: 'tunicorn watches files with fs.watch',
  reload_extra_files: 'not supported yet',
  spew: 'Python tracing',
  paste: 'Python PasteDeploy',
  logger_class: 'Python logging class',
  logconfig: 'Python logging configuration',
  logconfig_dict: 'Python logging configuration',
  logconfig_json: 'Python logging configuration',
  syslog: 'not supported yet; log to stdout/stderr and let the supervisor forward it',
  syslog_addr: 'not supported yet',
  syslog_prefix: 'not supported yet',
  syslog_facility: 'not supported yet',
  disable_redirect_access_to_syslog: 'not supported yet',
  enable_stdio_inheritance: 'workers always inherit stdio',
  tmp_upload_dir: 'Python WSGI setting',
  suppress_ragged_eofs: 'Node ends a TLS connection closed without close_notify quietly, as suppress_ragged_eofs True does',
  strip_header_spaces: "Node's parser rejects spaces before the colon",
  permit_unconventional_http_method: 'not supported',
  permit_unconventional_http_version: 'not supported',
  casefold_http_method: 'not supported',
  header_map: 'not supported',
  forwarder_headers: 'not supported yet',
  ssl_context: 'a Python hook; use certfile, keyfile, ca_certs, cert_reqs, ciphers and ssl_version',
  worker_class_str: 'internal',
  default_proc_name: 'internal',
  raw_paste_global_conf: 'Python PasteDeploy',
  permit_obsolete_folding: "Node's parser rejects obsolete line folding",
  protocol: 'tunicorn speaks HTTP only (no uwsgi protocol)',
  uwsgi_allow_ips: 'tunicorn speaks HTTP only (no uwsgi protocol)',
  asgi_loop: 'Python ASGI setting',
  asgi_lifespan: 'Python ASGI setting',
  asgi_disconnect_grace_period: 'Python ASGI setting',
  http_parser: "Node's own HTTP parser is used",
  root_path: 'Python ASGI/WSGI setting',
  dirty_apps: "Gunicorn's dirty arbiters are not supported",
  dirty_workers: "Gunicorn's dirty arbiters are not supported",
  dirty_timeout: "Gunicorn's dirty arbiters are not supported",
  dirty_threads: "Gunicorn's dirty arbiters are not supported",
  dirty_graceful_timeout: "Gunicorn's dirty arbiters are not supported",
  on_dirty_starting: "Gunicorn's dirty arbiters are not supported",
  dirty_post_fork: "Gunicorn's dirty arbiters are not supported",
  dirty_worker_init: "Gunicorn's dirty arbiters are not supported",
  dirty_worker_exit: "Gunicorn's dirty arbiters are not supported",
};
