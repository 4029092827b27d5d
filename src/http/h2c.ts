/**
 * Cleartext HTTP/2 with prior knowledge (RFC 9113 section 3.4), for trusted peers only: a proxy
 * that speaks h2c upstream. The first bytes of a connection from a peer in forwarded_allow_ips are
 * read: the HTTP/2 preface sends it to the HTTP/2 front, anything else is answered 400 (as Gunicorn
 * does: such a peer is expected to speak HTTP/2). Other peers go straight to HTTP/1.1, unread.
 */
import type { Socket } from 'node:net';
import type { ErrorLog } from '../logging/error-log.js';
import type { TrustCheck } from './forwarded.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const REFUSAL = 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 37\r\nConnection: close\r\n\r\nBad Request: HTTP/2 preface expected\n';

export interface PriorKnowledgeOptions {
  trusted: TrustCheck;
  log: ErrorLog;
  h1: (socket: Socket) => void;
  h2: (socket: Socket) => void;
}

/** Returns the hand-over for accepted connections: trusted peers are sniffed for the preface. */
export function priorKnowledge(opts: PriorKnowledgeOptions): (socket: Socket) => void {
  return (socket) => {
    if (!opts.trusted(socket.remoteAddress)) return opts.h1(socket);
    let buf: Buffer = Buffer.alloc(0);
    const done = () => {
      socket.off('data', onData);
      socket.off('close', done);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const n = Math.min(buf.length, PREFACE.length);
      if (buf.compare(PREFACE, 0, n, 0, n) !== 0) {
        done();
        opts.log.warning(`Invalid request from ip=${socket.remoteAddress ?? '-'}: http2_cleartext is prior-knowledge and a trusted peer did not send the HTTP/2 preface`);
        socket.on('error', () => {});
        return void socket.end(REFUSAL);
      }
      if (buf.length < PREFACE.length) return;
      done();
      // http2 reads the socket's handle directly; what was put back reaches it first.
      socket.pause();
      socket.unshift(buf);
      opts.h2(socket);
      // (http2 reads what was put back itself, on the next tick)
    };
    socket.on('data', onData);
    socket.on('close', done);
  };
}
