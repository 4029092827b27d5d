/**
 * Requests node:http's parser rejects: answered with a status and Connection: close, and logged.
 *
 * The error is in the bytes after every request parsed so far on the connection. When those
 * requests are complete (pipelined garbage behind a valid request), their responses are sent first
 * and the refusal after them, so a valid request is never answered 400 because of what followed it;
 * "data after Connection: close" is not answered at all (RFC 9112 §9.6: the server closes after the
 * response that carried close). When the error is inside a request still being received (a bad
 * chunk, a cut-off body) that request is answered 400 unless its response has started, in which
 * case the connection is closed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorLog } from '../logging/error-log.js';
import { socketParser, socketResponse } from '../node-internals.js';

const STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Content Too Large'],
};
const NOT_IMPLEMENTED: [number, string] = [501, 'Not Implemented'];
/** A request line that is well formed but for its method: a token, one target, an HTTP version. */
const UNKNOWN_METHOD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [^ \r\n]+ HTTP\/\d\.\d\r?\n/;

/** The line the parser stopped in is a request line with a method llhttp does not know (RFC 9110 §9.1: 501). */
function unknownMethod(err: { rawPacket?: Buffer; bytesParsed?: number }): boolean {
  const chunk = err.rawPacket;
  if (!chunk) return false;
  const at = Math.min(err.bytesParsed ?? 0, chunk.length);
  const start = at > 0 ? chunk.lastIndexOf(10, at - 1) + 1 : 0;
  return UNKNOWN_METHOD_LINE.test(chunk.toString('latin1', start, start + 8192));
}

const ANSWERED = Symbol('tunicorn.clientErrorAnswered');
type HttpSocket = Socket & { [ANSWERED]?: true };

/** Call `then` once no response is in progress on the socket (pipelined ones are sent in turn). */
function whenResponsesDone(socket: HttpSocket, then: () => void): void {
  // node:http detaches a response from its socket in its own 'finish' handler: while one is
  // attached, its 'finish' (or 'close', when destroyed) is still to come.
  const res = socketResponse(socket);
  if (!res || socket.destroyed) return then();
  let called = false;
  const next = () => {
    if (called) return;
    called = true;
    res.off('finish', next);
    res.off('close', next);
    socket.off('close', next);
    // node:http's own 'finish' handler (registered first) has assigned the next queued response.
    setImmediate(() => whenResponsesDone(socket, then));
  };
  res.once('finish', next);
  res.once('close', next);
  socket.once('close', next);
}

/**
 * Send the last bytes and close. node:http's sockets allow half-open connections, so end() alone
 * would leave one open for as long as the client keeps its side open (still sending, say); it is
 * destroyed once the answer is flushed plus a moment for the client to read it.
 */
function closeSoon(socket: Socket, answer?: string): void {
  if (answer !== undefined) socket.end(answer);
  else if (!socket.writableEnded) socket.end();
  setTimeout(() => socket.destroy(), 1000).unref();
}

export function answerClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number }, socket: HttpSocket, log: ErrorLog): void {
  const code = err.code ?? 'EUNKNOWN';
  // The parser stays in its error state: later bytes on the connection report the same error again.
  if (socket[ANSWERED]) return;
  socket[ANSWERED] = true;
  const who = socket.remoteAddress ?? 'on unix socket';
  const inProgress = socketResponse(socket);
  const receiving = socketParser(socket)?.incoming;
  // The client went away (reset, or closed in the middle of a request): nobody to answer.
  if (code === 'ECONNRESET' || code === 'HPE_INVALID_EOF_STATE') {
    log.debug(`Client ${who} closed the connection mid-request (${code})`);
    socket.destroy();
    return;
  }
  if (!socket.writable) {
    // Already closing (a response that carried Connection: close is being flushed): let it finish.
    log.debug(`Client ${who} sent more on a closing connection (${code}); ignored`);
    if (socket.writableEnded) closeSoon(socket);
    else socket.destroy();
    return;
  }
  if (code === 'HPE_CLOSED_CONNECTION') {
    // More requests after one with Connection: close: that one is answered, then the connection
    // closes (node:http does both); what followed is ignored.
    log.debug(`Client ${who} sent data after Connection: close; ignored`);
    if (!inProgress) closeSoon(socket);
    return;
  }
  const [status, text] = STATUS[code] ?? (code === 'HPE_INVALID_METHOD' && unknownMethod(err) ? NOT_IMPLEMENTED : [400, 'Bad Request']);
  const warn = () => log.warning(`Invalid request from ip=${socket.remoteAddress ?? 'unix socket'}: ${err.message} (${code})`);
  const body = `${text}\n`;
  const answer = `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  if (inProgress && receiving && !receiving.complete) {
    // The error is inside the request being received. Answer it in place of its response unless
    // that has started, or belongs to an earlier pipelined request (an answer now would be read as
    // that one's): then all the client can be told is a closed connection.
    warn();
    if (inProgress.headersSent || (inProgress as ServerResponse & { req?: IncomingMessage }).req !== receiving) return void socket.destroy();
    closeSoon(socket, answer);
    return;
  }
  // Every request parsed so far is complete: answer them first, then refuse what followed.
  // Not writable by then: the last response carried Connection: close and node:http is closing the
  // connection once it is flushed (destroying it now could cut that response short).
  whenResponsesDone(socket, () => {
    if (!socket.writable) return log.debug(`Client ${who} sent more after a response that closes the connection (${code}); ignored`);
    warn();
    closeSoon(socket, answer);
  });
}
