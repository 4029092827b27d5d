import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './helpers/cli.js';

test('serves a fetch app and stops on TERM with exit 0', async () => {
  const { t, url } = await startServer(['app.mjs'], { workers: 2 });
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'Hello, World!');
  assert.match(t.output, /\[INFO\] Starting tunicorn \d+\.\d+\.\d+/);
  assert.match(t.output, /\[INFO\] Listening at: http:\/\/127\.0\.0\.1:\d+ \(\d+\)/);
  assert.match(t.output, /\[INFO\] Using worker: async/);
  assert.equal(t.workerPids().length, 2);
  const { code } = await t.stop('SIGTERM');
  assert.equal(code, 0);
  assert.match(t.output, /Shutting down: Master/);
});
