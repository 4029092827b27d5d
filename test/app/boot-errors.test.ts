/**
 * An app that cannot be loaded stops the server: "Worker failed to boot." with the app's own error,
 * a non-zero exit, and no crash loop of workers booting again and again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

async function failsToBoot(spec: string, extra: string[] = []) {
  const r = await runCli(['--bind', '127.0.0.1:0', '--workers', '2', ...extra, spec], { timeoutMs: 20_000 });
  assert.equal(r.code, 3, `exit code for ${spec}:\n${r.output}`);
  assert.match(r.output, /\[ERROR\] Shutting down: Worker failed to boot\./);
  assert.match(r.output, /\[INFO\] Shutting down: Master/);
  // Each worker booted once at most: the master gave up instead of restarting them.
  const boots = r.output.match(/Booting worker with pid/g)?.length ?? 0;
  assert.ok(boots >= 1 && boots <= 2, `${boots} boots:\n${r.output}`);
  assert.doesNotMatch(r.output, /internal error/);
  return r.output;
}

describe('apps that fail to boot', { concurrency: 3, timeout: 60_000 }, () => {
  test('a spec naming a value that is not an app: one clear error listing the exports', async () => {
    const out = await failsToBoot('node-app.mjs:notAnApp');
    assert.match(out, /\[ERROR\] Worker \(pid:\d+\) could not load the app: node-app\.mjs:notAnApp is a number, not an app: export a fetch handler .* exports: default \(function\), named \(function\), notAnApp \(number\)\./);
    // A user's mistake, not a crash: no stack trace.
    assert.doesNotMatch(out, /^\s+at /m);
  });

  test('a spec naming an export that does not exist', async () => {
    const out = await failsToBoot('node-app.mjs:handler');
    assert.match(out, /could not load the app: .*node-app\.mjs has no export "handler"; it exports: default \(function\), named \(function\), notAnApp \(number\)\. Name one with node-app\.mjs:NAME\./);
  });

  test('an app module that throws at import: its error and stack are printed, the server stops', async () => {
    const out = await failsToBoot('throws-at-import.mjs');
    assert.match(out, /\[ERROR\] Exception in worker process\nError: database unreachable at import\n\s+at .*throws-at-import\.mjs:1/);
    assert.match(out, /could not load the app: database unreachable at import/);
  });

  test('an app module with a missing import: the missing file is named', async () => {
    const out = await failsToBoot('broken.mjs');
    assert.match(out, /Cannot find module '.*does-not-exist\.mjs' imported from .*broken\.mjs/);
  });

  test('an app file that is not there', async () => {
    const out = await failsToBoot('no-such-app.mjs');
    assert.match(out, /could not load the app: App module not found: no-such-app\.mjs/);
  });
});
