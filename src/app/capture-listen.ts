/**
 * Run an existing server.js unchanged: in a worker, the first call to listen() on an http.Server
 * (Express's app.listen, Koa's, Fastify's, a hand-built http.createServer) does not bind. The
 * server is captured instead, tunicorn serves its 'request' listeners on its own sockets, and the
 * listen callback and 'listening' event still fire, as Phusion Passenger does.
 * A later listen() for the same app (the same request listener: Express's app.listen called twice,
 * Fastify binding localhost's other address) binds nothing either; another server (a metrics port,
 * say) listens itself. Either is reported in one line through the `notice` callback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ListenNotice = (message: string) => void;

let captured: http.Server | null = null;
let capturedCall = '';
const waiters: Array<(server: http.Server) => void> = [];

/** The call as it reads in the app's source, less its callback: listen(3000), listen({"port":3000}). */
export function listenCall(args: unknown[]): string {
  const shown = args.filter((a) => typeof a !== 'function').map((a) => JSON.stringify(a) ?? String(a));
  return `listen(${shown.join(', ')})`;
}

function requestedPort(args: unknown[]): unknown {
  const first = args[0];
  if (first && typeof first === 'object') return (first as { port?: unknown }).port;
  return typeof first === 'string' && /^\d+$/.test(first) ? Number(first) : first;
}

/** Both servers call the same request listeners: they serve one app. */
function sameApp(a: http.Server, b: http.Server): boolean {
  const x = a.listeners('request');
  const y = b.listeners('request');
  return x.length > 0 && x.length === y.length && x.every((f, i) => f === y[i]);
}

export function installListenCapture(address: AddressInfo | string | null, notice: ListenNotice = () => {}): void {
  const original = http.Server.prototype.listen;
  const reportedPort = address && typeof address === 'object' ? address.port : undefined;

  /** What listen() does for a server tunicorn serves: report its address, and call back as if bound. */
  const pretend = (server: http.Server, args: unknown[]) => {
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    server.address = () => address;
    queueMicrotask(() => {
      server.emit('listening');
      cb?.call(server);
      if (server === captured) for (const wake of waiters.splice(0)) wake(server);
    });
    return server;
  };

  http.Server.prototype.listen = function capturedListen(this: http.Server, ...args: unknown[]) {
    if (!captured) {
      captured = this;
      capturedCall = listenCall(args);
      return pretend(this, args);
    }
    const call = listenCall(args);
    if (this === captured || sameApp(this, captured)) {
      // On the port tunicorn's address() reported, the app is binding the served address again
      // (Fastify does, for each address of localhost): nothing to say.
      if (requestedPort(args) !== reportedPort) notice(`The app called ${call} after ${capturedCall}: tunicorn serves it once, on its own sockets, and binds nothing for ${call}.`);
      return pretend(this, args);
    }
    notice(`A second server called ${call}: it binds that itself in each worker (a fixed port in one worker only); tunicorn serves the server of ${capturedCall}, on its own sockets.`);
    return original.apply(this, args as Parameters<typeof original>);
  } as typeof original;
}

/** The captured server, waiting up to `ms` for an app whose listen() comes after async set-up. */
export function capturedServer(ms: number): Promise<http.Server | null> {
  if (captured) return Promise.resolve(captured);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    waiters.push((s) => {
      clearTimeout(timer);
      resolve(s);
    });
  });
}
