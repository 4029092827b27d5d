/**
 * Issue 4, point 5: slow clients (Debian's slowhttptest) with 10,000 connections against the
 * default settings and 2 workers, five times the workers' combined worker_connections. Each attack
 * (slow headers, slow body, slow read) runs TUNICORN_SLOW_SECONDS (default 35) against a fresh
 * server; meanwhile normal clients (4 keep-alive connections, 200 requests/s) get 100% success and
 * p99 under 1 s, new connections (one every 250 ms) are all served, and the server never needs a
 * restart: the same worker pids throughout, no WORKER TIMEOUT, no crash. Run with
 * `npm run test:reliability`; needs `apt-get install -y slowhttptest` (skipped with a message
 * otherwise). The same attacks against Gunicorn+gevent: compare-gunicorn.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileTimeout, ROOT, startServer } from '../helpers/cli.js';
import { childPids } from '../helpers/proc.js';
import { APT_HINT, describe, fdLimits, LABEL, round, slowhttptestMissing, type Mode } from './slow-clients-lib.js';

const seconds = Number(process.env.TUNICORN_SLOW_SECONDS ?? 35);
// Three attacks, each within its test's timeout (below), and a margin.
fileTimeout(3 * (seconds + 90) + 60);
const connections = 10_000;
const missing = slowhttptestMissing();
const limits = fdLimits();
// slowhttptest raises its own soft limit to the hard one; the workers inherit this process's soft
// limit and need about 1000 descriptors each at the cap.
const fdProblem =
  limits.hard < connections + 100
    ? `the open-file hard limit (${limits.hard}) is below the ${connections} connections slowhttptest needs; raise it (ulimit -Hn)`
    : limits.soft < 4096
      ? `the open-file soft limit (${limits.soft}) is too low for 1000 connections a worker; run with ulimit -n ${Math.min(limits.hard, 20000)}`
      : null;

for (const mode of ['headers', 'body', 'read'] as Mode[]) {
  test(`${LABEL[mode]}: ${connections} connections for ${seconds} s against 2 workers; normal clients 100% served, p99 < 1 s, no restart`, { timeout: (seconds + 90) * 1000 }, async (t) => {
    if (missing) return void t.skip(`${missing}; CI needs: ${APT_HINT}`);
    if (fdProblem) return void t.skip(fdProblem);
    const { t: server, url } = await startServer([`${ROOT}bench/apps/fetch.mjs`], { workers: 2 });
    const workers = childPids(server.pid).sort();
    assert.equal(workers.length, 2);
    const r = await round({ mode, base: url, connections, seconds });
    const after = childPids(server.pid).sort();
    const perPid = new Map<string, number>();
    for (const m of server.output.matchAll(/\[(\d+)\] \[WARNING\] worker_connections \(\d+\) reached: .*?\((\d+) so far[:)]/g)) perPid.set(m[1]!, Math.max(perPid.get(m[1]!) ?? 0, Number(m[2])));
    const shed = [...perPid.values()].reduce((a, b) => a + b, 0);
    const timedOut = server.count(/Request timed out/);
    console.log(describe(r));
    console.log(`${LABEL[mode]}: ${shed} connections shed (as logged, at most one line a second per worker), ${timedOut} requests cut by timeout`);

    const n = r.normal;
    assert.deepEqual({ errors: n.errors, timeouts: n.timeouts, non2xx: n.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 }, 'normal clients: 100% success');
    assert.ok(n.requests >= 100 * (seconds - 4), `normal clients kept their pace (${n.requests} requests)`);
    assert.ok(n.p99 < 1000, `normal clients: p99 ${n.p99} ms`);
    assert.equal(r.fresh.failures, 0, `every new connection was served (${r.fresh.failures} of ${r.fresh.requests} were not)`);
    assert.ok(shed >= 1000, `the attack filled the workers and they shed (${shed} logged)`);
    assert.deepEqual(after, workers, 'the same workers throughout');
    assert.doesNotMatch(server.output, /WORKER TIMEOUT|was sent SIG|exited with code|EMFILE/);
    assert.equal((await server.stop()).code, 0);
  });
}
