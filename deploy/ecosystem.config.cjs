// PM2: `pm2 start ecosystem.config.cjs` in an app deployed in /srv/app with tunicorn in its
// dependencies. One fork-mode process running the package's bin directly (interpreter 'none'), so
// the pid PM2 holds and signals (pm2 pid app, pm2 sendSignal SIGHUP app) is tunicorn's master.
// tunicorn is the cluster: not PM2's cluster mode, one instance. Under PM2's default interpreter
// the bin would run inside PM2's own wrapper script; under npx or npm start, npm would be the pid
// PM2 signals, and npm does not pass HUP, TTIN, TTOU, USR1 or USR2 on.
//
// Reload the workers with no failed request: pm2 sendSignal SIGHUP app (`pm2 reload` restarts a
// fork-mode app). PM2 stops with SIGINT, tunicorn's quick shutdown; start PM2's daemon with
// PM2_KILL_SIGNAL=SIGTERM for the graceful one.
module.exports = {
  apps: [
    {
      name: 'app',
      cwd: '/srv/app',
      script: 'node_modules/.bin/tunicorn',
      args: ['app.js'],
      interpreter: 'none',
      exec_mode: 'fork',
      instances: 1,
      env: { NODE_ENV: 'production' },
      // The stop signal to the master alone (it stops its workers itself), and more time than
      // graceful_timeout (30 s by default) before PM2's KILL.
      treekill: false,
      kill_timeout: 35_000,
    },
  ],
};
