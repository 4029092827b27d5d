/**
 * The settings registry itself: one entry per setting, Gunicorn's names and flags, and every Gunicorn
 * setting accounted for (in the registry, or listed as having no effect, with the reason).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_FLAGS } from '../../src/config/cli-args.js';
import { BY_KEY, BY_NAME, camel, GUNICORN_WITHOUT_MEANING, SETTINGS } from '../../src/config/settings.js';

/** Every setting of Gunicorn 26.2 (gunicorn.config.KNOWN_SETTINGS) with its command-line flags. */
const GUNICORN: Record<string, string[]> = {
  config: ['-c', '--config'],
  wsgi_app: [],
  bind: ['-b', '--bind'],
  backlog: ['--backlog'],
  workers: ['-w', '--workers'],
  worker_class: ['-k', '--worker-class'],
  threads: ['--threads'],
  worker_connections: ['--worker-connections'],
  max_requests: ['--max-requests'],
  max_requests_jitter: ['--max-requests-jitter'],
  timeout: ['-t', '--timeout'],
  graceful_timeout: ['--graceful-timeout'],
  keepalive: ['--keep-alive'],
  limit_request_line: ['--limit-request-line'],
  limit_request_fields: ['--limit-request-fields'],
  limit_request_field_size: ['--limit-request-field_size'],
  reload: ['--reload'],
  reload_engine: ['--reload-engine'],
  reload_extra_files: ['--reload-extra-file'],
  spew: ['--spew'],
  check_config: ['--check-config'],
  print_config: ['--print-config'],
  preload_app: ['--preload'],
  sendfile: ['--no-sendfile'],
  reuse_port: ['--reuse-port'],
  chdir: ['--chdir'],
  daemon: ['-D', '--daemon'],
  raw_env: ['-e', '--env'],
  pidfile: ['-p', '--pid'],
  worker_tmp_dir: ['--worker-tmp-dir'],
  user: ['-u', '--user'],
  group: ['-g', '--group'],
  umask: ['-m', '--umask'],
  initgroups: ['--initgroups'],
  tmp_upload_dir: [],
  secure_scheme_headers: [],
  forwarded_allow_ips: ['--forwarded-allow-ips'],
  accesslog: ['--access-logfile'],
  disable_redirect_access_to_syslog: ['--disable-redirect-access-to-syslog'],
  access_log_format: ['--access-logformat'],
  errorlog: ['--error-logfile', '--log-file'],
  loglevel: ['--log-level'],
  capture_output: ['--capture-output'],
  logger_class: ['--logger-class'],
  logconfig: ['--log-config'],
  logconfig_dict: [],
  logconfig_json: ['--log-config-json'],
  syslog_addr: ['--log-syslog-to'],
  syslog: ['--log-syslog'],
  syslog_prefix: ['--log-syslog-prefix'],
  syslog_facility: ['--log-syslog-facility'],
  enable_stdio_inheritance: ['-R', '--enable-stdio-inheritance'],
  statsd_host: ['--statsd-host'],
  dogstatsd_tags: ['--dogstatsd-tags'],
  statsd_prefix: ['--statsd-prefix'],
  enable_backlog_metric: ['--enable-backlog-metric'],
  proc_name: ['-n', '--name'],
  default_proc_name: [],
  pythonpath: ['--pythonpath'],
  paste: ['--paste', '--paster'],
  on_starting: [],
  on_reload: [],
  when_ready: [],
  pre_fork: [],
  post_fork: [],
  post_worker_init: [],
  worker_int: [],
  worker_abort: [],
  pre_exec: [],
  pre_request: [],
  post_request: [],
  child_exit: [],
  worker_exit: [],
  nworkers_changed: [],
  on_exit: [],
  ssl_context: [],
  proxy_protocol: ['--proxy-protocol'],
  proxy_allow_ips: ['--proxy-allow-from'],
  protocol: ['--protocol'],
  uwsgi_allow_ips: ['--uwsgi-allow-from'],
  keyfile: ['--keyfile'],
  certfile: ['--certfile'],
  ssl_version: ['--ssl-version'],
  cert_reqs: ['--cert-reqs'],
  ca_certs: ['--ca-certs'],
  suppress_ragged_eofs: ['--suppress-ragged-eofs'],
  do_handshake_on_connect: ['--do-handshake-on-connect'],
  ciphers: ['--ciphers'],
  http_protocols: ['--http-protocols'],
  http2_cleartext: ['--http2-cleartext'],
  http2_max_concurrent_streams: ['--http2-max-concurrent-streams'],
  http2_initial_window_size: ['--http2-initial-window-size'],
  http2_max_frame_size: ['--http2-max-frame-size'],
  http2_max_header_list_size: ['--http2-max-header-list-size'],
  raw_paste_global_conf: ['--paste-global'],
  permit_obsolete_folding: ['--permit-obsolete-folding'],
  strip_header_spaces: ['--strip-header-spaces'],
  permit_unconventional_http_method: ['--permit-unconventional-http-method'],
  permit_unconventional_http_version: ['--permit-unconventional-http-version'],
  casefold_http_method: ['--casefold-http-method'],
  forwarder_headers: ['--forwarder-headers'],
  header_map: ['--header-map'],
  asgi_loop: ['--asgi-loop'],
  asgi_lifespan: ['--asgi-lifespan'],
  asgi_disconnect_grace_period: ['--asgi-disconnect-grace-period'],
  http_parser: ['--http-parser'],
  root_path: ['--root-path'],
  dirty_apps: ['--dirty-app'],
  dirty_workers: ['--dirty-workers'],
  dirty_timeout: ['--dirty-timeout'],
  dirty_threads: ['--dirty-threads'],
  dirty_graceful_timeout: ['--dirty-graceful-timeout'],
  on_dirty_starting: [],
  dirty_post_fork: [],
  dirty_worker_init: [],
  dirty_worker_exit: [],
  control_socket: ['--control-socket'],
  control_socket_mode: ['--control-socket-mode'],
  control_socket_disable: ['--no-control-socket'],
};

