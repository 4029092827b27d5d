/** Reading the accept queue of listening sockets from /proc/net/tcp. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { listenQueues, parseListenQueues, socketInode } from '../../src/status/proc.js';

test('parseListenQueues: LISTEN rows only, rx_queue by inode', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000007 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:1F90 0100007F:D2C4 01 00000000:00000010 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1',
    '',
  ].join('\n');
  assert.deepEqual([...parseListenQueues(text)], [['4242', 7]]);
});

test('a real listening socket: its inode is found, with nothing queued', async () => {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const inode = socketInode(fd);
    assert.ok(inode, 'the fd is a socket');
    assert.equal(listenQueues().get(inode!), 0);
  } finally {
    server.close();
  }
});
