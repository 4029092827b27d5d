// The seed's gunicorn.conf.py as a tunicorn config: the same settings, camelCase keys, typed.
import { defineConfig } from 'tunicorn';

export default defineConfig({
  // Gunicorn's rule of thumb, the seed's choice; "cpus" (the default) suits Node better.
  workers: 'cpus*2+1',
  // All interfaces, port 8080.
  bind: ':8080',
  // gevent is accepted as an alias of tunicorn's async worker.
  workerClass: 'gevent',
  workerConnections: 1000,
  maxRequests: 30000,
  timeout: 15,
});
