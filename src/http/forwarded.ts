/**
 * forwarded_allow_ips: X-Forwarded-For / X-Forwarded-Proto (and the secure_scheme_headers) are
 * trusted only from these peers. From any other peer they are removed before the app sees them, so
 * a client cannot spoof its address or scheme. From a trusted peer, a secure_scheme_headers match
 * makes the request https (fetch apps see it in request.url), as Gunicorn sets wsgi.url_scheme.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../config/errors.js';

export type TrustCheck = (remoteAddress: string | undefined) => boolean;

const unmap = (a: string) => (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a);

export function trustCheck(allow: string[], setting = 'forwarded_allow_ips'): TrustCheck {
  if (allow.includes('*')) return () => true;
  const list = new BlockList();
  for (const entry of allow) {
    const [ip, prefix, extra] = entry.split('/');
    const family = isIP(ip ?? '');
    const badPrefix = prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 6 ? 128 : 32));
    if (!family || badPrefix || extra !== undefined) throw new ConfigError(`Invalid value for ${setting}: "${entry}" is not an IP address or network (use 10.0.0.1, 10.0.0.0/8 or *).`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, Number(prefix), type);
  }
  // The listed addresses as node writes a peer's address, for a quick exact match (the usual list is
  // loopback or a proxy's address); anything else goes to the BlockList, which knows networks and
  // other spellings of an IPv6 address.
  const exact = new Set(allow.filter((e) => !e.includes('/')));
  return (remote) => {
    if (!remote) return true; // a unix socket: only local processes allowed by its file mode connect, like loopback
    if (exact.has(remote)) return true;
    const a = unmap(remote);
    return list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  };
}

export function forwardedHeaderNames(secureSchemeHeaders: Record<string, string>): string[] {
  return [...new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', ...Object.keys(secureSchemeHeaders).map((h) => h.toLowerCase())])];
}

/**
 * Whether a request carries any of `names` (lower-case): only then does the peer's trust matter.
 * Most requests carry none, and they skip reading the peer's address. A length test comes first,
 * so most header names are passed over without being lower-cased.
 */
export function forwardedLookup(names: string[]): (req: IncomingMessage) => boolean {
  const set = new Set(names);
  const lengths = new Set(names.map((n) => n.length));
  return (req) => {
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (lengths.has(name.length) && set.has(name.toLowerCase())) return true;
    }
    return false;
  };
}

/**
 * Remove the forwarded headers an untrusted peer sent, from both `headers` and `rawHeaders`. Called
 * only for a request forwardedLookup found them in.
 */
export function stripForwarded(req: IncomingMessage, names: string[]): void {
  const raw = req.rawHeaders;
  let w = 0;
  for (let r = 0; r < raw.length; r += 2) {
    if (names.includes(raw[r]!.toLowerCase())) continue;
    raw[w++] = raw[r]!;
    raw[w++] = raw[r + 1]!;
  }
  raw.length = w;
  for (const h of names) delete req.headers[h];
}

/** secure_scheme_headers lower-cased, for schemeIsHttps. */
export function secureHeaders(secureSchemeHeaders: Record<string, string>): Array<[string, string]> {
  return Object.entries(secureSchemeHeaders).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]);
}

/** A trusted proxy says the client spoke https (one of the secure_scheme_headers has its value). */
export function schemeIsHttps(req: IncomingMessage, secure: Array<[string, string]>): boolean {
  // rawHeaders, not req.headers (built lazily: an app that never reads headers should not pay for it).
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    for (const [wanted, value] of secure) {
      if (name.length === wanted.length && name.toLowerCase() === wanted && raw[i + 1]!.split(',')[0]!.trim().toLowerCase() === value) return true;
    }
  }
  return false;
}

const HTTPS = Symbol('tunicorn.forwardedHttps');
/** Mark a request a trusted proxy received over https (fetch apps then see an https:// request.url). */
export function markHttps(req: IncomingMessage): void {
  (req as IncomingMessage & { [HTTPS]?: true })[HTTPS] = true;
}
export function isForwardedHttps(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [HTTPS]?: true })[HTTPS] === true;
}
