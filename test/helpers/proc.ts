/** What a process holds, read from /proc: resident memory, open file descriptors, children, bound ports. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Pids of the master's live children (its workers). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Local ports of the IPv4 tcp sockets that `pid` holds on `host`, from /proc/PID/net/tcp: the
 * ports a master bound, for a server whose log settings keep its "Listening at" line out of sight.
 */
export function tcpPorts(pid: number, host = '127.0.0.1'): number[] {
  const inodes = new Set<string>();
  let table: string;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        /* closed meanwhile */
      }
    }
    table = readFileSync(`/proc/${pid}/net/tcp`, 'utf8');
  } catch {
    return []; // not running (yet, or any more)
  }
  // local_address is the address in hex, least significant byte first, then ":PORT" in hex.
  const local = host
    .split('.')
    .reverse()
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  const ports: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [addr, port] = (f[1] ?? '').split(':');
    if (addr === local && inodes.has(f[9] ?? '')) ports.push(parseInt(port!, 16));
  }
  return ports;
}

/**
 * Connections waiting in the accept queue of the socket listening on 127.0.0.1:`port` (its
 * rx_queue in /proc/net/tcp), or null when nothing listens there.
 */
export function acceptQueue(port: number): number | null {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return parseInt(f[4]!.split(':')[1]!, 16);
  }
  return null;
}

/** Whether process `pid` exists (signal 0 reaches it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True once process `pid` has exited (a process the test did not start itself, so no 'exit' event); false after `ms`. */
export async function exited(pid: number, ms = 15_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) if (!alive(pid)) return true;
  return !alive(pid);
}
