#!/usr/bin/env node
// CPU time per request of one worker process, for telling apart costs too small for wrk's
// req/s to show on a shared 2-core machine. Each server runs one process serving bench/apps;
// autocannon sends a fixed number of requests; the server's utime+stime from /proc/PID/stat
// before and after, divided by the count, is its CPU per request. Servers alternate for a few
// rounds and the lowest figure of each is reported (the least disturbed by the rest of the box).
//
//   node bench/cpu-per-request.mjs [--requests 100000] [--rounds 5] [--close] [--fetch | --fetch-vs-listener]
//                                  [--path /big] [--body-bytes 1048576] [--cli CLI] [--base CLI]
//
// --close sends Connection: close (a new connection per request); --fetch compares the fetch
// app (bench/apps/fetch.mjs) on tunicorn with the same app behind @hono/node-server's listener;
// --fetch-vs-listener compares tunicorn's Node listener row with its fetch app row. --path asks
// for another path of bench/apps (/big: 100 KB); --body-bytes POSTs a body of that size (to /upload).
// --cli runs another build's dist/cli.js; each --base adds a server running the same app as the
// second on the build at CLI (e.g. a copy of dist/ from before a change), so that builds run side by
// side (a build's copy needs the package.json next to its dist/).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, waitForOk } from './lib/net.mjs';
import { tree } from './lib/procs.mjs';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '5' },
    close: { type: 'boolean', default: false },
    fetch: { type: 'boolean', default: false },
    'fetch-vs-listener': { type: 'boolean', default: false },
    path: { type: 'string', default: '/' },
    'body-bytes': { type: 'string', default: '0' },
    'keepalive-first': { type: 'string', default: '0' },
    cli: { type: 'string' },
    base: { type: 'string', multiple: true, default: [] },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const apps = `${root}bench/apps/`;
const autocannon = `${root}node_modules/.bin/autocannon`;
const TICK_US = 1e6 / 100; // /proc/PID/stat counts in clock ticks (USER_HZ, 100 on Linux)

const plainScript = opts.fetch
  ? `import { createServer } from 'node:http';
     import { getRequestListener } from '@hono/node-server';
     const { default: app } = await import('${apps}fetch.mjs');
     createServer(getRequestListener(app, { hostname: 'localhost' })).listen(Number(process.env.PORT), '127.0.0.1');`
  : `import { createServer } from 'node:http';
     const { default: listener } = await import('${apps}node.mjs');
     createServer(listener).listen(Number(process.env.PORT), '127.0.0.1');`;

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}


async function startServers() {
  const [pPort, tPort] = [await freePort(), await freePort()];
  const plain = opts['fetch-vs-listener']
    ? spawn(process.execPath, [resolve(opts.cli ?? `${root}dist/cli.js`), '-w', '1', '-b', `127.0.0.1:${pPort}`, '--max-requests', '0', 'node.mjs:default'], { cwd: apps, stdio: 'ignore' })
    : spawn(process.execPath, ['--input-type=module', '-e', plainScript], { cwd: root, env: { ...process.env, PORT: String(pPort) }, stdio: 'ignore' });
  const app = opts.fetch || opts['fetch-vs-listener'] ? 'fetch.mjs' : 'node.mjs:default';
  const tunicorn = spawn(process.execPath, [resolve(opts.cli ?? `${root}dist/cli.js`), '-w', '1', '-b', `127.0.0.1:${tPort}`, '--max-requests', '0', app], { cwd: apps, stdio: 'ignore' });
  const bases = [];
  for (const cli of opts.base) {
    const port = await freePort();
    bases.push({ cli, port, child: spawn(process.execPath, [resolve(cli), '-w', '1', '-b', `127.0.0.1:${port}`, '--max-requests', '0', app], { cwd: apps, stdio: 'ignore' }) });
  }
  const stop = () => { plain.kill('SIGTERM'); tunicorn.kill('SIGINT'); for (const b of bases) b.child.kill('SIGINT'); };
  const since = performance.now();
  try {
    await Promise.all([waitForOk(pPort, { since }), waitForOk(tPort, { since }), ...bases.map((b) => waitForOk(b.port, { since }))]);
  } catch (err) {
    stop();
    throw err;
  }
  const [, { pid: worker }] = tree(tunicorn.pid); // the master, then its one worker
  const plainPid = opts['fetch-vs-listener'] ? tree(plain.pid)[1].pid : plain.pid;
  const plainName = opts['fetch-vs-listener'] ? 'tunicorn worker, Node listener' : opts.fetch ? 'node:http + @hono/node-server listener' : 'node:http';
  const name = opts.fetch || opts['fetch-vs-listener'] ? 'tunicorn worker, fetch app' : 'tunicorn worker, Node listener';
  return {
    servers: [
      { name: plainName, pid: plainPid, port: pPort },
      { name, pid: worker, port: tPort },
      ...bases.map((b) => ({ name: `${name} (${b.cli})`, pid: tree(b.child.pid)[1].pid, port: b.port })),
    ],
    stop,
  };
}

const n = Number(opts.requests);
const bodyBytes = Number(opts['body-bytes']);
const bodyFile = bodyBytes > 0 ? join(mkdtempSync(join(tmpdir(), 'cpu-per-request-')), 'body') : null;
if (bodyFile) writeFileSync(bodyFile, Buffer.alloc(bodyBytes, 120));
const path = bodyFile && opts.path === '/' ? '/upload' : opts.path;
const body = bodyFile ? ['-m', 'POST', '-i', bodyFile] : [];

const { servers, stop } = await startServers();
const results = new Map(servers.map((s) => [s.name, []]));
try {
  const args = (port, count) => [...(opts.close ? ['-H', 'Connection=close'] : []), ...body, '-c', '20', '-a', String(count), `http://127.0.0.1:${port}${path}`];
  const kaFirst = Number(opts['keepalive-first']);
  if (kaFirst > 0) for (const s of servers) execFileSync(autocannon, ['-c', '50', '-a', String(kaFirst), `http://127.0.0.1:${s.port}/`], { stdio: 'ignore' });
  for (const s of servers) execFileSync(autocannon, args(s.port, Math.min(n, 20000)), { stdio: 'ignore' }); // warm-up
  for (let r = 0; r < Number(opts.rounds); r++) {
    for (const s of r % 2 ? [...servers].reverse() : servers) {
      const before = cpuTicks(s.pid);
      execFileSync(autocannon, args(s.port, n), { stdio: 'ignore' });
      results.get(s.name).push(((cpuTicks(s.pid) - before) * TICK_US) / n);
    }
  }
} finally {
  stop();
}
console.log(`CPU per request, ${opts.close ? 'Connection: close' : 'keep-alive'}, ${bodyBytes ? `POST ${bodyBytes} bytes to ` : 'GET '}${path}, ${n} requests x ${opts.rounds} rounds (lowest; all rounds):`);
const [base] = servers;
const lowest = (name) => Math.min(...results.get(name));
for (const s of servers) {
  const all = results.get(s.name).map((x) => x.toFixed(1)).join(' ');
  const ratio = s === base ? '' : `, ${((lowest(base.name) / lowest(s.name)) * 100).toFixed(0)}% of ${base.name}'s rate`;
  console.log(`  ${s.name}: ${lowest(s.name).toFixed(2)} µs${ratio} (${all})`);
}
