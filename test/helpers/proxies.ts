/**
 * Real HAProxy and nginx (Debian's) in front of a server under test, sending the PROXY protocol.
 *
 * Neither can bind port 0 and say which port it got, so a free port is picked and, should another
 * process take it before the proxy binds (the proxy then exits), picked again. Each proxy runs in
 * the foreground under launch(), so the file's end stops it by pid.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ROOT, Running, sleep } from './cli.js';
import { freePort } from './net.js';

export interface Proxy {
  proc: Running;
  port: number;
}

/** Resolves once something accepts on 127.0.0.1:port; false if `proc` exits first or `ms` pass. */
async function accepting(port: number, proc: Running, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && proc.running) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(50);
  }
  return false;
}

async function startOn(what: string, start: (port: number) => Running): Promise<Proxy> {
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const proc = start(port);
    if (await accepting(port, proc)) return { proc, port };
    last = proc.output;
    await proc.stop('SIGKILL');
  }
  throw new Error(`${what} did not start; its output:\n${last}`);
}

const tmpDir = (prefix: string) => {
  mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });
  return mkdtempSync(join(ROOT, 'test/.tmp', prefix));
};

/** HAProxy in TCP mode forwarding to 127.0.0.1:target with send-proxy (v1) or send-proxy-v2, optionally with HTTP health checks. */
export function startHaproxy(target: number, version: 1 | 2 = 2, opts: { httpCheck?: string } = {}): Promise<Proxy> {
  const dir = tmpDir('haproxy-');
  return startOn('haproxy', (port) => {
    const cfg = join(dir, `haproxy-${port}.cfg`);
    writeFileSync(
      cfg,
      [
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 30s',
        '  timeout server 30s',
        'listen front',
        `  bind 127.0.0.1:${port}`,
        ...(opts.httpCheck ? [`  option httpchk GET ${opts.httpCheck}`] : []),
        // With httpCheck: HTTP checks every 200 ms, which carry the header too (check-send-proxy).
        `  server tunicorn 127.0.0.1:${target} ${version === 2 ? 'send-proxy-v2' : 'send-proxy'}${opts.httpCheck ? ' check check-send-proxy inter 200' : ''}`,
        '',
      ].join('\n'),
    );
    // -db: stay in the foreground; -W off (no master-worker): the launched pid is the proxy.
    return new Running('/usr/sbin/haproxy', ['-db', '-f', cfg], { cwd: dir });
  });
}

/** nginx's stream module forwarding to 127.0.0.1:target with `proxy_protocol on` (v1). */
export function startNginxStream(target: number): Promise<Proxy> {
  const dir = tmpDir('nginx-');
  return startOn('nginx', (port) => {
    const cfg = join(dir, `nginx-${port}.conf`);
    writeFileSync(
      cfg,
      [
        'load_module /usr/lib/nginx/modules/ngx_stream_module.so;',
        `pid ${dir}/nginx-${port}.pid;`,
        'error_log stderr info;',
        'events { worker_connections 64; }',
        'stream {',
        '  server {',
        `    listen 127.0.0.1:${port};`,
        `    proxy_pass 127.0.0.1:${target};`,
        '    proxy_protocol on;',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    // One process in the foreground (no master), so stopping the launched pid stops nginx.
    return new Running('/usr/sbin/nginx', ['-e', 'stderr', '-p', dir, '-c', cfg, '-g', 'daemon off; master_process off;'], { cwd: dir });
  });
}

/** nginx as an HTTP proxy: `http(port)` is the content of its http block for listening on `port`. */
export function startNginxHttp(http: (port: number) => string): Promise<Proxy> {
  const dir = tmpDir('nginx-http-');
  return startOn('nginx', (port) => {
    const cfg = join(dir, `nginx-${port}.conf`);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/${k};`);
    // keepalive_requests: nginx closes a client connection after 1000 requests by default, and a
    // load generator that sends its next request into that close counts a socket error.
    writeFileSync(
      cfg,
      [
        `pid ${dir}/nginx-${port}.pid;`,
        'error_log stderr warn;',
        'events { worker_connections 1024; }',
        'http {',
        '  access_log off;',
        '  keepalive_requests 1000000;',
        ...temp,
        http(port),
        '}',
        '',
      ].join('\n'),
    );
    return new Running('/usr/sbin/nginx', ['-e', 'stderr', '-p', dir, '-c', cfg, '-g', 'daemon off; master_process off;'], { cwd: dir });
  });
}
