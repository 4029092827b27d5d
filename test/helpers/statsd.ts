/**
 * A statsd agent as a test sees it: a real UDP socket (or, through Python, a unix datagram
 * socket) on this machine that keeps every datagram, and sums of the lines it got.
 */
import { createInterface } from 'node:readline';
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { launch, sleep } from './cli.js';
import { PYTHON } from './python.js';

export interface Agent {
  /** What to pass as --statsd-host. */
  address: string;
  datagrams: string[];
  lines(): string[];
  close(): Promise<void>;
}

export async function udpAgent(): Promise<Agent> {
  const sock = dgram.createSocket('udp4');
  const datagrams: string[] = [];
  sock.on('message', (m) => datagrams.push(m.toString('latin1')));
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return {
    address: `127.0.0.1:${(sock.address() as AddressInfo).port}`,
    datagrams,
    lines: () => datagrams.flatMap((d) => d.split('\n')),
    close: () =>
      new Promise<void>((resolve) => {
        try {
          sock.close(() => resolve());
        } catch {
          resolve(); // closed already
        }
      }),
  };
}

/** A unix datagram socket at `path`, bound by Python (Node cannot), printing each datagram as JSON. */
export async function unixAgent(path: string): Promise<Agent> {
  const code = [
    'import json, socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind(sys.argv[1])',
    'print("bound", flush=True)',
    'while True: print(json.dumps(s.recv(65536).decode("latin1")), flush=True)',
  ].join('\n');
  const proc = launch(PYTHON, ['-c', code, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const datagrams: string[] = [];
  const rl = createInterface({ input: proc.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the unix datagram agent did not bind ${path} within 5 s`)), 5000);
    rl.on('line', (line) => {
      if (line !== 'bound') return void datagrams.push(JSON.parse(line) as string);
      clearTimeout(timer);
      resolve();
    });
  });
  return {
    address: `unix://${path}`,
    datagrams,
    lines: () => datagrams.flatMap((d) => d.split('\n')),
    close: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** name -> [sum of values, number of lines] for the lines of one type (c, ms, g, h). */
export function totals(lines: string[], type: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const line of lines) {
    const m = /^([^:]+):([^|]+)\|([a-z]+)/.exec(line);
    if (!m || m[3] !== type) continue;
    const t = out.get(m[1]!) ?? [0, 0];
    out.set(m[1]!, [t[0] + Number(m[2]), t[1] + 1]);
  }
  return out;
}

/** Wait until `check` holds for the agent (polled), or fail with what it got. */
export async function until(agent: Agent, what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`statsd agent: ${what} not seen within ${ms} ms; got:\n${agent.lines().join('\n')}`);
    await sleep(50);
  }
}
