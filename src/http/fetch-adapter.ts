/**
 * Fetch handlers on node:http through @hono/node-server's listener, which builds Request and
 * Response objects lazily (about twice as fast as full undici objects per request). A handler that
 * throws or rejects is logged with its stack and answered 500 with no detail to the client.
 */
import { getRequestListener } from '@hono/node-server';
import type { FetchHandler, NodeListener } from '../app/load.js';

export function fetchListener(fetch: FetchHandler, overrideGlobals: boolean, onError: (err: unknown, request: Request) => void): NodeListener {
  const internalError = () => new Response('Internal Server Error\n', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' } });
  const fail = (request: Request) => (err: unknown) => {
    onError(err, request);
    return internalError();
  };
  const noResponse = () => new TypeError('The fetch handler returned no Response');
  const guarded = (request: Request, env: unknown) => {
    try {
      const result = fetch(request, env);
      if (result instanceof Promise) return result.then((r) => r ?? fail(request)(noResponse()), fail(request));
      if (result === undefined || result === null) return fail(request)(noResponse());
      return result;
    } catch (err) {
      return fail(request)(err);
    }
  };
  return getRequestListener(guarded as Parameters<typeof getRequestListener>[0], { overrideGlobalObjects: overrideGlobals }) as unknown as NodeListener;
}
