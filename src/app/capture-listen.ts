/**
 * Run an existing server.js unchanged: in a worker, the first call to listen() on an http.Server
 * (Express's app.listen, Koa's, a hand-built http.createServer) does not bind. The server is
 * captured instead, tunicorn serves its 'request' listeners on its own sockets, and the listen
 * callback and 'listening' event still fire, as Phusion Passenger does. Later servers (a metrics
 * port, say) listen normally.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let captured: http.Server | null = null;
const waiters: Array<(server: http.Server) => void> = [];

export function installListenCapture(address: AddressInfo | string | null): void {
  const original = http.Server.prototype.listen;
  http.Server.prototype.listen = function capturedListen(this: http.Server, ...args: unknown[]) {
    if (captured && captured !== this) return original.apply(this, args as Parameters<typeof original>);
    captured = this;
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    this.address = () => address;
    queueMicrotask(() => {
      this.emit('listening');
      cb?.call(this);
      for (const wake of waiters.splice(0)) wake(this);
    });
    return this;
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
