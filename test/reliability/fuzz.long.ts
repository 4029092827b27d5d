/**
 * Issue 4, point 7: at least 100k mutated requests (TUNICORN_FUZZ_REQUESTS, default 100000) from the
 * mutator in test/reliability/mutate.ts, over 64 concurrent connections against 2 workers serving a
 * node listener (the recorder fixture), then as many against a fetch app (app.mjs, through the fetch
 * adapter), each bounded at 10 minutes: no worker crash (same pids, no crash lines), no status outside the expected set,
 * no connection left open and each worker's open fds back to baseline after a short settle, RSS
 * stable (before/after printed). TUNICORN_FUZZ_SEED replays a run. Run with `npm run test:reliability`.
 */
import { test } from 'node:test';
import { fileTimeout } from '../helpers/cli.js';
import { fuzzRun } from './fuzz-run.js';

const total = Number(process.env.TUNICORN_FUZZ_REQUESTS ?? 100_000);
// The two tests' own timeouts, and a margin.
fileTimeout(2 * 15 * 60 + 60);

test(`fuzz: ${total} mutated requests to a node listener, no crash, no leaked connections or fds, RSS stable`, { timeout: 15 * 60_000 }, async () => {
  await fuzzRun({ label: 'fuzz.long', total, concurrency: 64, maxSeconds: 600, rssSlackKb: 40 * 1024 });
});

test(`fuzz: ${total} mutated requests to a fetch app, the same`, { timeout: 15 * 60_000 }, async () => {
  // app.mjs answers 404 for paths it does not know; @hono/node-server answers 400 itself for a
  // target or Host it cannot make a URL of.
  await fuzzRun({ label: 'fuzz.long', app: 'app.mjs', alsoExpected: [404], total, concurrency: 64, maxSeconds: 600, rssSlackKb: 40 * 1024 });
});
