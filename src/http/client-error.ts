/** Requests node:http's parser rejects: answered with a status and Connection: close, and logged. */
import type { Socket } from 'node:net';
import type { ErrorLog } from '../logging/error-log.js';

const STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Content Too Large'],
};

export function answerClientError(err: NodeJS.ErrnoException, socket: Socket, log: ErrorLog): void {
  const code = err.code ?? 'EUNKNOWN';
  const inProgress = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  // The client went away (reset, or closed in the middle of a request): nobody to answer.
  if (code === 'ECONNRESET' || code === 'HPE_INVALID_EOF_STATE' || !socket.writable || inProgress) {
    log.debug(`Client ${socket.remoteAddress ?? 'on unix socket'} closed the connection mid-request (${code})`);
    socket.destroy();
    return;
  }
  const [status, text] = STATUS[code] ?? [400, 'Bad Request'];
  log.warning(`Invalid request from ip=${socket.remoteAddress ?? 'unix socket'}: ${err.message} (${code})`);
  const body = `${text}\n`;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
}
