/** Load the app named by a spec and decide how to call it (fetch handler or Node listener). */
import { existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { isAbsolute, resolve } from 'node:path';
import { importFile, importSpecifier } from '../loader/import.js';
import { parseAppSpec } from './spec.js';
import { capturedServer } from './capture-listen.js';

export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response> | unknown;
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown;
/**
 * `upgrade`: the server whose 'upgrade' listeners take WebSocket and other upgrade requests (an
 * exported or captured http.Server); `websocket`: a fetch app's WebSocket server, given as
 * @hono/node-server's serve() takes it ({ server: new WebSocketServer({ noServer: true }) }).
 */
export type LoadedApp = { kind: 'fetch'; fetch: FetchHandler; description: string; websocket?: { server: unknown } } | { kind: 'node'; listener: NodeListener; description: string; upgrade?: Server };

/** A user's app that cannot be loaded: reported as the app's error, not tunicorn's. */
export class AppLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppLoadError';
  }
}

const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

export function resolveModulePath(module: string, baseDir: string): string | null {
  const base = isAbsolute(module) ? module : resolve(baseDir, module);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => `${base}/index${e}`)];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'function';
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return !name || name === 'Object' ? 'object' : `${name} instance`;
  }
  return typeof value;
}

/** "a number", "an object", "an Express instance". */
const withArticle = (text: string) => `${/^[aeiou]/i.test(text) ? 'an' : 'a'} ${text}`;

function exportList(mod: Record<string, unknown>): string {
  const names = Object.keys(mod).filter((k) => k !== '__esModule' && k !== 'module.exports');
  return names.length ? names.map((n) => `${n} (${describe(mod[n])})`).join(', ') : 'nothing';
}

/** Keys an ES module namespace has for CommonJS interop, not exports the app chose. */
const INTEROP_KEYS = new Set(['__esModule', 'default', 'module.exports']);

/** `{}`: what a CommonJS file that assigns nothing to module.exports exports. */
const isEmptyObject = (v: unknown) => !!v && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v)) && Object.keys(v).length === 0;

const isServer = (v: unknown): v is Server =>
  !!v && typeof v === 'object' && typeof (v as Server).listen === 'function' && typeof (v as Server).listeners === 'function' && typeof (v as Server).close === 'function';

/** Turn an exported value into a callable app, or null when it is nothing servable. */
export async function asApp(value: unknown, iface: 'auto' | 'fetch' | 'node'): Promise<LoadedApp | null> {
  if (!value || (typeof value !== 'object' && typeof value !== 'function')) return null;
  const v = value as Record<string, unknown> & ((...a: unknown[]) => unknown);
  if (iface !== 'node' && typeof v.fetch === 'function') {
    const fetch = (v.fetch as FetchHandler).bind(v);
    const websocket = v.websocket as { server?: unknown } | undefined;
    if (websocket && typeof websocket === 'object' && websocket.server) return { kind: 'fetch', fetch, description: 'fetch handler with WebSockets', websocket: { server: websocket.server } };
    return { kind: 'fetch', fetch, description: 'fetch handler (object with fetch)' };
  }
  if (isServer(value)) {
    const server = value;
    return { kind: 'node', listener: (req, res) => server.emit('request', req, res), description: 'Node http.Server', upgrade: server };
  }
  if (typeof v.callback === 'function' && typeof v.use === 'function' && iface !== 'fetch') {
    return { kind: 'node', listener: (v.callback as () => NodeListener).call(v), description: 'Koa app' };
  }
  if (typeof v.routing === 'function' && typeof v.ready === 'function' && iface !== 'fetch') {
    await (v.ready as () => Promise<unknown>).call(v);
    const routing = v.routing as NodeListener;
    return { kind: 'node', listener: (req, res) => routing.call(v, req, res), description: 'Fastify app' };
  }
  if (typeof value === 'function') {
    const kind = iface === 'auto' ? (value.length >= 2 ? 'node' : 'fetch') : iface;
    if (kind === 'node') return { kind, listener: value as NodeListener, description: 'Node request listener' };
    return { kind, fetch: value as FetchHandler, description: 'fetch handler' };
  }
  return null;
}

export async function loadApp(specText: string, opts: { baseDir: string; iface: 'auto' | 'fetch' | 'node'; waitForListenMs?: number }): Promise<LoadedApp> {
  const spec = parseAppSpec(specText);
  const path = resolveModulePath(spec.module, opts.baseDir);
  let mod: Record<string, unknown>;
  try {
    if (path) mod = await importFile(path);
    else if (/^(@[\w.-]+\/)?[\w][\w.-]*(\/|$)/.test(spec.module) && !isAbsolute(spec.module)) mod = await importSpecifier(spec.module, opts.baseDir);
    else throw new AppLoadError(`App module not found: ${spec.module} (looked in ${opts.baseDir}); check the path in "${spec.text}".`);
  } catch (err) {
    if (err instanceof AppLoadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    // Only when the app's own module is missing; a missing import inside it is the app's error.
    const aboutSpec = String((err as Error).message).includes(`'${spec.module}'`);
    if (!path && aboutSpec && (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND')) {
      throw new AppLoadError(`App module not found: ${spec.module} (looked in ${opts.baseDir} and node_modules); check the path in "${spec.text}".`);
    }
    throw err;
  }
  const where = path ?? spec.module;
  let value: unknown = mod[spec.exportName];
  const exportsNothing = value === undefined || isEmptyObject(value);
  if (exportsNothing && spec.exportName === 'default' && spec.callArgs === null) {
    // An entry file that exports nothing (CommonJS: an empty module.exports) is a server.js that may
    // call listen() after async set-up: give it time. One with named exports likely wants one named.
    const named = Object.keys(mod).some((k) => !INTEROP_KEYS.has(k));
    const waitMs = named ? Math.min(opts.waitForListenMs ?? 0, 250) : (opts.waitForListenMs ?? 0);
    const server = await capturedServer(waitMs);
    if (server) return { kind: 'node', listener: (req, res) => server.emit('request', req, res), description: 'server captured from listen()', upgrade: server };
    if (!named)
      throw new AppLoadError(
        `${where} exports nothing and called no listen()${waitMs ? ` within ${waitMs / 1000}s` : ''}: export the app (module.exports = app, or export default app) or start it with app.listen().`,
      );
  }
  if (value === undefined) {
    throw new AppLoadError(`${where} has no export "${spec.exportName}"; it exports: ${exportList(mod)}. Name one with ${spec.module}:NAME.`);
  }
  if (spec.callArgs) {
    if (typeof value !== 'function') throw new AppLoadError(`${spec.text}: ${spec.exportName} is ${withArticle(describe(value))}, not a function to call. ${where} exports: ${exportList(mod)}.`);
    value = await (value as (...a: unknown[]) => unknown)(...spec.callArgs);
  }
  const app = await asApp(value, opts.iface);
  if (!app) {
    const wanted =
      opts.iface === 'fetch'
        ? 'with --interface fetch, export a fetch handler (request) => Response or an object with fetch() (Hono)'
        : opts.iface === 'node'
          ? 'with --interface node, export a Node (req, res) listener (Express), a Koa or Fastify app, or an http.Server'
          : 'export a fetch handler (request) => Response, an object with fetch() (Hono), or a Node (req, res) listener (Express)';
    throw new AppLoadError(`${spec.text} is ${withArticle(describe(value))}, not an app: ${wanted}. ${where} exports: ${exportList(mod)}.`);
  }
  return app;
}
