// The seed's production config (gunicorn.prod.conf.py) as a tunicorn config. The seed writes
// access_log and error_log, names Gunicorn silently ignores; here they are accesslog and errorlog,
// so the logs really go to these files. Override them with --access-logfile / --error-logfile.
import { defineConfig } from 'tunicorn';

export default defineConfig({
  bind: ':8080',
  // Gunicorn's rule of thumb, as the seed has it; "cpus" (the default) suits Node better.
  workers: 'cpus*2+1',
  workerClass: 'gevent',
  // Import the app in the master first, so a broken app fails before any worker starts.
  preloadApp: true,
  loglevel: 'warning',
  accesslog: '/var/log/tunicorn/access.log',
  errorlog: '/var/log/tunicorn/error.log',
});
