/**
 * A real Prometheus server scrapes the master's /metrics every second while a load generator sends
 * a fixed number of requests through workers recycled by max_requests; Prometheus then reports
 * exactly that many requests, and the counter never went backwards.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileTimeout, launch, listeningLines, sleep, Tunicorn } from '../helpers/cli.js';
import { tcpPorts } from '../helpers/proc.js';
import { get, statusUrl } from '../helpers/status.js';

fileTimeout(90);

const PROMETHEUS = process.env.TUNICORN_TEST_PROMETHEUS ?? 'prometheus';
const hasPrometheus = (() => {
  try {
    execFileSync(PROMETHEUS, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const REQUESTS = 400;
const CONCURRENCY = 4;

/** REQUESTS requests from CONCURRENCY keep-alive loops; counts the answered and the failed. */
async function load(url: string): Promise<{ answered: number; failed: string[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  let answered = 0;
  const failed: string[] = [];
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get(`${url}/slow?ms=20`, { agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) answered++;
          else failed.push(`status ${res.statusCode}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        failed.push(err.message);
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        await one();
      }
    }),
  );
  agent.destroy();
  return { answered, failed };
}

/** An instant PromQL query's single value, or null when the result is empty. */
async function query(base: string, promql: string): Promise<number | null> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ value: [number, string] }> } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  const first = body.data.result[0];
  return first ? Number(first.value[1]) : null;
}

test('Prometheus counts exactly the requests sent, across worker recycles', { skip: !hasPrometheus && 'prometheus is not installed (apt-get install prometheus)' }, async () => {
  const t = new Tunicorn(['app.mjs', '-b', '127.0.0.1:0', '-w', '2', '--status-bind', '127.0.0.1:0', '--max-requests', '30', '--keep-alive', '5']);
  const status = new URL(await statusUrl(t));
  const url = listeningLines(t.output)[0]!.url;
  // Wait with /readyz rather than a request to the app, so the load is the only traffic counted.
  while ((await get(`${status.origin}/readyz`)).status !== 200) await sleep(100);
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-prom-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: tunicorn\n    static_configs:\n      - targets: ['${status.host}']\n`,
  );
  const prom = launch(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:0'], { stdio: 'ignore' });
  after(() => void (prom.exitCode === null && prom.kill('SIGTERM')));
  // Port 0: the address Prometheus really listens on is read from /proc.
  let base = '';
  for (let i = 0; i < 100 && !base; i++) {
    const [port] = tcpPorts(prom.pid!);
    if (port) base = `http://127.0.0.1:${port}`;
    else await sleep(100);
  }
  assert.ok(base, 'Prometheus listens');
  // Prometheus has scraped tunicorn at least once before the load starts.
  for (let i = 0; i < 100 && (await query(base, 'up{job="tunicorn"}').catch(() => null)) !== 1; i++) await sleep(200);

  const { answered, failed } = await load(url);
  assert.deepEqual(failed, []);
  assert.equal(answered, REQUESTS);

  // The last heartbeats and one more scrape: the total settles at the count sent.
  let total: number | null = null;
  for (let i = 0; i < 60 && total !== REQUESTS; i++) {
    await sleep(500);
    total = await query(base, 'sum(tunicorn_requests_total{method="GET",status="200"})');
  }
  assert.equal(total, REQUESTS, `Prometheus total after ${REQUESTS} requests`);
  assert.equal(await query(base, 'sum(tunicorn_request_duration_seconds_count)'), REQUESTS);
  assert.equal(await query(base, 'sum(resets(tunicorn_requests_total[5m]))'), 0, 'the counter never went backwards');
  // A restart is counted when the old worker exits, after its replacement serves: it may lag the load.
  let recycled: number | null = null;
  for (let i = 0; i < 40 && !(recycled !== null && recycled >= 3); i++) {
    recycled = await query(base, 'sum(tunicorn_worker_restarts_total{reason="max_requests"})');
    if (!(recycled !== null && recycled >= 3)) await sleep(500);
  }
  assert.ok(recycled !== null && recycled >= 3, `workers recycled by max_requests: ${recycled}`);
  assert.ok((await query(base, 'histogram_quantile(0.5, sum by (le) (rate(tunicorn_request_duration_seconds_bucket[1m])))'))! >= 0.01, 'the median request took at least its 20 ms sleep');
  await t.stop();
});
