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
