/**
 * The requests a worker is running, as the master reads them when it times the worker out (the
 * WORKER TIMEOUT line names them). A blocked Node worker cannot answer over IPC: the master pauses
 * it through the inspector and calls the function exposed here, so the hot path records nothing new.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientRequestId, requestIdOf } from '../logging/request-id.js';

export interface RunningRequest {
  method: string;
  /** The request target as sent (path and query). */
  path: string;
  /** The request id (X-Request-ID, or the one log_format=json gave it), if any. */
  id?: string;
  /** How long it has been running, in milliseconds. */
  ms: number;
}

/** The global the inspector's expression reads (a symbol, so no app can collide with it). */
export const RUNNING_KEY = 'tunicorn.running';
export const RUNNING_EXPRESSION = `JSON.stringify(globalThis[Symbol.for(${JSON.stringify(RUNNING_KEY)})]?.() ?? null)`;

export function runningRequest(req: IncomingMessage, res: ServerResponse, ms: number): RunningRequest {
  const id = requestIdOf(res) ?? clientRequestId(req.headers['x-request-id']);
  return { method: req.method ?? '-', path: req.url ?? '-', ms: Math.round(ms), ...(id ? { id } : {}) };
}

export function exposeRunning(list: () => RunningRequest[]): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for(RUNNING_KEY)] = list;
}

/** What follows "WORKER TIMEOUT (pid:N)": the request that held the worker, then how many more were in flight. */
export function describeRunning(list: RunningRequest[] | null): string {
  if (!list || list.length === 0) return list ? ' with no request in flight' : '';
  const [first, ...rest] = list as [RunningRequest, ...RunningRequest[]];
  const path = first.path.length > 200 ? `${first.path.slice(0, 200)}...` : first.path;
  const id = first.id ? ` (request id ${first.id})` : '';
  const more = rest.length ? `; ${rest.length} more request${rest.length === 1 ? '' : 's'} in flight` : '';
  return ` running ${first.method} ${path} for ${(first.ms / 1000).toFixed(1)}s${id}${more}`;
}
