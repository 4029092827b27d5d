/**
 * What RFC 9110/9112 forbid in a request but Node's parser (llhttp, strict mode) lets through,
 * checked on each parsed request next to the limits. A refused request never reaches the app: it is
 * answered 400 (or 501 for a transfer coding tunicorn does not implement) with Connection: close,
 * logged as a WARNING like the limits, and any request pipelined after it on the same connection is
 * dropped unseen (it would otherwise be emitted by node:http before the connection closes: the
 * classic way a smuggled request gets in behind a refused one).
 *
 *   Node lets through                                   tunicorn answers         RFC
 *   more than one Host field line                       400                      9112 §3.2
 *   a second line of a one-value field (Content-Type,   400                      9110 §5.3
 *     Content-Length, Authorization, Range, ...)
 *   a Host value that is not uri-host [":" port]        400                      9112 §3.2, 3986 §3.2
 *   HTTP versions other than 1.0 and 1.1 (0.9, 2.0,     400 (as Gunicorn)        9112 §2.3, 9110 §6.2
 *     the version-less "GET /" line)
 *   RTSP requests (RTSP-only methods; RTSP/ or ICE/     400                      9112 §2.3 (HTTP-name)
 *     instead of HTTP/ in a 1.0 request line)
 *   Transfer-Encoding in an HTTP/1.0 request            400                      9112 §6.1 (faulty framing)
 *   codings besides chunked ("gzip, chunked",           501                      9112 §6.1
 *     "identity, chunked", split over several lines)
 *   a Transfer-Encoding field line with no coding      400                      9112 §6.3 (chunked must be
 *     (read as absent by Node: "TE: " + body)                                      final when TE is present)
 *   Transfer_Encoding / Content_Length (an underscore   400                      9110 §5.1 (a proxy that maps
 *     where a framing field has a hyphen)                                          _ to - reads other framing)
 *   a fragment (#) in the request target                400                      9112 §3.2
 *   asterisk-form with any method but OPTIONS,          400                      9112 §3.2.4
 *     or "*" followed by anything
 *   absolute-form that is not http(s), has userinfo     400                      9110 §4.2, 9112 §3.2.2
 *     or an empty host, or whose authority differs
 *     from the Host field
 *   a trailer field that would change framing,         400 (the app never sees  9110 §6.5.1
 *     routing, authentication, a request modifier or    the body's end; once the
 *     content processing (Host, Authorization, ...)     status is out: closed)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorLog } from '../logging/error-log.js';
import { socketParser } from '../node-internals.js';

export interface Refusal {
  status: 400 | 501;
  reason: string;
}

const REFUSED = Symbol('tunicorn.refused');
type MarkedSocket = Socket & { [REFUSED]?: true };
/** Set by requestRefusal on a request with a Transfer-Encoding (chunked): only such a body can carry trailers. */
const CHUNKED = Symbol('tunicorn.chunked');
type MarkedRequest = IncomingMessage & { [CHUNKED]?: true };

/**
 * Fields a trailer must not carry (RFC 9110 §6.5.1): framing, routing, request modifiers,
 * authentication, content processing, and connection management. A recipient that merged one into
 * the headers would let the end of a body rewrite what the headers said.
 */
const FORBIDDEN_TRAILERS = new Set([
  'transfer-encoding',
  'content-length',
  'host',
  'cache-control',
  'expect',
  'max-forwards',
  'pragma',
  'range',
  'te',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'authorization',
  'proxy-authorization',
  'cookie',
  'content-encoding',
  'content-type',
  'content-range',
  'trailer',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
]);

