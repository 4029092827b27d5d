/** The access log: one line per response, Gunicorn's format or JSON, written without blocking. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compileAccessFormat, jsonAccessLine, type AccessRecord } from './access-format.js';
import { openDestination, type Destination } from './destination.js';
import { requestIdFor } from './request-id.js';

export class AccessLog {
  private dest: Destination;
  private line: (r: AccessRecord) => string;
  readonly json: boolean;

  constructor(target: string, format: string, logFormat: 'text' | 'json') {
    this.dest = openDestination(target);
    this.json = logFormat === 'json';
    this.line = compileAccessFormat(format);
  }

  /** X-Request-ID from the client, or a new one; echoed on the response (JSON logs only). */
  requestId(req: IncomingMessage, res: ServerResponse): string {
    return requestIdFor(req, res);
  }

  write(r: AccessRecord, requestId?: string): void {
    this.dest.write(`${this.json ? jsonAccessLine(r, requestId) : this.line(r)}\n`);
  }

  reopen(): void {
    this.dest.reopen();
  }

  flush(): void {
    this.dest.flush();
  }
}
