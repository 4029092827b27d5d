/**
 * A tunicorn with proxy_protocol on, and clients for it: such a server closes a plain HTTP
 * connection, so readiness is checked with a request that carries a PROXY header.
 */
import http from 'node:http';
import { rawRequest, type RawResponse } from '../http/raw-http.js';
import { sleep, Tunicorn, type RunOptions } from './cli.js';

export const v1Header = (src: string, port = 40000, dstPort = 80) => `PROXY TCP${src.includes(':') ? 6 : 4} ${src} ${src.includes(':') ? '::1' : '127.0.0.1'} ${port} ${dstPort}\r\n`;
export const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}Connection: close\r\n\r\n`;

/**
 * Start one worker on 127.0.0.1:0 with `args`, and wait until `ready` (by default: a request with
 * a v1 header is answered) holds for a connection to it.
 */
export async function startProxied(args: string[], opts: RunOptions & { ready?: (r: RawResponse, t: Tunicorn) => boolean } = {}): Promise<{ t: Tunicorn; port: number }> {
  const t = new Tunicorn(['--bind', '127.0.0.1:0', '--workers', '1', '--access-logfile', '-', ...args], opts);
  const [bound] = await t.listening();
  const port = bound!.port;
  await t.waitFor(/Booting worker with pid/);
  const ready = opts.ready ?? ((r) => r.status === 200);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await rawRequest(port, v1Header('192.0.2.1') + GET('/ready'), 3000);
    if (ready(r, t)) return { t, port };
    if (!t.running) throw new Error(`tunicorn exited before serving:\n${t.output}`);
    if (Date.now() > deadline) throw new Error(`tunicorn with ${args.join(' ')} not ready; last response ${JSON.stringify(r.raw)}; output:\n${t.output}`);
    await sleep(100);
  }
}

/** A GET through a proxy on 127.0.0.1:port, sent from `from` (another loopback address), JSON body parsed. */
export function getFrom(from: string, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; localPort: number }> {
  return new Promise((resolve, reject) => {
    let localPort = 0;
    const req = http.get({ host: '127.0.0.1', port, path, headers, localAddress: from, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode!, json: JSON.parse(body) as Record<string, unknown>, localPort });
        } catch (err) {
          reject(new Error(`not JSON from ${path}: ${JSON.stringify(body)} (${(err as Error).message})`));
        }
      });
    });
    req.on('socket', (s) => s.once('connect', () => (localPort = s.localPort!)));
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`timeout on ${path}`)));
  });
}
