/**
 * Node's private APIs tunicorn uses (src/node-internals.ts), each exercised on real sockets by the
 * Node that runs the server (TUNICORN_TEST_NODE: CI runs this file on Node 20, 22 and 24), so a
 * Node that changes one fails here by name.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { NODE, ROOT } from './helpers/cli.js';

test(`Node's private APIs that tunicorn reads work on this Node`, () => {
  const version = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();
  const out = execFileSync(NODE, [`${ROOT}test/helpers/node-internals-check.mjs`, `${ROOT}dist/node-internals.js`], { encoding: 'utf8', timeout: 30_000 });
  console.log(`Node ${version}: ${out.trim()}`);
  assert.equal(out, 'ok\n', `Node ${version} changed what tunicorn relies on:\n${out}`);
});
