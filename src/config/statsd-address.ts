/**
 * statsd_host, read as Gunicorn reads it (validate_statsd_address, util.parse_address): HOST:PORT,
 * HOST (port 8125), [IPv6]:PORT, tcp://HOST:PORT, or unix:PATH / unix://PATH for a datagram socket.
 */
export type StatsdAddress = { kind: 'udp'; host: string; port: number } | { kind: 'unix'; path: string };

export const STATSD_DEFAULT_PORT = 8125;

/** The address, or a reason it is not one (the validator words the error). */
export function parseStatsdAddress(text: string): StatsdAddress | string {
  const s = text.trim();
  // Gunicorn keeps "unix:8125" a host named unix (its release 20 regression guard).
  const unixHost = /^unix:(\d+)$/.exec(s);
  if (unixHost) return port('unix', unixHost[1]!);
  const unix = /^unix:(?:\/\/)?(.*)$/.exec(s);
  if (unix) return unix[1] ? { kind: 'unix', path: unix[1] } : 'unix: needs a socket path';
  const net = s.startsWith('tcp://') ? s.slice(6) : s;
  if (net === '') return 'an empty address';
  if (net.startsWith('[')) {
    const m = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(net);
    return m ? port(m[1]!, m[2] ?? String(STATSD_DEFAULT_PORT)) : 'a bracketed IPv6 address needs its closing ]';
  }
  const parts = net.split(':');
  if (parts.length > 2) return 'an IPv6 address must be in brackets, as [::1]:8125';
  if (!/^[A-Za-z0-9.-]+$/.test(parts[0]!)) return `"${parts[0]}" is not a host name`;
  return port(parts[0]!.toLowerCase(), parts[1] ?? String(STATSD_DEFAULT_PORT));
}

function port(host: string, text: string): StatsdAddress | string {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 65535)) return `"${text}" is not a port number (1-65535)`;
  return { kind: 'udp', host, port: n };
}

export function describeStatsdAddress(a: StatsdAddress): string {
  return a.kind === 'unix' ? `unix://${a.path}` : a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
