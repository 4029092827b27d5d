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
  /** Send one datagram (ASCII text) of `lines` lines; `sent` is called once it has left (or was dropped). */
  send(data: string, lines: number, sent: () => void): void;
  /** Set by the sender: lines lost, and why (ECONNREFUSED, ENOENT, EAGAIN...). */
  onDrop: (lines: number, code: string) => void;
  close(): void;
}

export class SinkError extends Error {}

export function openSink(addr: StatsdAddress): Sink {
  return addr.kind === 'unix' ? unixSink(addr.path) : udpSink(addr.host, addr.port);
}

/**
 * A connected UDP socket (as Gunicorn's): the kernel then reports an agent that is not listening
 * (ICMP port unreachable) as an ECONNREFUSED 'error' after the datagram that was refused, so
 * drops can be counted. While the host name resolves, a few datagrams wait; a failed lookup is
 * tried again on a later send.
 */
function udpSink(host: string, port: number): Sink {
  let sock: dgram.Socket | null = null;
  let connected = false;
  /** Lines in the last datagram sent: the one a refusal is about. */
  let lastLines = 0;
  const waiting: Array<[string, number, () => void]> = [];
  const sink: Sink = {
    where: describeStatsdAddress({ kind: 'udp', host, port }),
    max: UDP_MAX,
    onDrop: () => {},
    send(data, lines, sent) {
      if (connected) return send(data, lines, sent);
      if (!sock) connect();
      if (waiting.length >= MAX_WAITING) {
        sink.onDrop(lines, 'ENOTCONN');
        return sent();
      }
      waiting.push([data, lines, sent]);
    },
    close() {
      dropWaiting('ENOTCONN');
      sock?.close();
      sock = null;
      connected = false;
    },
  };
  const dropWaiting = (code: string) => {
    for (const [, lines, sent] of waiting.splice(0)) {
      sink.onDrop(lines, code);
      sent();
    }
  };
  const send = (data: string, lines: number, sent: () => void) => {
    lastLines = lines;
    sock!.send(data, (err) => {
      if (err) sink.onDrop(lines, (err as NodeJS.ErrnoException).code ?? err.message);
      sent();
    });
  };
  const connect = () => {
    const s = (sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4'));
    s.unref();
    s.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      if (connected) return sink.onDrop(lastLines, code); // refused: the socket stays usable
      if (sock === s) sock = null;
      s.close();
      dropWaiting(code);
    });
    s.connect(port, host, () => {
      if (sock !== s) return;
      connected = true;
      for (const [data, lines, sent] of waiting.splice(0)) send(data, lines, sent);
    });
  };
  connect();
  return sink;
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
    const why = (err as Error).message.split('\nRequire stack')[0]!.replace(/\s+/g, ' ').trim();
    throw new SinkError(
      `statsd_host unix://${path} needs the optional package unix-dgram (Node's dgram has no unix datagram sockets), which did not load: ${why.replace(/\.?$/, '.')} Install or rebuild it for this Node (npm install unix-dgram, npm rebuild unix-dgram; node-gyp needs a C++ compiler), or use HOST:PORT.`,
    );
  }
  const sock = mod.createSocket('unix_dgram');
  sock.on('error', () => {}); // errors come back through each send's callback
  const sink: Sink = {
    where: `unix://${path}`,
    max: UNIX_MAX,
    onDrop: () => {},
    send(text, lines, sent) {
      const data = Buffer.from(text, 'latin1');
      sock.send(data, 0, data.length, path, (err) => {
        if (err) {
          // unix-dgram reports a negative errno, or code 1 for a full queue (EAGAIN).
          const code = err.code;
          sink.onDrop(lines, typeof code === 'number' ? (code < 0 ? getSystemErrorName(code) : 'EAGAIN') : (code ?? err.message));
        }
        sent();
      });
    },
    close() {
      sock.close();
    },
  };
  return sink;
}
