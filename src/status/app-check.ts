/**
 * health_check_path: /readyz asks the app itself, with a GET through the first bind as a client
 * would, so an app that knows it cannot serve (its database is down) is taken out of rotation.
 */
import http from 'node:http';
import https from 'node:https';
import type { Listener } from '../sockets.js';
import type { Verdict } from './health.js';

/** Where a loopback client reaches a bind: a wildcard address is asked on loopback. */
export function target(l: Listener): { socketPath: string } | { host: string; port: number } | null {
  if (typeof l.address === 'string') return { socketPath: l.address };
  const host = l.address.address === '0.0.0.0' ? '127.0.0.1' : l.address.address === '::' ? '::1' : l.address.address;
  return { host, port: l.address.port };
}

/**
 * GET `path` on the app; ok for 2xx and 3xx within `ms`. `secure`: over TLS, without checking the
 * certificate (it is the server's own, reached on loopback by address, not by its name).
 */
export function checkApp(where: NonNullable<ReturnType<typeof target>>, path: string, ms: number, secure = false): Promise<Verdict> {
  return new Promise((resolve) => {
    const fail = (detail: string) => resolve({ ok: false, status: 'app_unhealthy', detail });
    const get = secure ? (o: https.RequestOptions, cb: (res: http.IncomingMessage) => void) => https.get({ ...o, rejectUnauthorized: false }, cb) : http.get;
    const req = get({ ...where, path, agent: false, timeout: ms, headers: { 'user-agent': 'tunicorn-readyz', connection: 'close' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 400) resolve({ ok: true, status: 'ready', detail: `workers are serving; ${path} answered ${status}` });
      else fail(`${path} answered ${status}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ms / 1000}s`)));
    req.on('error', (err) => fail(`${path}: ${err.message}`));
  });
}
