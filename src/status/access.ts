/**
 * Who may see the status page. The page shows the config and worker stacks, so on a status_bind
 * reachable from other machines it asks for a token; /metrics, /healthz and /readyz stay open for
 * Prometheus and Kubernetes probes. What counts is the bound address, not the client's: behind a
 * proxy on the same machine every client looks like loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/types.js';

export const COOKIE = 'tunicorn_status_token';

/** A unix socket (guarded by file permissions) or an address in 127.0.0.0/8 or ::1. */
export function isLoopback(where: AddressInfo | string | null): boolean {
  if (where === null || typeof where === 'string') return true;
  const a = where.address.replace(/^::ffff:/i, '');
  return /^127\.\d+\.\d+\.\d+$/.test(a) || a === '::1';
}

/** The token from status_token or status_token_file; throws one clear line when the file cannot be used. */
export function loadToken(config: Pick<Config, 'status_token' | 'status_token_file'>): string | null {
  if (config.status_token) return config.status_token;
  if (!config.status_token_file) return null;
  let text: string;
  try {
    text = readFileSync(config.status_token_file, 'utf8').trim();
  } catch (err) {
    throw new Error(`Cannot read status_token_file ${config.status_token_file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  if (!/^[\x21-\x7e]{16,}$/.test(text)) throw new Error(`status_token_file ${config.status_token_file} must hold one token of at least 16 printable characters without spaces.`);
  return text;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares in constant time (over digests, so lengths leak nothing either). */
export class TokenCheck {
  private want: Buffer;

  constructor(token: string) {
    this.want = digest(token);
  }

  matches(given: string | null | undefined): boolean {
    return typeof given === 'string' && given !== '' && timingSafeEqual(digest(given), this.want);
  }

  /** The token a request carries: Authorization: Bearer, ?token=, or the page's cookie. */
  allows(req: http.IncomingMessage, query: URLSearchParams): boolean {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return this.matches(bearer) || this.matches(query.get('token')) || this.matches(cookie(req, COOKIE));
  }
}

function cookie(req: http.IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Set-Cookie for a browser that came with ?token=: the token then leaves the address bar. */
export function tokenCookie(token: string): string {
  return `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
