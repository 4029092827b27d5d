/** Resolve the configuration: defaults < config file < TUNICORN_CMD_ARGS < command line. */
import { statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { parseCommandLine, splitArgs, type ParsedArgs } from './cli-args.js';
import { ConfigError } from './errors.js';
import { findConfigFile, loadConfigFile } from './file-loader.js';
import { camel, SETTINGS } from './settings.js';
import type { Config } from './types.js';
import { isPythonApp } from '../python/detect.js';
import { isAsyncAlias } from './worker-class.js';

export interface Resolved {
  config: Config;
  /** The config file used, if any. */
  configFile: string | null;
  /** The app spec (positional argument, or wsgi_app/app from the config file). */
  appSpec: string | null;
  warnings: string[];
  infos: string[];
  help: boolean;
  version: boolean;
  checkConfig: boolean;
  printConfig: boolean;
  /** The app spec names a Python (WSGI) app. */
  pythonApp: boolean;
  /** Hooks the gunicorn.conf.py defines as Python functions (run for Python apps only). */
  pythonHooks: string[];
}

export interface ResolveInput {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export async function resolveConfig({ argv, env, cwd }: ResolveInput): Promise<Resolved> {
  const cli = parseCommandLine(argv);
  const envArgs: ParsedArgs | null = env.TUNICORN_CMD_ARGS ? parseCommandLine(splitArgs(env.TUNICORN_CMD_ARGS), 'TUNICORN_CMD_ARGS') : null;
  if (cli.positionals.length > 1) {
    throw new ConfigError(`Expected one app spec, got ${cli.positionals.length}: ${cli.positionals.join(' ')}; quote it or check for a stray argument.`);
  }
  if (envArgs && envArgs.positionals.length > 0) {
    throw new ConfigError(`TUNICORN_CMD_ARGS holds settings only, but it has ${JSON.stringify(envArgs.positionals.join(' '))}; give the app on the command line or as app in the config file.`);
  }
  const base = { help: cli.help, version: cli.version };
  const given = (name: string) => cli.values.get(name) ?? envArgs?.values.get(name);
  const explicitFile = given('config') as string | undefined;
  let configFile: string | null = null;
  if (!cli.help && !cli.version) {
    configFile = explicitFile ? (isAbsolute(explicitFile) ? explicitFile : resolve(cwd, explicitFile)) : findConfigFile(cwd);
  }
  const file = configFile ? await loadConfigFile(configFile) : null;
  const warnings = [...(file?.warnings ?? [])];
  const infos: string[] = [];

  const config = {} as Record<string, unknown>;
  const labels = new Map<string, string>();
  for (const setting of SETTINGS) {
    let raw: unknown;
    let label = setting.name;
    if (cli.values.has(setting.name)) {
      raw = cli.values.get(setting.name);
      label = `${setting.name} (${cli.flagOf.get(setting.name)})`;
    } else if (envArgs?.values.has(setting.name)) {
      raw = envArgs.values.get(setting.name);
      label = `${setting.name} (TUNICORN_CMD_ARGS ${envArgs.flagOf.get(setting.name)})`;
    } else if (file?.values.has(setting.name)) {
      raw = file.values.get(setting.name);
      label = `${file.keyOf.get(setting.name) ?? camel(setting.name)} in ${configFile}`;
    } else {
      config[setting.name] = setting.default(env);
      continue;
    }
    labels.set(setting.name, label);
    config[setting.name] = setting.validate(raw, label);
    if (setting.name === 'worker_class') config.worker_class_str = String(raw).trim().toLowerCase();
  }
  const resolved = config as unknown as Config;
  resolved.worker_class_str ??= 'default';
  resolved.chdir = resolve(cwd, resolved.chdir);
  if (!isDirectory(resolved.chdir)) {
    throw new ConfigError(`Invalid value for ${labels.get('chdir') ?? 'chdir'}: ${JSON.stringify(resolved.chdir)}; expected an existing directory.`);
  }
  const appSpec = cli.positionals[0] ?? resolved.wsgi_app;
  const pythonApp = !!appSpec && isPythonApp(appSpec, { chdir: resolved.chdir, pythonpath: resolved.pythonpath, iface: resolved.interface });
  for (const hook of file?.pythonHooks ?? []) {
    const base = configFile ? basename(configFile) : 'the config file';
    if (!pythonApp) warnings.push(`${base}: hook ${hook} is a Python function and cannot run for a Node app; it is ignored (write it in a tunicorn.config.ts).`);
  }
  if (!pythonApp && labels.has('threads') && resolved.threads > 1) {
    const where = file?.values.has('threads') && !cli.values.has('threads') && !envArgs?.values.has('threads') ? `${basename(configFile!)}: threads` : labels.get('threads');
    warnings.push(`${where} has no effect in tunicorn for a Node app (Node workers are single-threaded event loops; use workers and worker_connections); it is ignored.`);
  }
  if (!pythonApp && isAsyncAlias(resolved.worker_class_str)) {
    infos.push(`worker_class ${resolved.worker_class_str} is served by tunicorn's async worker (an event loop, like gevent's).`);
  }
  return {
    ...base,
    config: resolved,
    configFile,
    appSpec,
    pythonApp,
    pythonHooks: pythonApp ? (file?.pythonHooks ?? []) : [],
    warnings,
    infos,
    checkConfig: Boolean(config.check_config),
    printConfig: Boolean(config.print_config),
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Seed-range advice, for --check-config and the start-up log. */
export function advice(config: Config): string[] {
  const out: string[] = [];
  for (const setting of SETTINGS) {
    const msg = setting.advise?.((config as unknown as Record<string, unknown>)[setting.name]);
    if (msg) out.push(msg);
  }
  return out;
}
