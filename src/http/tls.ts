/**
 * TLS termination in a worker: a tls.Server that never listens, fed the connections the acceptors
 * take (after the PROXY header, when there is one). Node does the handshake, its timeout and the
 * refusal of clients without a valid certificate (cert_reqs 2); a connection that completes it goes
 * on to the HTTP front as a TLSSocket, so apps see req.socket.encrypted, fetch apps an https URL
 * and Python apps wsgi.url_scheme https. The master sends new material on HUP and on renewals:
 * setSecureContext applies it to new handshakes; open connections keep theirs.
 */
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../logging/error-log.js';
import { secureOptions, type TlsMaterial } from './tls-material.js';
import { tlsParent } from '../node-internals.js';

export interface TlsTerminatorOptions {
  config: Config;
  material: TlsMaterial;
  log: ErrorLog;
  /** Milliseconds a handshake has to finish in (the HTTP headers timeout: same budget as a request head). */
  handshakeTimeoutMs: number;
  /** A handshake finished: `raw` is the accepted socket, `secure` the TLSSocket over it. */
  onSecure: (secure: tls.TLSSocket, raw: Socket) => void;
}

/**
 * ALPN names for http_protocols, in its order of preference; none for HTTP/1.1 alone, so that path
 * stays as it was. A client that offers none of them fails the handshake (no_application_protocol).
 */
function alpn(protocols: Array<'h1' | 'h2'>): { ALPNProtocols?: string[] } {
  if (!protocols.includes('h2')) return {};
  return { ALPNProtocols: protocols.map((p) => (p === 'h2' ? 'h2' : 'http/1.1')) };
}

export class TlsTerminator {
  private readonly server: tls.Server;
  /** Raw connections still handshaking, closed on shutdown (a Set's cost is small beside a handshake's). */
  private readonly handshaking = new Set<Socket>();

  constructor(private readonly opts: TlsTerminatorOptions) {
    this.server = tls.createServer({ ...secureOptions(opts.material, opts.config), handshakeTimeout: opts.handshakeTimeoutMs, ...alpn(opts.config.http_protocols) });
    this.server.on('secureConnection', (secure: tls.TLSSocket) => {
      const raw = tlsParent(secure);
      if (raw) this.handshaking.delete(raw);
      if (raw) opts.onSecure(secure, raw);
      else secure.destroy();
    });
    // Handshake failures (a client refused for its certificate, a timeout, plain HTTP on the TLS
    // port) happen all day on a public port: debug lines. With a listener here Node leaves the
    // socket open, so it is destroyed.
    this.server.on('tlsClientError', (err: NodeJS.ErrnoException, secure: tls.TLSSocket) => {
      // A connection closed under it (shed, reset) no longer knows its peer: '-'.
      opts.log.debug(`TLS handshake with ip=${secure.remoteAddress ?? tlsParent(secure)?.remoteAddress ?? '-'} failed: ${err.code ?? ''} ${err.message}`);
      secure.destroy();
    });
  }

  /** Start the handshake on an accepted connection. */
  admit(raw: Socket): void {
    this.handshaking.add(raw);
    raw.once('close', () => this.handshaking.delete(raw));
    this.server.emit('connection', raw);
  }

  /** On shutdown: connections still handshaking will not be served. */
  closeHandshaking(): void {
    for (const raw of this.handshaking) raw.destroy();
    this.handshaking.clear();
  }

  /** New certificate material from the master: used for handshakes from now on; false (logged) when OpenSSL refuses it. */
  update(material: TlsMaterial): boolean {
    try {
      this.server.setSecureContext(secureOptions(material, this.opts.config));
      return true;
    } catch (err) {
      this.opts.log.error(`New TLS certificate refused (${(err as Error).message}); still serving the previous one.`);
      return false;
    }
  }
}