/** The settings issue #2 asks for by name, at least. */
const REQUIRED = [
  'bind',
  'backlog',
  'workers',
  'worker_class',
  'worker_connections',
  'max_requests',
  'max_requests_jitter',
  'timeout',
  'graceful_timeout',
  'keepalive',
  'limit_request_line',
  'limit_request_fields',
  'limit_request_field_size',
  'preload_app',
  'chdir',
  'raw_env',
  'pidfile',
  'umask',
  'proc_name',
  'accesslog',
  'access_log_format',
  'errorlog',
  'loglevel',
  'capture_output',
  'forwarded_allow_ips',
  'secure_scheme_headers',
  'on_starting',
  'on_reload',
  'when_ready',
  'pre_fork',
  'post_fork',
  'post_worker_init',
  'worker_int',
  'worker_abort',
  'pre_request',
  'post_request',
  'child_exit',
  'worker_exit',
  'nworkers_changed',
  'on_exit',
];

test("the issue's settings are all in the registry, under Gunicorn's names", () => {
  for (const name of REQUIRED) assert.ok(BY_NAME.has(name), `missing ${name}`);
});

test('every Gunicorn setting is in the registry or listed as having no effect, never both', () => {
  for (const name of Object.keys(GUNICORN)) {
    const inRegistry = BY_NAME.has(name);
    const without = Object.hasOwn(GUNICORN_WITHOUT_MEANING, name);
    assert.ok(inRegistry !== without, `${name}: in registry ${inRegistry}, listed as without meaning ${without}`);
  }
  for (const [name, why] of Object.entries(GUNICORN_WITHOUT_MEANING)) assert.ok(why.length > 0, `${name} needs a reason`);
});

test("Gunicorn's flags for the settings we have are accepted, and map to the same setting", () => {
  for (const [name, flags] of Object.entries(GUNICORN)) {
    const setting = BY_NAME.get(name);
    if (!setting) continue;
    for (const flag of flags) assert.ok(setting.flags?.includes(flag), `${name}: Gunicorn's ${flag} is missing (has ${setting.flags})`);
  }
});

test("settings that are not Gunicorn's are marked tunicornOnly, and only those", () => {
  for (const s of SETTINGS) assert.equal(Boolean(s.tunicornOnly), !(s.name in GUNICORN), s.name);
});

test('each entry is complete: section, one-line doc, default text; flags and config keys unique', () => {
  const flags = new Set<string>();
  const names = new Set<string>();
  for (const s of SETTINGS) {
    assert.ok(!names.has(s.name), `duplicate ${s.name}`);
    names.add(s.name);
    assert.match(s.name, /^[a-z][a-z0-9_]*$/);
    assert.ok(s.section, `${s.name}: section`);
    assert.ok(s.doc && !s.doc.includes('\n'), `${s.name}: one-line doc`);
    assert.ok(s.defaultText, `${s.name}: defaultText`);
    for (const f of s.flags ?? []) {
      assert.match(f, /^(-[a-zA-Z]|--[a-z][a-z0-9_-]*)$/, `${s.name}: flag ${f}`);
      assert.ok(!flags.has(f), `flag ${f} used twice`);
      flags.add(f);
    }
    if (s.section === 'Server hooks') {
      assert.match(s.signature ?? '', new RegExp(`^${camel(s.name)}\\(`), `${s.name}: signature`);
      assert.equal(s.flags, undefined, 'hooks are config-file only');
    }
  }
  assert.deepEqual([...flags].filter((f) => f.startsWith('--')).sort(), ALL_FLAGS.filter((f) => f !== '--help' && f !== '--version').sort());
});

test('config keys are the camelCase names; app is wsgi_app; command-line-only settings have none', () => {
  for (const s of SETTINGS) {
    if (s.cliOnly) assert.ok(![...BY_KEY.values()].includes(s), `${s.name} is command-line only`);
    else if (s.name === 'wsgi_app') assert.equal(BY_KEY.get('app'), s);
    else assert.equal(BY_KEY.get(camel(s.name)), s, s.name);
  }
  assert.equal(BY_KEY.get('limitRequestFieldSize')?.name, 'limit_request_field_size');
  assert.equal(BY_KEY.get('postWorkerInit')?.name, 'post_worker_init');
});

test('every default passes its own validator unchanged', () => {
  const env = {};
  for (const s of SETTINGS) {
    const value = s.default(env);
    if (value === null) continue;
    assert.deepEqual(s.validate(value, s.name), value, s.name);
  }
});
