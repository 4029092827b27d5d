/**
 * An HTTP/2 request's header fields as an HTTP/1.1 request would carry them, for code that rebuilds
 * a request from raw fields (the Python workers' environ): the pseudo-headers dropped, :authority
 * as Host when the client sent no Host (RFC 9113 section 8.3.1).
 */
export function h1Fields(raw: string[]): string[] {
  const out: string[] = [];
  let authority: string | undefined;
  let host = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* : */) {
      if (name === ':authority') authority = raw[i + 1];
      continue;
    }
    if (name.length === 4 && name.toLowerCase() === 'host') host = true;
    out.push(name, raw[i + 1]!);
  }
  if (!host && authority !== undefined) out.unshift('Host', authority);
  return out;
}

/** Connection-specific fields, which HTTP/2 forbids (RFC 9113 section 8.2.2) and Node refuses to send. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** A response's raw fields (name, value, ...) without the connection-specific ones, for an HTTP/2 stream. */
export function h2ResponseFields(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}
