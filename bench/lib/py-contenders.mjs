// The Python table's servers: tunicorn, Gunicorn 20.1 and uWSGI, each with the seed's
// examples/gunicorn.conf.py settings (gevent, 1000 connections, max_requests 30000, timeout 15),
// serving the same apps from bench/apps; only bind and workers are set on the command line.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGunicorn, ensurePythonApps, ensureUwsgi } from './deps.mjs';

export const PYTHON = '/usr/bin/python3';
const APPS = { wsgi: ['wsgi_app:application', 'plain WSGI'], flask: ['flask_hello:app', 'Flask'], django: ['django_app:application', 'Django'] };
const seed = (ctx) => join(ctx.root, 'examples', 'gunicorn.conf.py');
const env = (ctx) => ({ BENCH_WORK: ctx.work });
const needs = (app, check) => () => check() ?? (app === 'wsgi' ? null : ensurePythonApps());

export function tunicorn(id, app, { label, args = [], maxRequests } = {}) {
  return {
    id, label: label ?? `tunicorn + gevent, ${APPS[app][1]}`, tunicorn: true,
    prepare: (ctx) => needs(app, () => (existsSync(ctx.cli) ? null : `${ctx.cli} not found (run npm run build)`))(),
    command: ({ port, workers, ctx }) => ({
      cmd: ctx.node, cwd: ctx.apps, env: env(ctx), stopSignal: 'SIGTERM',
      args: [ctx.cli, '-c', seed(ctx), '--bind', `127.0.0.1:${port}`, '--workers', String(workers), '--python', PYTHON,
        ...(maxRequests === undefined ? [] : ['--max-requests', String(maxRequests)]), ...args, APPS[app][0]],
    }),
  };
}

/** A contender run under `node FLAGS cli.js`: the flags reach the master and, through it, the fronts. */
export const withNodeFlags = (c, flags) => ({ ...c, command: (o) => { const spec = c.command(o); return { ...spec, args: [...flags, ...spec.args] }; } });

export function gunicorn(id, app, { label, args = [] } = {}) {
  return {
    id, label: label ?? `Gunicorn + gevent, ${APPS[app][1]}`,
    prepare: needs(app, ensureGunicorn),
    command: ({ port, workers, ctx }) => ({
      cmd: '/usr/bin/gunicorn', cwd: ctx.apps, env: env(ctx), stopSignal: 'SIGINT', // SIGINT: quick shutdown
      args: ['-c', seed(ctx), '--bind', `127.0.0.1:${port}`, '--workers', String(workers), ...args, APPS[app][0]],
    }),
  };
}

/** uWSGI's own HTTP parser on the socket (--http-socket, no router process), gevent loop, the seed's limits. */
function uwsgi(id, app) {
  const [module] = APPS[app];
  return {
    id, label: `uWSGI + gevent, ${APPS[app][1]} (closes each connection³)`,
    prepare: needs(app, ensureUwsgi),
    command: ({ port, workers, ctx }) => ({
      cmd: 'uwsgi', cwd: ctx.apps, env: env(ctx), stopSignal: 'SIGINT', // SIGINT: uWSGI's quick stop
      args: ['--plugins', 'python3,gevent_python3', '--http-socket', `127.0.0.1:${port}`, '--master', '--processes', String(workers),
        '--gevent', '1000', '--gevent-monkey-patch', '--max-requests', '30000', '--harakiri', '15', '--listen', '1024',
        '--chdir', ctx.apps, '--module', module, '--disable-logging', '--die-on-term', '--need-app'],
    }),
  };
}

/** The rows of the Python table, in display order. */
export const PY_CONTENDERS = [
  tunicorn('t-wsgi', 'wsgi'), gunicorn('g-wsgi', 'wsgi'), uwsgi('u-wsgi', 'wsgi'),
  tunicorn('t-flask', 'flask'), gunicorn('g-flask', 'flask'), uwsgi('u-flask', 'flask'),
  tunicorn('t-django', 'django'), gunicorn('g-django', 'django'),
  tunicorn('t-sync', 'wsgi', { label: 'tunicorn sync, plain WSGI', args: ['--worker-class', 'sync'] }),
  tunicorn('t-gthread', 'wsgi', { label: 'tunicorn gthread (4 threads), plain WSGI', args: ['--worker-class', 'gthread', '--threads', '4'] }),
  gunicorn('g-sync', 'wsgi', { label: 'Gunicorn sync, plain WSGI', args: ['--worker-class', 'sync'] }),
];

/** Each goal's pair back to back in a round (serpentine), as in the Node table. */
export const PY_ROUND_ORDER = ['t-wsgi', 'g-wsgi', 'u-wsgi', 'u-flask', 't-flask', 'g-flask', 't-django', 'g-django', 't-sync', 'g-sync', 't-gthread'];

/** Recycling: the seed's max_requests 30000 (the running t-flask row) against the same server without it. */
export const PY_SPECIALS = {
  recycle30k: { ...tunicorn('t-flask-mr0', 'flask', { label: 'tunicorn + gevent, Flask, max_requests 0', maxRequests: 0 }), special: true,
    base: 't-flask', recyclingSide: 'base' },
};
