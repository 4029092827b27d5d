/** Exact bytes over a raw loopback socket, for requests no HTTP client would send. */
import net from 'node:net';

export interface RawResponse {
  /** Everything the server sent. */
  raw: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (within the wait). */
  closed: boolean;
}

function parse(raw: string, closed: boolean): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = end === -1 ? '' : raw.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    let out = '';
    for (;;) {
      const nl = body.indexOf('\r\n');
      const size = parseInt(body.slice(0, nl), 16);
      if (!size) break;
      out += body.slice(nl + 2, nl + 2 + size);
      body = body.slice(nl + 2 + size + 2);
    }
    body = out;
  }
  return { raw, status: Number(statusLine.split(' ')[1] ?? 0), headers, body, closed };
}

/** True once `raw` holds a whole response (Content-Length or chunked framing). */
function complete(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const head = raw.slice(0, end);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) return raw.endsWith('0\r\n\r\n');
  const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  return raw.length >= end + 4 + len;
}

/**
 * Send `data` on a new connection and read the response. Resolves once the response is complete
 * (and, when it says Connection: close, once the server has closed), or when `ms` pass.
 */
export function rawRequest(port: number, data: string | Buffer, ms = 3000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let raw = '';
    let closed = false;
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(parse(raw, closed));
    };
    const timer = setTimeout(done, ms);
    s.on('data', (d) => {
      raw += d.toString('latin1');
      if (complete(raw) && !/\r\nconnection: *close/i.test(raw.slice(0, raw.indexOf('\r\n\r\n')))) done();
    });
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      done();
    });
    s.write(data);
  });
}

/** A keep-alive connection: send requests one after another and read each response. */
export class RawConnection {
  readonly socket: net.Socket;
  private buf = '';
  closedAt: number | null = null;
  private wake: (() => void) | null = null;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d) => {
      this.buf += d.toString('latin1');
      this.wake?.();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closedAt = Date.now();
      this.wake?.();
    });
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connecting) return resolve();
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  /** Send a request and wait for one complete response (Content-Length bodies). */
  async request(data: string, ms = 5000): Promise<RawResponse> {
    this.socket.write(data);
    const deadline = Date.now() + ms;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        const len = Number(/\r\ncontent-length: *(\d+)/i.exec(this.buf.slice(0, end))?.[1] ?? 0);
        if (this.buf.length >= end + 4 + len) {
          const one = this.buf.slice(0, end + 4 + len);
          this.buf = this.buf.slice(end + 4 + len);
          return parse(one, this.closedAt !== null);
        }
      }
      if (this.closedAt !== null) throw new Error(`connection closed before a full response: ${JSON.stringify(this.buf)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no full response within ${ms} ms: ${JSON.stringify(this.buf)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Resolves with the time the server closed the connection, or null if still open after `ms`. */
  async waitClosed(ms: number): Promise<number | null> {
    const deadline = Date.now() + ms;
    while (this.closedAt === null && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.closedAt;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
