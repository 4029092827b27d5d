// The seed's development config (gunicorn.dev.conf.py) as a tunicorn config.
import { defineConfig } from 'tunicorn';

export default defineConfig({
  bind: '127.0.0.1:8000',
  workers: 1,
  // One request at a time per worker, Connection: close after each response, as Gunicorn's sync worker.
  workerClass: 'sync',
  // Restart the workers when a file under the app's directory changes.
  reload: true,
  loglevel: 'debug',
});
