/**
 * Issue 4, point 7 (short form, in npm test): 3000 mutated requests (test/reliability/mutate.ts)
 * over 32 concurrent connections against 2 workers: no crash, no status outside the expected set,
 * no connection or file descriptor left behind, RSS stable. fuzz.long.ts sends 100k+.
 * TUNICORN_FUZZ_SEED replays a run (each run prints its seed).
 */
import { test } from 'node:test';
import { fuzzRun } from './fuzz-run.js';

test('fuzz: 3000 mutated requests, no crash, no leaked connections or fds, RSS stable', { timeout: 60_000 }, async () => {
  await fuzzRun({ label: 'fuzz', total: 3000, concurrency: 32, maxSeconds: 30, rssSlackKb: 30 * 1024 });
});
