/**
 * Where statsd datagrams go: a UDP socket (node:dgram), or a unix datagram socket through the
 * optional package unix-dgram, since node:dgram has no AF_UNIX datagrams. Sends never block: UDP
 * sends are queued by libuv; unix-dgram's socket is non-blocking and reports a full queue.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';
import { describeStatsdAddress, type StatsdAddress } from '../../config/statsd-address.js';

/** The usual MTU-safe statsd datagram (1500 minus IP and UDP headers, with room to spare). */
export const UDP_MAX = 1432;
/** Unix datagram sockets have no MTU: DogStatsD's advice for them. */
export const UNIX_MAX = 8192;

export interface Sink {
  readonly where: string;
  readonly max: number;
  /** `done` gets an error code (ECONNREFUSED, ENOENT, EAGAIN...) when the datagram was dropped. */
  send(data: Buffer, done: (code: string | null) => void): void;
  close(): void;
}

export class SinkError extends Error {}

export function openSink(addr: StatsdAddress): Sink {
  return addr.kind === 'unix' ? unixSink(addr.path) : udpSink(addr.host, addr.port);
}

/**
 * A connected UDP socket (as Gunicorn's): the kernel then reports an agent that is not listening
 * (ICMP port unreachable) as ECONNREFUSED on a following send, so drops can be counted. While the
 * host name resolves, a few datagrams wait; a failed lookup is tried again on a later send.
 */
function udpSink(host: string, port: number): Sink {
  const where = describeStatsdAddress({ kind: 'udp', host, port });
  let sock: dgram.Socket | null = null;
  let connected = false;
  const waiting: Array<[Buffer, (code: string | null) => void]> = [];
  const connect = () => {
    const s = (sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4'));
    s.unref();
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (sock === s) sock = null;
      connected = false;
      s.close();
      for (const [, done] of waiting.splice(0)) done(err.code ?? err.message);
    });
    s.connect(port, host, () => {
      if (sock !== s) return;
      connected = true;
      for (const [data, done] of waiting.splice(0)) send(data, done);
    });
  };
  const send = (data: Buffer, done: (code: string | null) => void) => sock!.send(data, (err) => done(err ? ((err as NodeJS.ErrnoException).code ?? err.message) : null));
  connect();
  return {
    where,
    max: UDP_MAX,
    send(data, done) {
      if (connected) return send(data, done);
      if (!sock) connect();
      if (waiting.length >= MAX_WAITING) return done('ENOTCONN');
      waiting.push([data, done]);
    },
    close() {
      for (const [, done] of waiting.splice(0)) done('ENOTCONN');
      sock?.close();
      sock = null;
      connected = false;
    },
  };
}

/** Datagrams held while the agent's host name resolves. */
const MAX_WAITING = 64;

interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error & { code?: number | string }) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  close(): void;
}

/** unix://PATH: sendto() each datagram, so an agent that restarts is found again at once. */
function unixSink(path: string): Sink {
  let mod: { createSocket(type: 'unix_dgram'): UnixDgramSocket };
  try {
    mod = createRequire(import.meta.url)('unix-dgram');
  } catch (err) {
    throw new SinkError(
      `statsd_host unix://${path} needs the optional package unix-dgram (Node's dgram has no unix datagram sockets), and it could not be loaded (${(err as Error).message.split('\n')[0]}); install it (npm install unix-dgram: it builds with node-gyp, so a C++ compiler) or use HOST:PORT.`,
    );
  }
  const sock = mod.createSocket('unix_dgram');
  sock.on('error', () => {}); // errors come back through each send's callback
  return {
    where: `unix://${path}`,
    max: UNIX_MAX,
    send(data, done) {
      sock.send(data, 0, data.length, path, (err) => {
        if (!err) return done(null);
        // unix-dgram reports a negative errno, or code 1 for a full queue (EAGAIN).
        const code = err.code;
        done(typeof code === 'number' ? (code < 0 ? getSystemErrorName(code) : 'EAGAIN') : (code ?? err.message));
      });
    },
    close() {
      sock.close();
    },
  };
}
