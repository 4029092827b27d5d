/**
 * What the master reads from /proc for /metrics: the accept queue of its listening sockets. For a
 * socket in LISTEN state, /proc/net/tcp's rx_queue is the number of connections waiting for
 * accept() (the limit is not shown there). Per-worker memory: memory-limit.ts's residentBytes.
 */
import { readFileSync, readlinkSync } from 'node:fs';

const LISTEN = '0A';

/** The accept queue length of each LISTEN socket in a /proc/net/tcp or tcp6 text, by inode. */
export function parseListenQueues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== LISTEN) continue;
    out.set(f[9]!, parseInt(f[4]!.split(':')[1]!, 16));
  }
  return out;
}

/** The socket inode behind one of this process's file descriptors, or null. */
export function socketInode(fd: number): string | null {
  try {
    return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** The listen queues of this machine's TCP sockets (IPv4 and IPv6), by inode; empty off Linux. */
export function listenQueues(): Map<string, number> {
  const all = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const [inode, q] of parseListenQueues(readFileSync(file, 'utf8'))) all.set(inode, q);
    } catch {
      // no IPv6, or not Linux
    }
  }
  return all;
}
