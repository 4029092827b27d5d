/**
 * The apps the attack tests run against, one test body per attack: the Node fixture app.mjs, and the
 * Python path (test/fixtures/python/attack_flask.py on gevent). Each says how to start it and the
 * paths that do the same thing on either side.
 */
import { startServer, type Tunicorn } from '../helpers/cli.js';
import { pythonHas } from '../helpers/python.js';
import { startPython } from './python-lib.js';

export interface App {
  name: string;
  /** Why this app cannot run here (missing module), or null. */
  missing: () => string | null;
  start: (args: string[], opts?: { workers?: number }) => Promise<{ t: Tunicorn; url: string }>;
  /** A GET path answered after `ms` milliseconds with a 200. */
  slowPath: (ms: number) => string;
  /** The log line each recycle (max_requests) writes. */
  recycled: RegExp;
  /** Requests the load mixes (defaults to GET /). */
  mix?: { method: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> }[];
  /** Lines that must not appear in the log under churn or graceful stop. */
  forbidden?: RegExp;
}

export const NODE_APP: App = {
  name: 'Node',
  missing: () => null,
  start: (args, opts) => startServer([...args, 'app.mjs'], opts),
  slowPath: (ms) => `/slow?ms=${ms}`,
  recycled: /Autorestarting worker after current request\./,
};

export const PYTHON_APP: App = {
  name: 'Python (gevent, Flask)',
  missing: () => pythonHas('gevent', 'flask'),
  start: (args, opts) => startPython('attack_flask:app', ['-k', 'gevent', ...args], opts),
  slowPath: (ms) => `/sleep?s=${(ms / 1000).toFixed(1)}`,
  recycled: /asked to be replaced \(max_requests\)/,
  mix: [
    { method: 'GET', path: '/' },
    { method: 'GET', path: '/api/items/7?q=x' },
    { method: 'POST', path: '/echo', body: 'x'.repeat(4096), headers: { 'content-type': 'application/octet-stream' } },
    { method: 'GET', path: '/sleep?s=0.01' },
  ],
  forbidden: /was sent SIG|exited with code [1-9]|Traceback|WORKER TIMEOUT|503 for/,
};

export const APPS = [NODE_APP, PYTHON_APP];
