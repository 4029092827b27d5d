// The servers under test: how to start each one on a loopback port with N workers.
// command() returns { cmd, args, env, cwd, stopSignal }; prepare() returns null when the
// contender can run, or why it cannot (missing package, CLI not built…).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGunicorn, ensureNginx, ensurePm2 } from './deps.mjs';
import { BIG } from '../apps/content.mjs';

function tunicorn(id, label, app, { maxRequests = 0, extraArgs = () => [], special = false } = {}) {
  return {
    id, label, tunicorn: true, special,
    prepare: (ctx) => (existsSync(ctx.cli) ? null : `${ctx.cli} not found (run npm run build)`),
    // max_requests 0 in the main rows, like the cluster/PM2 baselines; recycling is measured on its own.
    command: ({ port, workers, ctx }) => ({
      cmd: ctx.node,
      args: [ctx.cli, '--bind', `127.0.0.1:${port}`, '--workers', String(workers), '--max-requests', String(maxRequests),
        ...extraArgs({ port, ctx }), join(ctx.apps, app)],
      cwd: ctx.root,
      stopSignal: 'SIGTERM',
    }),
  };
}

const cluster = {
  id: 'cluster', label: 'node:http cluster (workers accept)',
  prepare: () => null,
  command: ({ port, workers, ctx }) => ({
    cmd: ctx.node, args: [join(ctx.apps, 'cluster.mjs')], cwd: ctx.apps, stopSignal: 'SIGTERM',
    env: { NODE_CLUSTER_SCHED_POLICY: 'none', PORT: String(port), WORKERS: String(workers) },
  }),
};

/**
 * A second, identical plain cluster. It runs right after the first in each round, so the gap
 * between the two is what this machine's noise alone does to a pair of rows run back to back:
 * the yardstick for the goals' ratios, which compare rows the same way.
 */
const clusterTwin = { ...cluster, id: 'cluster-twin', label: 'node:http cluster, second copy (noise reference)' };

const pm2 = {
  id: 'pm2', label: 'PM2 cluster mode',
  prepare: (ctx) => ensurePm2(ctx.work),
  command: ({ port, workers, ctx }) => {
    const dir = join(ctx.work, `pm2-${port}`);
    mkdirSync(join(dir, 'home'), { recursive: true });
    const ecosystem = join(dir, 'ecosystem.json');
    writeFileSync(ecosystem, JSON.stringify({
      apps: [{ name: `bench-${port}`, script: join(ctx.apps, 'pm2-server.cjs'), exec_mode: 'cluster',
        instances: workers, env: { PORT: String(port) } }],
    }, null, 2));
    // pm2-runtime keeps PM2's daemon (God, the cluster primary) in the foreground as our child.
    return {
      cmd: ctx.node, args: [join(ctx.work, 'node_modules', 'pm2', 'bin', 'pm2-runtime'), 'start', ecosystem],
      cwd: dir, stopSignal: 'SIGINT', env: { PM2_HOME: join(dir, 'home') },
    };
  },
};

const gunicorn = {
  id: 'gunicorn', label: 'Gunicorn + gevent (seed config)',
  prepare: () => ensureGunicorn(),
  command: ({ port, workers, ctx }) => ({
    cmd: '/usr/bin/gunicorn',
    args: ['-c', join(ctx.root, 'examples', 'gunicorn.conf.py'), '--bind', `127.0.0.1:${port}`, '--workers', String(workers),
      'wsgi_app:application'],
    cwd: ctx.apps, stopSignal: 'SIGINT', // SIGINT: quick shutdown (SIGTERM waits up to 30 s)
  }),
};

const nginx = {
  id: 'nginx', label: 'nginx return 200',
  skip: { sleep50: 'nginx-light cannot delay a response' },
  note: { upload: 'nginx discards the body' },
  prepare: () => ensureNginx(),
  command: ({ port, workers, ctx }) => {
    const dir = join(ctx.work, `nginx-${port}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'big.txt'), BIG);
    const conf = readFileSync(join(ctx.apps, 'nginx.conf'), 'utf8')
      .replaceAll('{{WORKERS}}', String(workers)).replaceAll('{{PORT}}', String(port)).replaceAll('{{DIR}}', dir);
    writeFileSync(join(dir, 'nginx.conf'), conf);
    return { cmd: 'nginx', args: ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], cwd: dir, stopSignal: 'SIGTERM' };
  },
};

/** The rows of every table, in display order. */
export const CONTENDERS = [
  cluster, clusterTwin, pm2, gunicorn, nginx,
  tunicorn('t-fetch', 'tunicorn, fetch handler', 'fetch.mjs'),
  tunicorn('t-hono', 'tunicorn, Hono', 'hono.mjs'),
  tunicorn('t-node', 'tunicorn, Node listener', 'node.mjs'),
  tunicorn('t-express', 'tunicorn, Express', 'express.mjs'),
];

/**
 * The order contenders take within a round (serpentine: reversed every other round). Each goal's
 * pair runs back to back, so the machine's drift between them is seconds, not a whole round:
 * the Node listener between PM2 and the plain cluster, then the cluster's twin (the noise
 * reference), then the fetch app (compared with the twin) and Gunicorn. Measured on this 2-core
 * VM, throughput drifts by 10-20% over tens of seconds.
 */
export const ROUND_ORDER = ['pm2', 't-node', 'cluster', 'cluster-twin', 't-fetch', 'gunicorn', 't-hono', 't-express', 'nginx'];

/** Variants of t-node used only by the recycling and access-log comparisons. */
export const SPECIALS = {
  recycle: tunicorn('t-node-mr1000', 'tunicorn, Node listener, max_requests 1000', 'node.mjs',
    { maxRequests: 1000, special: true }),
  recycle30k: tunicorn('t-node-mr30000', "tunicorn, Node listener, max_requests 30000 (the seed's)", 'node.mjs',
    { maxRequests: 30000, special: true }),
  accesslog: tunicorn('t-node-alog', 'tunicorn, Node listener, access log on', 'node.mjs',
    { extraArgs: ({ port, ctx }) => ['--access-logfile', join(ctx.work, `access-${port}.log`)], special: true }),
};
