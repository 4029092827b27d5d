#!/usr/bin/env node
// HTTP/2 rows (issue 14 point 3): h2load against tunicorn (Node listener, fetch app) and nginx's
// HTTP/2, all over TLS on 127.0.0.1 with 2 workers each; and HTTP/1.1 over TLS against tunicorn
// with http_protocols h1 and h2,h1, to show the HTTP/1.1 path costs the same with h2 on.
// Contenders alternate (A B C, then C B A) and each figure is the median of the rounds. max_requests
// is off, as in bench/run.mjs: h2load does not reconnect after a recycling worker's GOAWAY.
// Usage: node bench/h2.mjs [--rounds N] [--seconds S]   (needs h2load, nginx, openssl; npm run build first)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const ROUNDS = arg('rounds', 4);
const SECONDS = arg('seconds', 3);
const WORKERS = 2;
const work = mkdtempSync(join(tmpdir(), 'tunicorn-h2bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost'], { cwd: work, stdio: 'ignore' });
const cert = join(work, 'cert.pem');
const key = join(work, 'key.pem');

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tunicorn(app, protocols) {
  return (port) => ({ cmd: process.execPath, args: [join(ROOT, 'dist/cli.js'), '--bind', `127.0.0.1:${port}`, '--workers', String(WORKERS), '--certfile', cert, '--keyfile', key, '--http-protocols', protocols, '--max-requests', '0', '--log-level', 'warning', join(ROOT, 'bench/apps', app)] });
}
function nginx(port) {
  const dir = join(work, `nginx-${port}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nginx.conf'), `daemon off; master_process on; worker_processes ${WORKERS}; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port} ssl http2; ssl_certificate ${cert}; ssl_certificate_key ${key}; default_type text/plain;
    location = / { return 200 "Hello, World!"; } } }
`);
  return { cmd: 'nginx', args: ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')] };
}

/** [label, start, h2load protocol flags] */
const CONTENDERS = [
  ['nginx HTTP/2 (return 200)', nginx, []],
  ['tunicorn Node listener, h2', tunicorn('node.mjs', 'h2,h1'), []],
  ['tunicorn fetch app, h2', tunicorn('fetch.mjs', 'h2,h1'), []],
  ['tunicorn Node listener, HTTP/1.1 over TLS, http_protocols h1', tunicorn('node.mjs', 'h1'), ['--h1']],
  ['tunicorn Node listener, HTTP/1.1 over TLS, http_protocols h2,h1', tunicorn('node.mjs', 'h2,h1'), ['--h1']],
];
/** [label, h2load args]: connections and streams per connection. */
const SCENARIOS = [
  ['50 conns × 10 streams', ['-c', '50', '-m', '10']],
  ['10 conns × 100 streams', ['-c', '10', '-m', '100']],
];

async function start(make) {
  const port = await freePort();
  const { cmd, args } = make(port);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  proc.stderr.on('data', (c) => (err += c));
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    try {
      const out = execFileSync('h2load', ['-n', '20', '-c', '1', `https://127.0.0.1:${port}/`], { encoding: 'utf8' });
      if (/20 succeeded/.test(out)) return { port, stop: () => stop(proc) };
    } catch {}
  }
  stop(proc);
  throw new Error(`${cmd} did not serve: ${err}`);
}
function stop(proc) {
  try {
    process.kill(-proc.pid, 'SIGTERM');
  } catch {}
  return new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
}

function h2load(port, flags, scenario) {
  const out = execFileSync('h2load', ['-D', String(SECONDS), '--warm-up-time', '1', ...scenario, ...flags, `https://127.0.0.1:${port}/`], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const rps = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)?.[1] ?? NaN);
  const failed = Number(/(\d+) failed/.exec(out)?.[1] ?? NaN) + Number(/(\d+) errored/.exec(out)?.[1] ?? 0);
  const proto = /Application protocol: (\S+)/.exec(out)?.[1] ?? '?';
  return { rps, failed, proto };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = CONTENDERS.map(() => SCENARIOS.map(() => ({ rps: [], failed: 0, proto: '' })));
const load = loadavg()[0];
for (let round = 0; round < ROUNDS; round++) {
  const order = CONTENDERS.map((_, i) => i);
  if (round % 2) order.reverse();
  for (const i of order) {
    const [label, make, flags] = CONTENDERS[i];
    const server = await start(make);
    try {
      SCENARIOS.forEach(([, scenario], j) => {
        const r = h2load(server.port, flags, scenario);
        const cell = results[i][j];
        cell.rps.push(r.rps);
        cell.failed += r.failed;
        cell.proto = r.proto;
      });
    } finally {
      await server.stop();
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS}: ${label} done\n`);
  }
}

const num = (n) => Math.round(n).toLocaleString('en-US');
const lines = [
  `Generated by \`node bench/h2.mjs --rounds ${ROUNDS} --seconds ${SECONDS}\` on ${new Date().toISOString().slice(0, 19)}Z.`,
  `Machine: ${cpus().length} CPUs; Node ${process.version}; ${execFileSync('h2load', ['--version'], { encoding: 'utf8' }).trim()}; load average (1 min) before the run ${load.toFixed(1)}.`,
  `TLS on 127.0.0.1, ${WORKERS} workers each, h2load on the same machine; each figure is the median of ${ROUNDS} rounds of ${SECONDS} s (1 s warm-up), contenders alternating; a "hello world" response.`,
  '',
  `| Contender | protocol | ${SCENARIOS.map(([s]) => s).join(' | ')} | failed |`,
  `|---|---|${SCENARIOS.map(() => '---:').join('|')}|---:|`,
  ...CONTENDERS.map(([label], i) => `| ${label} | ${results[i][0].proto} | ${results[i].map((c) => `${num(median(c.rps))} (rounds ${num(Math.min(...c.rps))}–${num(Math.max(...c.rps))})`).join(' | ')} | ${results[i].reduce((a, c) => a + c.failed, 0)} |`),
];
console.log(lines.join('\n'));
