/**
 * Fetch handlers on node:http through @hono/node-server's listener, which builds Request and
 * Response objects lazily (about twice as fast as full undici objects per request). A handler that
 * throws or rejects is logged with its stack and answered 500 with no detail to the client.
 *
 * A handler may settle after its response is no longer wanted: the request timed out (answered 504
 * already) or the client went away (request.signal fired). Its late Response is then dropped quietly;
 * handing it to the listener would make it write headers twice and print the error to stderr.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAdaptorServer, getRequestListener } from '@hono/node-server';
import type { FetchHandler, NodeListener } from '../app/load.js';
import { directBody } from './fetch-body.js';
import { responseEntryKey, writeAsciiBody } from './fetch-response.js';
import { isForwardedHttps } from './forwarded.js';
import { refuse } from './request-guard.js';
import { requestIdOf, withRequestId } from '../logging/request-id.js';

/** @hono/node-server's marker for "the response was written already": it writes nothing more. */
const ALREADY_SENT = 'x-hono-already-sent';
/**
 * The built-in Response, taken before the listener may replace the global: the listener honours
 * the marker only on a built-in Response (its own lighter ones take a path that writes headers).
 */
const BuiltinResponse = globalThis.Response;

/** Errors an app gets from its request once the client has gone (a body read cut short, an abort). */
function clientGone(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | null;
  return !!e && (e.name === 'AbortError' || e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.message === 'aborted');
}

export function fetchListener(fetch: FetchHandler, overrideGlobals: boolean, onError: (err: unknown, request: Request) => void): NodeListener {
  const internalError = () => new Response('Internal Server Error\n', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' } });
  const alreadySent = () => new BuiltinResponse(null, { headers: { [ALREADY_SENT]: 'true' } });
  /** The response is answered (504) or its client is gone: nothing the handler returns can be sent. */
  const gone = (outgoing: ServerResponse | undefined) => !!outgoing && (outgoing.headersSent || outgoing.destroyed);
  const noResponse = () => new TypeError('The fetch handler returned no Response');

  /** What to answer when the handler failed (closures are made only on this path and the async one). */
  const failure = (request: Request, outgoing: ServerResponse | undefined) => (err: unknown) => {
    const report = () => withRequestId(requestIdOf(outgoing), () => onError(err, request));
    if (!gone(outgoing)) {
      report();
      return internalError();
    }
    // A handler giving up because its signal fired (timeout, client gone) is not an app error.
    const signal = request.signal;
    const aborted = signal.aborted && (err === signal.reason || clientGone(err));
    if (!aborted) report();
    return alreadySent();
  };

  /** Where the global (lightweight) Response keeps its body; null with the built-in one. */
  let entryKey: symbol | null = null;
  /** One marker for responses written here (a built-in Response with no body can be read again and again). */
  let written: Response | null = null;
  /** The app's Response, or the marker once a large ASCII body has been written here. */
  const answer = (r: unknown, outgoing: ServerResponse | undefined) => {
    if (entryKey === null || outgoing === undefined || !writeAsciiBody(r, entryKey, outgoing)) return r;
    return (written ??= alreadySent());
  };

  const guarded = (request: Request, env: { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined) => {
    if (env?.incoming && request.method !== 'GET' && request.method !== 'HEAD') directBody(request, env.incoming);
    try {
      const result = fetch(request, env);
      if (result instanceof Promise) {
        const outgoing = env?.outgoing;
        const fail = failure(request, outgoing);
        return result.then((r: unknown) => (r === undefined || r === null ? fail(noResponse()) : gone(outgoing) ? alreadySent() : answer(r, outgoing)), fail);
      }
      if (result === undefined || result === null) return failure(request, env?.outgoing)(noResponse());
      return answer(result, env?.outgoing);
    } catch (err) {
      return failure(request, env?.outgoing)(err);
    }
  };
  // hostname: the URL's host for requests with no Host header (HTTP/1.0), which would otherwise be refused.
  const listener = getRequestListener(guarded as unknown as Parameters<typeof getRequestListener>[0], { overrideGlobalObjects: overrideGlobals, hostname: 'localhost' }) as unknown as NodeListener;
  // After getRequestListener, which may have replaced the global Response.
  entryKey = responseEntryKey(globalThis.Response);
  // The last Host that made a URL: most requests repeat it, so the check costs a comparison.
  let goodHost: string | undefined = 'localhost';
  return (req, res) => {
    const host = req.headers.host;
    if (host !== goodHost && host !== undefined) {
      // RFC 3986 allows a reg-name the URL standard reads as an IPv4 number and refuses ("0xaaaa…",
      // "4294967296"): the app's request.url could not be built, which the listener answers 500.
      if (!URL.canParse(`http://${host}/`)) return refuse(req, res, { status: 400, reason: 'a Host that does not make a URL' }, null);
      goodHost = host;
    }
    if (!isForwardedHttps(req) || req.url?.[0] !== '/') return listener(req, res);
    // A trusted proxy got this request over https: the listener builds request.url from an absolute
    // URL (synchronously, before its first await); req.url is put back for the access log and hooks.
    const path = req.url;
    req.url = `https://${req.headers.host ?? 'localhost'}${path}`;
    try {
      return listener(req, res);
    } finally {
      req.url = path;
    }
  };
}

/**
 * A fetch app's WebSockets: @hono/node-server's own upgrade handling (the app's upgradeWebSocket()
 * routes answer the handshake, its `ws` server takes the connection) on a server that never listens.
 */
export function fetchUpgradeTarget(fetch: FetchHandler, websocket: { server: unknown }): EventEmitter {
  type Options = Parameters<typeof createAdaptorServer>[0];
  return createAdaptorServer({ fetch: fetch as Options['fetch'], websocket: websocket as Options['websocket'] });
}
