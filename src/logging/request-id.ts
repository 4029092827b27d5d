/**
 * Request ids for log_format=json: the client's X-Request-ID when it sends a sane one, else a new
 * UUID; echoed on the response. Error-log lines written on a request's behalf (an app exception, a
 * timeout) carry `request_id`: the code logging them runs inside withRequestId(). The scope is
 * synchronous on purpose: AsyncLocalStorage would tax every promise of every request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Ids a client may set: printable, no spaces or quotes, at most 200 characters. */
const SANE = /^[\x21\x23-\x7e]{1,200}$/;
const ID = Symbol('tunicorn.requestId');
type WithId = ServerResponse & { [ID]?: string };

let current: string | undefined;

/** Give the request its id (X-Request-ID or a new one), set it on the response, and return it. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const id = clientRequestId(req.headers['x-request-id']) ?? randomUUID();
  res.setHeader('X-Request-ID', id);
  (res as WithId)[ID] = id;
  return id;
}

/** The X-Request-ID a client sent, when it is one we would use. */
export function clientRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && SANE.test(header) ? header : undefined;
}

/** The id requestIdFor gave this response, if any. */
export function requestIdOf(res: ServerResponse | null | undefined): string | undefined {
  return res ? (res as WithId)[ID] : undefined;
}

/** Run `fn` (synchronously) with `id` as the current request id. */
export function withRequestId<T>(id: string | undefined, fn: () => T): T {
  if (id === undefined) return fn();
  const outer = current;
  current = id;
  try {
    return fn();
  } finally {
    current = outer;
  }
}

/** The id of the request a log line is being written for, if any. */
export function currentRequestId(): string | undefined {
  return current;
}
