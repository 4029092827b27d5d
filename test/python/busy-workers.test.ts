/**
 * Requests go only where they can run now: not to a Python worker whose loop is blocked, and, for
 * sync workers, not before the front has the request's body.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON } from '../helpers/python.js';
import { get as httpGet } from '../helpers/http-get.js';

const get = async (url: string): Promise<string> => {
  const r = await httpGet(url, 30_000);
  return `${r.status} ${r.body}`;
};

test('gevent: a worker whose hub is blocked gets no new requests once its heartbeats are late; it serves again after', async () => {
  const { t, url } = await startServer(['--python', PYTHON, '-k', 'gevent', '--timeout', '30', 'app:application'], { cwd: PY_FIXTURES, workers: 2 });
  try {
    const blocked = get(`${url}/block?7`);
    await sleep(4000); // heartbeats are 3 s late: the master takes the worker off the fronts' list
    const answers = await Promise.all(Array.from({ length: 60 }, () => get(`${url}/pidsleep?0.2`)));
    const blockedPid = (await blocked).split(' ')[1];
    assert.ok(
      answers.every((a) => a.startsWith('200 ')),
      answers.join(', '),
    );
    assert.ok(!answers.some((a) => a.endsWith(` ${blockedPid}`)), `no request went to the blocked worker ${blockedPid}: ${answers.join(', ')}`);
    // Beating again, it is back on the list.
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => get(`${url}/pidsleep?0.1`)));
      for (const a of batch) seen.add(a.split(' ')[1]!);
    }
    assert.ok(seen.has(blockedPid!), 'the worker serves again');
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});

test('sync, one worker: a client sending its body slowly holds no worker; its request runs once the body is in', async () => {
  const { t, port, url } = await startServer(['--python', PYTHON, '-k', 'sync', 'app:application'], { cwd: PY_FIXTURES, workers: 1 });
  try {
    const slow = net.connect(port, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    let reply = '';
    slow.setEncoding('utf8').on('data', (c) => (reply += c));
    slow.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nConnection: close\r\n\r\nfirst ten.');
    await sleep(300);
    for (let i = 0; i < 3; i++) assert.match(await get(`${url}/pid`), /^200 \d+$/, 'the only sync worker is free');
    slow.write('second ten');
    await new Promise((r) => slow.once('close', r));
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nfirst ten\.second ten$/);
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});
