// Loopback helpers: a free port, and waiting for the first 200 from a server.
import { createServer } from 'node:net';
import { request } from 'node:http';
import { sleep } from './procs.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One GET; resolves with { status, body } or rejects (connection refused, timeout…). */
export function get(port, path = '/', timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Poll until GET / answers 200. Resolves with the time it took (ms from `since`);
 * rejects if the process exits first or timeoutMs passes.
 */
export async function waitForOk(port, { since, timeoutMs = 20000, handle }) {
  const deadline = since + timeoutMs;
  let lastErr = 'no answer';
  let badSince = null; // a server that answers, but not 200, for 2 s is not going to start
  while (performance.now() < deadline) {
    if (handle?.exitCode !== undefined) throw new Error(`exited (${handle.exitCode}) before answering`);
    try {
      const res = await get(port, '/', 500);
      if (res.status === 200) return performance.now() - since;
      lastErr = `status ${res.status}: ${JSON.stringify(res.body.slice(0, 80))}`;
      badSince ??= performance.now();
      if (performance.now() - badSince > 2000) throw new Error(`GET / answered ${lastErr}`);
    } catch (err) {
      if (err.message.startsWith('GET / answered')) throw err;
      lastErr = err.code ?? err.message;
      badSince = null;
    }
    await sleep(10);
  }
  throw new Error(`no 200 within ${timeoutMs} ms (${lastErr})`);
}
