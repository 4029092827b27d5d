// wrk, the load generator: make sure it is installed, run it, read its results.
// A generated Lua script sets the method/body, can stop after N responses, and prints JSON in done().
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall } from './deps.mjs';
import { adopt } from './procs.mjs';

export function ensureWrk() {
  if (spawnSync('wrk', ['-v']).error) aptInstall(['wrk'], 'wrk (the load generator)', { required: true });
  const out = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return (out.stdout + out.stderr).split('\n')[0].trim();
}

function luaScript({ method, bodyBytes, stopAfterPerThread }) {
  const lines = [];
  if (method && method !== 'GET') lines.push(`wrk.method = "${method}"`);
  if (bodyBytes) {
    lines.push(`wrk.body = string.rep("x", ${bodyBytes})`);
    lines.push('wrk.headers["Content-Type"] = "application/octet-stream"');
  }
  if (stopAfterPerThread) {
    lines.push('local count = 0', 'function response(status, headers, body)', '  count = count + 1',
      `  if count == ${stopAfterPerThread} then io.write("BENCH_THREAD_DONE\\n"); io.flush(); wrk.thread:stop() end`, 'end');
  }
  const fields = ['requests', 'duration', 'bytes'].map((k) => `"${k}":%.0f`)
    .concat(['connect', 'read', 'write', 'status', 'timeout'].map((k) => `"${k}":%.0f`))
    .concat(['p50', 'p90', 'p99', 'max'].map((k) => `"${k}":%.0f`)).join(',');
  lines.push('function done(s, latency, requests)', '  local e = s.errors',
    `  io.write(string.format('BENCH_JSON {${fields}}\\n', s.requests, s.duration, s.bytes,`,
    '    e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))', 'end');
  return lines.join('\n') + '\n';
}

/**
 * Drive http://127.0.0.1:port+path. Returns { rps, p50, p99 (ms), errors, non2xx, requests, seconds }.
 * With stopAfter, wrk is ended (SIGINT) once that many responses arrived; durationS is then a bound.
 */
export async function runWrk({ port, path = '/', connections = 50, threads = 2, durationS = 3, headers = [],
  method = 'GET', bodyBytes = 0, stopAfter = 0, timeoutS = 2, workDir }) {
  threads = Math.min(threads, connections);
  const stopAfterPerThread = stopAfter ? Math.ceil(stopAfter / threads) : 0;
  const script = join(workDir, `wrk-${method}-${bodyBytes}-${stopAfterPerThread}.lua`);
  writeFileSync(script, luaScript({ method, bodyBytes, stopAfterPerThread }));
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${durationS}s`, '--timeout', `${timeoutS}s`, '-s', script];
  for (const h of headers) args.push('-H', h);
  args.push(`http://127.0.0.1:${port}${path}`);

  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const handle = adopt(child, 'SIGINT');
  let out = '';
  let threadsDone = 0;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    out += chunk;
    const n = (out.match(/BENCH_THREAD_DONE/g) ?? []).length;
    if (n > threadsDone && (threadsDone = n) >= threads) child.kill('SIGINT');
  });
  child.stderr.on('data', (chunk) => { out += chunk; });
  const killer = setTimeout(() => child.kill('SIGKILL'), (durationS + 15) * 1000);
  await handle.exited;
  clearTimeout(killer);

  const m = /BENCH_JSON (\{.*\})/.exec(out);
  if (!m) throw new Error(`wrk gave no result: ${out.trim().slice(-300)}`);
  const r = JSON.parse(m[1]);
  const seconds = r.duration / 1e6;
  return {
    rps: r.requests / seconds,
    p50: r.p50 / 1000,
    p99: r.p99 / 1000,
    errors: r.connect + r.read + r.write + r.timeout + r.status,
    non2xx: r.status,
    requests: r.requests,
    seconds,
  };
}
