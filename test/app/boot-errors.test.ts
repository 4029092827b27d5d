/**
 * An app that cannot be loaded stops the server: the app's own error printed once, with the number
 * of workers that failed, then "Worker failed to boot.", exit 3, and no crash loop of workers
 * booting again and again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

async function failsToBoot(spec: string, extra: string[] = []) {
  const r = await runCli(['--bind', '127.0.0.1:0', '--workers', '2', ...extra, spec], { timeoutMs: 20_000 });
  assert.equal(r.code, 3, `exit code for ${spec}:\n${r.output}`);
  // Each worker booted once: the master gave up instead of restarting them.
  assert.equal(r.output.match(/Booting worker with pid/g)?.length, 2, r.output);
  // The app's error, then the reason ends the story.
  assert.match(r.output, /\(2 workers failed to boot\)[\s\S]*\[ERROR\] Shutting down: Worker failed to boot\.\n.*\[INFO\] Shutting down: Master\n$/);
  assert.doesNotMatch(r.output, /internal error/);
  return r.output;
}

/** Lines of `out` that match `re`. */
const count = (out: string, re: RegExp) => out.split('\n').filter((l) => re.test(l)).length;

describe('apps that fail to boot', { concurrency: 3, timeout: 60_000 }, () => {
  test('a spec naming a value that is not an app: one clear error listing the exports, said once for both workers', async () => {
    const out = await failsToBoot('node-app.mjs:notAnApp');
    const line =
      /\[ERROR\] Could not load the app \(2 workers failed to boot\): node-app\.mjs:notAnApp is a number, not an app: export a fetch handler .* exports: default \(function\), named \(function\), notAnApp \(number\)\.$/;
    assert.equal(count(out, line), 1, out);
    assert.equal(count(out, /is a number, not an app/), 1, out);
    // A user's mistake, not a crash: no stack trace.
    assert.doesNotMatch(out, /^\s+at /m);
  });

  test('a spec naming an export that does not exist', async () => {
    const out = await failsToBoot('node-app.mjs:handler');
    assert.equal(
      count(
        out,
        /Could not load the app \(2 workers failed to boot\): .*node-app\.mjs has no export "handler"; it exports: default \(function\), named \(function\), notAnApp \(number\)\. Name one with node-app\.mjs:NAME\./,
      ),
      1,
      out,
    );
  });

  test('an app module that throws at import: its error and stack are printed once, the server stops', async () => {
    const out = await failsToBoot('throws-at-import.mjs');
    assert.match(out, /\[ERROR\] Exception in worker process \(2 workers failed to boot\):\nError: database unreachable at import\n\s+at .*throws-at-import\.mjs:1/);
    assert.equal(count(out, /database unreachable at import/), 1, out);
    assert.equal(count(out, /^\s+at .*throws-at-import\.mjs:1/), 1, out);
  });

  test('an app module with a missing import: the missing file is named, once', async () => {
    const out = await failsToBoot('broken.mjs');
    assert.equal(count(out, /Cannot find module '.*does-not-exist\.mjs' imported from .*broken\.mjs/), 1, out);
  });

  test('an app file that is not there', async () => {
    const out = await failsToBoot('no-such-app.mjs');
    assert.equal(count(out, /Could not load the app \(2 workers failed to boot\): App module not found: no-such-app\.mjs/), 1, out);
  });

  test("with the seed's 5 workers, still once", async () => {
    const r = await runCli(['--bind', '127.0.0.1:0', '--workers', '5', 'throws-at-import.mjs'], { timeoutMs: 20_000 });
    assert.equal(r.code, 3, r.output);
    assert.equal(count(r.output, /database unreachable at import/), 1, r.output);
    assert.match(r.output, /Exception in worker process \(5 workers failed to boot\):/);
  });
});
