/**
 * The status page's files: status-page/ in the package (HTML, CSS, the page's script) and uPlot,
 * the charting library, from node_modules: nothing comes from a CDN, so the page works offline and
 * behind a strict firewall. Read on first request and kept, so a master nobody looks at reads none.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../status-page/', import.meta.url));
const require = createRequire(import.meta.url);

const FILES: Record<string, { path: () => string; type: string }> = {
  '/': { path: () => `${DIR}index.html`, type: 'text/html; charset=utf-8' },
  '/static/page.css': { path: () => `${DIR}page.css`, type: 'text/css; charset=utf-8' },
  '/static/page.js': { path: () => `${DIR}page.js`, type: 'text/javascript; charset=utf-8' },
  '/static/login.html': { path: () => `${DIR}login.html`, type: 'text/html; charset=utf-8' },
  '/static/uPlot.js': { path: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/static/uPlot.css': { path: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** Only what the page needs: its own files, its own feed, no frames, no inline scripts. */
const HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const cache = new Map<string, Buffer>();

export function isPageFile(path: string): boolean {
  return Object.hasOwn(FILES, path);
}

/** Send one of the page's files (`path` as isPageFile accepted it); `swap` replaces one marker in it. */
export function sendPageFile(res: http.ServerResponse, path: string, status = 200, swap?: [string, string]): void {
  const file = FILES[path]!;
  let body = cache.get(path);
  if (!body) {
    try {
      body = readFileSync(file.path());
    } catch (err) {
      const text = `The status page's file ${path} is missing (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); reinstall tunicorn.\n`;
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    cache.set(path, body);
  }
  if (swap) body = Buffer.from(body.toString('utf8').replace(swap[0], swap[1]));
  res.writeHead(status, { 'Content-Type': file.type, 'Content-Length': body.length, 'Cache-Control': 'no-cache', ...HEADERS });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
