// Run by PM2 in cluster mode (PM2 is the cluster primary; Node's default round-robin hand-off).
// CommonJS because PM2 require()s the script; the listener itself is the shared node.mjs.
const { createServer } = require('node:http');

import('./node.mjs').then(({ default: listener }) => {
  createServer(listener).listen(Number(process.env.PORT), '127.0.0.1');
});
