#!/usr/bin/env node
// What preload_app saves for a Python app: the Python workers' proportional memory (PSS, which
// splits a shared page among the processes sharing it), with and without --preload, idle and
// after load. Flask app, gevent workers, the seed's worker count.
//   node bench/python-memory.mjs [--workers 5] [--requests 20000] [--python /usr/bin/python3]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { installCleanup, sleep, start, tree } from './lib/procs.mjs';
import { freePort, waitForOk } from './lib/net.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values: opt } = parseArgs({ options: {
  workers: { type: 'string', default: '5' }, requests: { type: 'string', default: '20000' },
  python: { type: 'string', default: '/usr/bin/python3' }, app: { type: 'string', default: 'flask_hello:app' },
} });
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(ROOT, 'bench/.work');
installCleanup();
ensureWrk();

const pssMb = (pid) => Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]) / 1024;
const pythonPss = (root) => tree(root).filter((p) => /python/.test(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8'))).reduce((s, p) => s + pssMb(p.pid), 0);

for (const preload of [false, true]) {
  const port = await freePort();
  const args = [join(ROOT, 'dist/cli.js'), '-b', `127.0.0.1:${port}`, '-w', opt.workers, '-k', 'gevent', '--python', opt.python, '--max-requests', '0', ...(preload ? ['--preload'] : []), opt.app];
  const handle = start(process.execPath, args, { cwd: join(ROOT, 'bench/apps'), logFile: join(WORK, `py-mem-${preload}.log`) });
  await waitForOk(port, { since: performance.now(), handle });
  await sleep(1500);
  const idle = pythonPss(handle.pid);
  await runWrk({ port, connections: 50, durationS: 30, stopAfter: Number(opt.requests), workDir: WORK });
  await sleep(500);
  const loaded = pythonPss(handle.pid);
  console.log(`${preload ? '--preload' : 'no preload'}: Python processes' PSS ${idle.toFixed(1)} MiB idle, ${loaded.toFixed(1)} MiB after ${opt.requests} requests (${opt.workers} gevent workers${preload ? ' + the preloader' : ''}, ${opt.app})`);
  await handle.stop(5000);
}
