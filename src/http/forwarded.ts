/**
 * forwarded_allow_ips: X-Forwarded-For / X-Forwarded-Proto (and the secure_scheme_headers) are
 * trusted only from these peers. From any other peer they are removed before the app sees them, so
 * a client cannot spoof its address or scheme.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../config/errors.js';

export type TrustCheck = (remoteAddress: string | undefined) => boolean;

const unmap = (a: string) => (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a);

export function trustCheck(allow: string[]): TrustCheck {
  if (allow.includes('*')) return () => true;
  const list = new BlockList();
  for (const entry of allow) {
    const [ip, prefix] = entry.split('/');
    const family = isIP(ip ?? '');
    if (!family) throw new ConfigError(`Invalid value for forwarded_allow_ips: "${entry}" is not an IP address or network (use 10.0.0.1, 10.0.0.0/8 or *).`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, Number(prefix), type);
  }
  return (remote) => {
    if (!remote) return true; // a unix socket: only local processes allowed by its file mode connect, like loopback
    const a = unmap(remote);
    return list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  };
}

export function forwardedHeaderNames(secureSchemeHeaders: Record<string, string>): string[] {
  return [...new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', ...Object.keys(secureSchemeHeaders).map((h) => h.toLowerCase())])];
}
