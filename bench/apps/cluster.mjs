// The ceiling for a Node server: node:http with the cluster module, workers accepting themselves.
// The harness sets NODE_CLUSTER_SCHED_POLICY=none (before this module loads), PORT and WORKERS.
import cluster from 'node:cluster';
import { createServer } from 'node:http';

if (cluster.isPrimary) {
  for (let i = 0; i < Number(process.env.WORKERS || 2); i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const { default: listener } = await import('./node.mjs');
  createServer(listener).listen(Number(process.env.PORT), '127.0.0.1');
}
