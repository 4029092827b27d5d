/**
 * The V8 flags workers start with (src/arbiter/worker-flags.ts): on a V8 that keeps Buffers' memory
 * apart from the heap's limit (13, Node 24) a first heap limit of 128 MB, and none elsewhere; a flag
 * the user gave the master wins. CI runs this file on Node 20 and on Node 24.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { NODE, startServer } from '../helpers/cli.js';

const v8Major = Number(execFileSync(NODE, ['-p', 'process.versions.v8'], { encoding: 'utf8' }).split('.')[0]);
const execArgv = async (url: string) => (await (await fetch(`${url}/exec-argv`)).json()) as string[];
const BODY = Buffer.alloc(1 << 20, 'x');

test('a worker starts with the heap flag where V8 needs it, and reads 1 MiB bodies', async () => {
  const { t, url } = await startServer(['fetch-features.mjs'], { workers: 1 });
  const argv = await execArgv(url);
  if (v8Major >= 13) assert.ok(argv.includes('--initial-heap-size=128'), argv.join(' '));
  else assert.ok(!argv.some((a) => a.startsWith('--initial-heap-size')), argv.join(' '));
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${url}/echo`, { method: 'POST', body: BODY });
    assert.equal(res.status, 200);
    assert.equal((await res.arrayBuffer()).byteLength, BODY.length);
  }
  assert.doesNotMatch(t.output, /unrecognized flag|bad option/);
  assert.equal((await t.stop()).code, 0);
});

test("the user's own heap size wins", async () => {
  const { t, url } = await startServer(['fetch-features.mjs'], { workers: 1, nodeArgs: ['--initial-heap-size=64'] });
  const heap = (await execArgv(url)).filter((a) => a.startsWith('--initial-heap-size'));
  assert.deepEqual(heap, ['--initial-heap-size=64']);
  assert.equal((await t.stop()).code, 0);
});
