#!/usr/bin/env node
/** The tunicorn command: resolve the configuration, then run the master. */
import { isIP, type AddressInfo } from 'node:net';
import { Arbiter } from './arbiter.js';
import { ConfigError } from './config/errors.js';
import { checkPaths, crossCheck } from './config/cross-checks.js';
import { daemonize, isDaemon } from './daemon.js';
import { initAsPid1 } from './pid1.js';
import { advice, resolveConfig, type Resolved } from './config/resolve.js';
import { helpText, printConfig } from './help.js';
import { loadTlsMaterial, tlsEnabled, type TlsMaterial } from './http/tls-material.js';
import { ErrorLog } from './logging/error-log.js';
import { parseBind } from './sockets.js';
import type { Config } from './config/types.js';
import { checkInterpreter, pythonWorkerClass } from './python/interpreter.js';
import { VERSION } from './version.js';
import { APP_LOAD_ERROR } from './workers/protocol.js';

function fail(message: string, code = 1): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(code);
}

/**
 * What server.address() tells an app that calls listen() while it is loaded in the master (by
 * --check-config or --preload), before anything is bound: the first bind as configured.
 */
function plannedAddress(r: Resolved): AddressInfo | string | null {
  const spec = parseBind(r.config.bind[0] ?? ':8080');
  if (spec.kind === 'unix') return spec.path;
  if (spec.kind === 'tcp') return { address: spec.host, family: isIP(spec.host) === 6 ? 'IPv6' : 'IPv4', port: spec.port };
  return null;
}

/**
 * Import the app in the master (--check-config, --preload), as a worker would: a server.js that
 * calls listen() itself is captured, so nothing binds. Loaded lazily: a plain run never needs it.
 */
async function loadInMaster(resolved: Resolved, appSpec: string, log: ErrorLog): Promise<boolean> {
  const [{ loadApp, AppLoadError }, { installListenCapture }] = await Promise.all([import('./app/load.js'), import('./app/capture-listen.js')]);
  try {
    installListenCapture(plannedAddress(resolved), log.warning);
    await loadApp(appSpec, { baseDir: resolved.config.chdir, iface: resolved.config.interface as 'auto' | 'fetch' | 'node', waitForListenMs: 5000 });
    return true;
  } catch (err) {
    log.error(err instanceof AppLoadError ? err.message : ((err as Error).stack ?? String(err)));
    log.error('App failed to load.');
    return false;
  }
}

async function loadPythonInMaster(config: Config, appSpec: string, workerClass: string, log: ErrorLog): Promise<boolean> {
  const { importPythonApp } = await import('./python/preload.js');
  const failure = await importPythonApp(config, appSpec, workerClass);
  if (failure === null) return true;
  log.error(failure);
  log.error('App failed to load.');
  return false;
}

/** A Python app's worker class and interpreter, checked before anything binds. */
function pythonRuntime(config: Config): { workerClass: 'sync' | 'gevent' | 'gthread'; describe: string } {
  const workerClass = pythonWorkerClass(config.worker_class_str, config.threads);
  const py = checkInterpreter(config.python, workerClass, config.chdir);
  return { workerClass, describe: `${py.path} (Python ${py.version}${py.gevent ? `, gevent ${py.gevent}` : ''})` };
}

/** TLS material, read and checked before anything binds: a bad file is one ConfigError line. */
function loadTls(config: Config, log: ErrorLog): TlsMaterial | null {
  if (!tlsEnabled(config)) return null;
  const { material, describe, expired } = loadTlsMaterial(config, config.chdir);
  log.info(`TLS: ${describe}${config.cert_reqs ? `; client certificates ${config.cert_reqs === 2 ? 'required' : 'optional'}` : ''}`);
  if (expired) log.warning(`The TLS certificate has expired: ${describe}; clients will refuse it until it is renewed.`);
  return material;
}

