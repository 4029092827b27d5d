/**
 * Listening sockets, owned by the master: parsed from bind specs (HOST:PORT, :PORT, [::1]:PORT,
 * unix:/PATH, fd://N) or received from systemd (LISTEN_FDS), bound before any worker starts, kept
 * across worker restarts, and sent to each worker over IPC. The master never accepts on them.
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { ConfigError } from './config/errors.js';
import type { ErrorLog } from './logging/error-log.js';
import { createServerHandle, type ServerHandle } from './node-internals.js';

export type BindSpec =
  | { kind: 'tcp'; text: string; host: string; port: number }
  | { kind: 'unix'; text: string; path: string }
  /** `as`: the configured bind an inherited socket (USR2) stands for. */
  | { kind: 'fd'; text: string; fd: number; as?: BindSpec };

export interface Listener {
  spec: BindSpec;
  handle: object;
  /** How the startup line shows it: http://0.0.0.0:8080, unix:/run/app.sock. */
  url: string;
  /** What server.address() reports to an app that calls listen(). */
  address: { address: string; family: string; port: number } | string;
}

export function parseBind(text: string): BindSpec {
  const t = text.trim();
  if (t.startsWith('unix:')) {
    const path = t.slice(5);
    if (!path) throw new ConfigError(`Invalid bind "${text}": the socket path is missing; use unix:/run/app.sock.`);
    return { kind: 'unix', text: t, path };
  }
  if (t.startsWith('fd://')) {
    const fd = Number(t.slice(5));
    if (!Number.isInteger(fd) || fd < 0) throw new ConfigError(`Invalid bind "${text}": fd://N needs a file descriptor number.`);
    return { kind: 'fd', text: t, fd };
  }
  const hostPort = t.replace(/^tcp:\/\//, '');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*))(?::(\d+))?$/.exec(hostPort);
  if (!m) throw new ConfigError(`Invalid bind "${text}": use HOST:PORT, :PORT, [IPv6]:PORT, unix:/PATH or fd://N.`);
  const host = m[1] ?? (m[2] || '0.0.0.0');
  const port = m[3] === undefined ? 8000 : Number(m[3]);
  if (port > 65535) throw new ConfigError(`Invalid bind "${text}": port ${port} is above 65535.`);
  if (m[1] && net.isIP(m[1]) !== 6) throw new ConfigError(`Invalid bind "${text}": ${m[1]} is not an IPv6 address.`);
  return { kind: 'tcp', text: t, host: host === 'localhost' ? '127.0.0.1' : host, port };
}

/** systemd socket activation: LISTEN_FDS sockets starting at fd 3, when meant for this process. */
export function systemdBinds(env: NodeJS.ProcessEnv): BindSpec[] | null {
  if (!env.LISTEN_FDS || Number(env.LISTEN_PID) !== process.pid) return null;
  const n = Number(env.LISTEN_FDS);
  return Array.from({ length: n }, (_, i) => ({ kind: 'fd' as const, text: `fd://${3 + i}`, fd: 3 + i }));
}

class BindError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function bindOne(spec: BindSpec): Listener {
  let handle: ServerHandle | number;
  if (spec.kind === 'unix') {
    if (existsSync(spec.path)) {
      if (!lstatSync(spec.path).isSocket()) throw new BindError('EEXIST', `${spec.path} exists and is not a socket`);
      unlinkSync(spec.path); // a stale socket from an earlier run, as Gunicorn does
    }
    handle = createServerHandle(spec.path, -1, -1);
  } else if (spec.kind === 'fd') {
    handle = createServerHandle(null, 0, 0, spec.fd);
    if (typeof handle !== 'number' && spec.as?.kind === 'unix') return { spec, handle, url: `unix:${spec.as.path}`, address: spec.as.path };
  } else {
    handle = createServerHandle(spec.host, spec.port, net.isIP(spec.host) === 6 ? 6 : 4, undefined, 0);
  }
  if (typeof handle === 'number') {
    const code = getSystemErrorName(handle);
    throw new BindError(code, code);
  }
  if (spec.kind === 'unix') return { spec, handle, url: `unix:${spec.path}`, address: spec.path };
  const out: Record<string, unknown> = {};
  handle.getsockname?.(out);
  if (spec.kind === 'tcp' && spec.port !== 0 && out.port !== spec.port) {
    // libuv reports EADDRINUSE from bind() only at listen(); an unbound socket shows it now.
    handle.close();
    throw new BindError('EADDRINUSE', 'EADDRINUSE');
  }
  const address = { address: String(out.address ?? ''), family: String(out.family ?? ''), port: Number(out.port ?? 0) };
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const plain = spec.kind === 'tcp' || (spec.kind === 'fd' && spec.as);
  return { spec, handle, url: plain ? `http://${host}:${address.port}` : `${spec.text} (http://${host}:${address.port})`, address };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Bind every spec, retrying as Gunicorn does: "Connection in use" per try, five tries a second
 * apart, then "Can't connect to ..." and null (the caller exits 1).
 */
export async function bindAll(specs: BindSpec[], log: ErrorLog, tries = 5, delayMs = 1000): Promise<Listener[] | null> {
  const bound: Listener[] = [];
  for (const spec of specs) {
    let listener: Listener | null = null;
    for (let attempt = 1; attempt <= tries && !listener; attempt++) {
      try {
        listener = bindOne(spec);
      } catch (err) {
        const code = err instanceof BindError ? err.code : ((err as NodeJS.ErrnoException).code ?? 'EUNKNOWN');
        if (code === 'EADDRINUSE') log.error(`Connection in use: ${spec.text}`);
        else if (code === 'EADDRNOTAVAIL') log.error(`Invalid address: ${spec.text}`);
        else log.error(`Cannot bind ${spec.text}: ${(err as Error).message}`);
        if (attempt < tries && (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL')) {
          log.debug('Retrying in 1 second.');
          await sleep(delayMs);
        } else break;
      }
    }
    if (!listener) {
      closeListeners(bound);
      log.error(`Can't connect to ${spec.text}`);
      return null;
    }
    bound.push(listener);
  }
  return bound;
}

/** Close the sockets; `unlink` removes unix socket files (not while another master still serves on them). */
export function closeListeners(listeners: Listener[], unlink = true): void {
  for (const l of listeners) {
    try {
      (l.handle as ServerHandle).close();
    } catch {
      /* already closed */
    }
    const spec = l.spec.kind === 'fd' && l.spec.as ? l.spec.as : l.spec;
    if (unlink && spec.kind === 'unix') {
      try {
        unlinkSync(spec.path);
      } catch {
        /* already gone */
      }
    }
  }
}
