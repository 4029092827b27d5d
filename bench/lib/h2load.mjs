// h2load (Debian's nghttp2-client) for the HTTP/2 table: one timed run and its figures, and a
// readiness probe that speaks the contender's protocol (h2c prior-knowledge servers answer nothing else).
import { execFile, spawnSync } from 'node:child_process';
import { aptInstall } from './deps.mjs';
import { sleep } from './procs.mjs';

export function ensureH2load() {
  if (!spawnSync('h2load', ['--version'], { stdio: 'ignore' }).error) return null;
  return aptInstall(['nghttp2-client'], 'h2load');
}

const run = (args, timeoutMs) => new Promise((resolve) => {
  execFile('h2load', args, { encoding: 'utf8', maxBuffer: 1 << 24, timeout: timeoutMs }, (err, out, errOut) => resolve({ err, out: `${out}${errOut}` }));
});

/** The URL h2load is given: https for TLS rows (h2 by ALPN, or HTTP/1.1 with --h1), http for h2c. */
export const urlOf = (contender, port, path = '/') => `${contender.tls ? 'https' : 'http'}://127.0.0.1:${port}${path}`;

/**
 * One h2load run of `durationS` (after `warmupS`), or of `requests` requests: { rps, requests,
 * errors, non2xx, proto }. errors counts failed, errored and timed-out requests; h2load's own
 * failure (no connection) is thrown.
 */
export async function runH2load({ url, connections, streams, durationS = 0, warmupS = 0, requests = 0, h1 = false }) {
  const length = requests ? ['-n', String(requests)] : ['-D', String(durationS), ...(warmupS ? ['--warm-up-time', String(warmupS)] : [])];
  const args = [...length,
    '-c', String(connections), '-m', String(streams), ...(h1 ? ['--h1'] : []), url];
  const { err, out } = await run(args, (durationS + warmupS + 60) * 1000);
  const rps = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`h2load ${args.join(' ')}: ${err?.message ?? ''} ${out.trim().split('\n').slice(-3).join(' / ')}`);
  const count = (re) => Number(re.exec(out)?.[1] ?? 0);
  return {
    rps,
    requests: count(/(\d+) succeeded/),
    errors: count(/(\d+) failed/) + count(/(\d+) errored/) + count(/(\d+) timeout/),
    non2xx: count(/status codes: \d+ 2xx, (\d+) 3xx/) + count(/(\d+) 4xx/) + count(/(\d+) 5xx/),
    proto: /Application protocol: (\S+)/.exec(out)?.[1] ?? '?',
  };
}

/** Poll with a few h2load requests until all succeed; resolves with the ms since `since`. */
export async function waitServingH2(url, { h1 = false, since, timeoutMs = 20000, handle }) {
  let last = 'no answer';
  while (performance.now() - since < timeoutMs) {
    if (handle?.exitCode !== undefined) throw new Error(`exited (${handle.exitCode}) before answering`);
    const { out } = await run(['-n', '4', '-c', '1', ...(h1 ? ['--h1'] : []), url], 5000);
    if (/4 succeeded/.test(out) && /4 2xx/.test(out)) return performance.now() - since;
    last = out.trim().split('\n').slice(-2).join(' / ');
    await sleep(50);
  }
  throw new Error(`no answer over ${h1 ? 'HTTP/1.1' : 'HTTP/2'} within ${timeoutMs} ms (${last})`);
}