/** What http_protocols gives on these binds: an info line, or a warning where h2 cannot be served. */
function http2Line(config: Config): { level: 'info' | 'warning'; line: string } | null {
  const p = config.http_protocols;
  if (!p.includes('h2')) return null;
  const h1 = p.includes('h1') ? ', HTTP/1.1 fallback' : ', no HTTP/1.1';
  if (tlsEnabled(config)) return { level: 'info', line: `HTTP/2: offered by ALPN (${p.join(',')})${h1}` };
  if (config.http2_cleartext === 'prior-knowledge')
    return { level: 'info', line: `HTTP/2: cleartext with prior knowledge for peers in forwarded_allow_ips (${config.forwarded_allow_ips.join(',')}); HTTP/1.1 for others` };
  return { level: 'warning', line: 'http_protocols has h2, but there is no TLS (certfile) and http2_cleartext is off: serving HTTP/1.1 only.' };
}

async function main(argv: string[]): Promise<number> {
  // `tunicorn ctl ...`: the control socket's client, not a server (loaded only then).
  if (argv[0] === 'ctl') return (await import('./control/ctl.js')).runCtl(argv.slice(1));
  const input = { argv, env: process.env, cwd: process.cwd() };
  const resolved = await resolveConfig(input);
  if (resolved.help) {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  if (resolved.version) {
    process.stdout.write(`tunicorn ${VERSION}\n`);
    return 0;
  }
  crossCheck(resolved);
  const { config } = resolved;

  if (resolved.printConfig) {
    process.stdout.write(`${printConfig(config, resolved.configFile)}\n`);
    return 0;
  }
  checkPaths(resolved.config);
  // As Gunicorn: relative paths (pidfile, log files) are relative to chdir, in the master too
  // (a daemon is started from the original directory, and resolves its configuration the same way).
  const startDir = process.cwd();
  process.chdir(config.chdir);
  const appSpec = resolved.appSpec;
  if (!appSpec) fail('No app given: run tunicorn [OPTIONS] APP (for example tunicorn app.ts or tunicorn app.js:handler), or set app in the config file.');

  const log = new ErrorLog({ target: config.errorlog, level: config.loglevel, format: config.log_format });
  for (const w of resolved.warnings) log.warning(w);
  for (const i of resolved.infos) log.info(i);
  if (resolved.configFile) log.debug(`Config file: ${resolved.configFile}`);
  if (config.daemon && !resolved.checkConfig && !isDaemon()) {
    // A bad certificate is said here, on the terminal, not in the daemon's log.
    if (tlsEnabled(config)) loadTlsMaterial(config, config.chdir);
    if (config.errorlog === '-') log.warning('daemon: the error log is stderr, which a daemon does not have; set --error-logfile to keep its lines.');
    return daemonize(startDir, config.errorlog);
  }

  if (resolved.checkConfig) {
    for (const a of advice(config)) log.warning(a);
    loadTls(config, log);
    const ok = resolved.pythonApp ? await loadPythonInMaster(config, appSpec, pythonRuntime(config).workerClass, log) : await loadInMaster(resolved, appSpec, log);
    if (!ok) return APP_LOAD_ERROR;
    log.info('Configuration and app are valid.');
    return 0;
  }
  for (const a of advice(config)) log.info(`Note: ${a}`);
  const pid1 = initAsPid1();
  if (pid1) log.warning(pid1);
  const tls = loadTls(config, log);
  const http2 = http2Line(config);
  if (http2) log[http2.level](http2.line);
  const python = resolved.pythonApp ? pythonRuntime(config) : null;
  if (config.preload_app) {
    // A Python app is preloaded by the master, in the interpreter its workers are forked from.
    if (!python && !(await loadInMaster(resolved, appSpec, log))) return APP_LOAD_ERROR;
  }
  const arbiter = new Arbiter({
    config,
    configFile: resolved.configFile,
    appSpec,
    log,
    python,
    pythonHooks: resolved.pythonHooks,
    tls,
    reloadConfig: async () => {
      const next = await resolveConfig(input);
      crossCheck(next);
      checkPaths(next.config);
      for (const w of next.warnings) log.warning(w);
      if (!next.appSpec) throw new ConfigError('No app given in the reloaded configuration.');
      return { config: next.config, appSpec: next.appSpec };
    },
  });
  return arbiter.run();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) fail(err.message);
    process.stderr.write(`tunicorn: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
