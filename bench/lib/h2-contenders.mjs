// The HTTP/2 table's rows: tunicorn's Node listener and fetch app over h2 (TLS, ALPN) and h2c (prior
// knowledge), nginx's HTTP/2 as the reference, and tunicorn's HTTP/1.1 over TLS with h2 on and off
// (the same code path: with h2 on, HTTP/1.1 connections do not go through HTTP/2 code).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNginx } from './deps.mjs';

/** A self-signed P-256 certificate for localhost in ctx.work, made once. */
export function certOf(ctx) {
  const dir = join(ctx.work, 'tls');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '3650', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  }
  return { cert, key };
}

/** `tls`: h2load gets https (ALPN); `h1`: h2load speaks HTTP/1.1 (--h1) to it. */
function tunicorn(id, label, app, { protocols = 'h2,h1', tls = true, h1 = false } = {}) {
  return {
    id, label, tunicorn: true, tls, h1,
    prepare: (ctx) => (existsSync(ctx.cli) ? null : `${ctx.cli} not found (run npm run build)`),
    // max_requests 0 as in the other tables: h2load does not reconnect after a recycling worker's GOAWAY.
    command: ({ port, workers, ctx }) => {
      const { cert, key } = certOf(ctx);
      const transport = tls ? ['--certfile', cert, '--keyfile', key] : ['--http2-cleartext', 'prior-knowledge'];
      return {
        cmd: ctx.node,
        args: [ctx.cli, '--bind', `127.0.0.1:${port}`, '--workers', String(workers), '--max-requests', '0',
          '--http-protocols', protocols, ...transport, join(ctx.apps, app)],
        cwd: ctx.root, stopSignal: 'SIGTERM',
      };
    },
  };
}

const nginxH2 = {
  id: 'nginx-h2', label: 'nginx HTTP/2 over TLS (return 200)', tls: true,
  prepare: () => ensureNginx(),
  command: ({ port, workers, ctx }) => {
    const dir = join(ctx.work, `nginx-h2-${port}`);
    mkdirSync(dir, { recursive: true });
    const { cert, key } = certOf(ctx);
    const conf = readFileSync(join(ctx.apps, 'nginx-h2.conf'), 'utf8').replaceAll('{{WORKERS}}', String(workers))
      .replaceAll('{{PORT}}', String(port)).replaceAll('{{DIR}}', dir).replaceAll('{{CERT}}', cert).replaceAll('{{KEY}}', key);
    writeFileSync(join(dir, 'nginx.conf'), conf);
    return { cmd: 'nginx', args: ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], cwd: dir, stopSignal: 'SIGTERM' };
  },
};

/** The rows, in display order. */
export const H2_CONTENDERS = [
  nginxH2,
  tunicorn('t-h2-node', 'tunicorn, Node listener, h2 over TLS', 'node.mjs'),
  tunicorn('t-h2-fetch', 'tunicorn, fetch app, h2 over TLS', 'fetch.mjs'),
  tunicorn('t-h2c-node', 'tunicorn, Node listener, h2c (prior knowledge)', 'node.mjs', { tls: false }),
  tunicorn('t-h1tls-h2on', 'tunicorn, Node listener, HTTP/1.1 over TLS, http_protocols h2,h1', 'node.mjs', { h1: true }),
  tunicorn('t-h1tls', 'tunicorn, Node listener, HTTP/1.1 over TLS, http_protocols h1', 'node.mjs', { protocols: 'h1', h1: true }),
];

/**
 * The order within a round (serpentine): each ratio's pair runs back to back, nginx between the
 * two tunicorn h2 rows compared with it, h2c right after h2 over TLS, the two HTTP/1.1 rows together.
 */
export const H2_ROUND_ORDER = ['t-h2-fetch', 'nginx-h2', 't-h2-node', 't-h2c-node', 't-h1tls-h2on', 't-h1tls'];