/** uri-host [":" port] (RFC 3986: IP-literal, IPv4address or reg-name); empty is allowed (RFC 9110 §7.2). */
const HOST_VALUE = /^(?:\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[-A-Za-z0-9._~!$&'()*+,;=:]+)\]|(?:[-A-Za-z0-9._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?$/;
/** The usual case, a subset of HOST_VALUE that is quicker to test: a name or IPv4 address and a port. */
const COMMON_HOST = /^[-A-Za-z0-9._~!$&'()*+,;=]*(?::[0-9]*)?$/;
const ABSOLUTE_FORM = /^([A-Za-z][-A-Za-z0-9+.]*):\/\/([^/?#]*)/;
/** Methods llhttp accepts only in an RTSP request line (DESCRIBE / RTSP/1.0 is parsed like HTTP/1.0). */
const RTSP_ONLY = new Set(['DESCRIBE', 'ANNOUNCE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER', 'REDIRECT', 'RECORD', 'FLUSH']);
const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * Fields that hold one value (RFC 9110 §5.3: not lists), so a second line is a request two parsers
 * may read differently (node:http keeps the first Content-Type, another hop the last).
 */
const SINGLETONS = new Set(['content-type', 'content-length', 'authorization', 'proxy-authorization', 'range', 'if-range', 'if-modified-since', 'if-unmodified-since', 'max-forwards']);
const SINGLETON_LENGTHS = new Set([...SINGLETONS].map((f) => f.length).filter((n) => n !== 14 && n !== 17));

/** Whether the field at raw[i] (lowercased `lower`) appears again later in the block. */
function repeated(raw: string[], i: number, lower: string): boolean {
  for (let j = i + 2; j < raw.length; j += 2) if (raw[j]!.length === lower.length && raw[j]!.toLowerCase() === lower) return true;
  return false;
}

/** Client bytes in a reason (logged, and sent back in the body): escaped and cut short. */
function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
}

/** The authority without a default port, lowercased, for comparing the target's with Host. */
function normalAuthority(authority: string, scheme: string): string {
  const a = authority.toLowerCase();
  const dflt = scheme === 'https' ? ':443' : ':80';
  if (a.endsWith(dflt)) return a.slice(0, -dflt.length);
  return a.endsWith(':') ? a.slice(0, -1) : a;
}

/** Why the request must be refused, or null. Runs on every request: the common case is a few comparisons. */
export function requestRefusal(req: IncomingMessage): Refusal | null {
  const major = req.httpVersionMajor;
  const minor = req.httpVersionMinor;
  // HTTP/2 streams (from node:http2, never from llhttp) come as 2.0; nghttp2 has refused their connection-specific fields.
  const h2 = major === 2 && minor === 0 && req.socket !== undefined && (req as { stream?: unknown }).stream !== undefined;
  if (!h2 && (major !== 1 || (minor !== 0 && minor !== 1))) return { status: 400, reason: `unsupported HTTP version ${major}.${minor}` };
  const method = req.method ?? '';
  if (RTSP_ONLY.has(method)) return { status: 400, reason: `${method} is an RTSP method, not HTTP` };

  const raw = req.rawHeaders;
  let host: string | undefined;
  let te: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const n = name.length;
    if (n === 4) {
      if (name.toLowerCase() !== 'host') continue;
      if (host !== undefined) return { status: 400, reason: 'more than one Host header' };
      // node:http has trimmed the value's surrounding whitespace.
      host = raw[i + 1]!;
      if (!COMMON_HOST.test(host) && !HOST_VALUE.test(host)) return { status: 400, reason: `invalid Host header ${quote(host)}` };
    } else if (n === 17 || n === 14) {
      const lower = name.toLowerCase();
      if (lower === 'transfer-encoding') {
        (te ??= []).push(raw[i + 1]!);
        (req as MarkedRequest)[CHUNKED] = true;
      } else if (lower.includes('_')) {
        const hyphens = lower.replace(/_/g, '-');
        if (hyphens === 'transfer-encoding' || hyphens === 'content-length') return { status: 400, reason: `header name ${name} could be read as ${hyphens}` };
      } else if (SINGLETONS.has(lower) && repeated(raw, i, lower)) return { status: 400, reason: `more than one ${name} header` };
    } else if (SINGLETON_LENGTHS.has(n)) {
      const lower = name.toLowerCase();
      if (SINGLETONS.has(lower) && repeated(raw, i, lower)) return { status: 400, reason: `more than one ${name} header` };
    }
  }

  if (te) {
    if (minor === 0 && !h2) return { status: 400, reason: 'Transfer-Encoding in an HTTP/1.0 request' };
    // llhttp has checked that chunked is the final coding; anything before it is a coding tunicorn
    // does not decode (the app would get the coded bytes as if they were the body).
    const codings: string[] = [];
    for (const line of te) {
      const listed = line
        .split(',')
        .map((c) => c.replace(OWS, '').toLowerCase())
        .filter((c) => c !== '');
      // Legal as an empty list, but a proxy that keeps one of several lines may see no framing at all.
      if (listed.length === 0) return { status: 400, reason: 'an empty Transfer-Encoding field' };
      codings.push(...listed);
    }
    if (codings[codings.length - 1] !== 'chunked') return { status: 400, reason: 'Transfer-Encoding without chunked as the final coding' };
    const other = codings.find((c) => c !== 'chunked');
    if (other !== undefined) return { status: 501, reason: `transfer coding ${quote(other)} is not implemented` };
    if (codings.length > 1) return { status: 400, reason: 'chunked applied more than once' };
  }

  const url = req.url ?? '';
  if (url.includes('#')) return { status: 400, reason: 'a fragment (#) in the request target' };
  if (url.charCodeAt(0) !== 47 /* / */) {
    if (url === '*') {
      if (method !== 'OPTIONS') return { status: 400, reason: `asterisk-form target with ${method} (only OPTIONS)` };
    } else if (url.charCodeAt(0) === 42 /* * */) {
      return { status: 400, reason: 'invalid asterisk-form target' };
    } else {
      const m = ABSOLUTE_FORM.exec(url);
      if (!m) return { status: 400, reason: 'invalid request target' };
      const scheme = m[1]!.toLowerCase();
      const authority = m[2]!;
      if (scheme !== 'http' && scheme !== 'https') return { status: 400, reason: `absolute-form target with scheme ${quote(scheme)}` };
      if (authority.includes('@')) return { status: 400, reason: 'userinfo in the request target' };
      if (authority === '' || authority.startsWith(':') || !HOST_VALUE.test(authority)) return { status: 400, reason: 'invalid authority in the request target' };
      if (host !== undefined && normalAuthority(host, scheme) !== normalAuthority(authority, scheme)) {
        return { status: 400, reason: "Host header differs from the request target's authority" };
      }
    }
  }

  // llhttp also takes "RTSP/1.0" and "ICE/1.0" where HTTP-version belongs, and reports them as 1.0.
  // Only the bytes say which it was: look at the request line when it is in the chunk being parsed
  // (HTTP/1.0 is rare enough for the lookup to cost nothing that matters).
  if (minor === 0 && !h2) {
    const chunk = socketParser(req.socket)?.getCurrentBuffer?.();
    if (chunk) {
      const target = Buffer.from(` ${url} `, 'latin1');
      for (let at = chunk.indexOf(target); at !== -1; at = chunk.indexOf(target, at + 1)) {
        let p = at + target.length;
        while (chunk[p] === 32) p++;
        const proto = chunk.toString('latin1', p, p + 5);
        if (proto.startsWith('RTSP/') || proto.startsWith('ICE/')) return { status: 400, reason: `not an HTTP request line (${proto.split('/')[0]})` };
      }
    }
  }
  return null;
}

/**
 * Answer a refused request (status, Connection: close, a one-line reason) and log it; requests
 * pipelined after it on the same connection will be dropped (see refusedEarlier).
 */
export function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal, log: ErrorLog | null): void {
  const socket = req.socket as MarkedSocket;
  // An HTTP/2 stream is refused alone: later streams on its connection are their own requests.
  if (req.httpVersionMajor !== 2) socket[REFUSED] = true;
  if (log) log.warning(`Invalid request from ip=${socket.remoteAddress ?? 'unix socket'}: ${refusal.reason}`);
  const body = `${refusal.status === 501 ? 'Not Implemented' : 'Bad Request'}: ${refusal.reason}\n`;
  res.shouldKeepAlive = false;
  res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A request pipelined behind a refused one: node:http parses and emits it before the connection
 * closes, but it must not reach the app. Its answer is queued behind the refusal, which closes the
 * connection, so it is never sent.
 */
export function refusedEarlier(req: IncomingMessage, res: ServerResponse): boolean {
  if (!(req.socket as MarkedSocket)[REFUSED]) return false;
  refuse(req, res, { status: 400, reason: 'an earlier request on this connection was refused' }, null);
  return true;
}

/** The first trailer field RFC 9110 §6.5.1 rules out, or undefined. */
export function forbiddenTrailer(rawTrailers: string[]): string | undefined {
  for (let i = 0; i < rawTrailers.length; i += 2) if (FORBIDDEN_TRAILERS.has(rawTrailers[i]!.toLowerCase())) return rawTrailers[i];
  return undefined;
}

/**
 * For a chunked request: check its trailers when the body ends, before the app is told it ended. A
 * forbidden one refuses the request (400, or a closed connection once the app has answered), and
 * the app never sees the end of the body. Requests without Transfer-Encoding pay nothing.
 */
export function guardTrailers(req: IncomingMessage, res: ServerResponse, log: ErrorLog | null): void {
  if (!(req as MarkedRequest)[CHUNKED]) return;
  const push = req.push;
  req.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    const name = chunk === null ? forbiddenTrailer(this.rawTrailers) : undefined;
    if (name === undefined) return push.call(this, chunk, encoding);
    this.push = push;
    const refusal: Refusal = { status: 400, reason: `${name} in the trailer section` };
    if (!res.headersSent) refuse(req, res, refusal, log);
    else {
      if (log) log.warning(`Invalid request from ip=${req.socket.remoteAddress ?? 'unix socket'}: ${refusal.reason}; the connection is closed`);
      req.socket.destroy();
    }
    return false;
  };
}
