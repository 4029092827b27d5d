#!/usr/bin/env node
/**
 * Generate docs/settings.md from the settings registry (dist/config/settings.js; run `npm run build`
 * first). `node scripts/gen-settings-doc.js` writes the file; `--check` only compares and exits 1
 * when the committed file is out of date. test/config/settings-doc.test.ts runs the comparison.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DOC_PATH = `${ROOT}docs/settings.md`;

const SECTION_ORDER = ['Config', 'Server socket', 'Worker processes', 'Security', 'SSL', 'HTTP/2', 'Server mechanics', 'Control', 'Application', 'Logging', 'Process naming', 'Server hooks'];
const HOOKS = 'Server hooks';
const NO_EFFECT = 'Gunicorn settings with no effect';

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const code = (text) => {
  const s = String(text);
  const ticks = s.includes('`') ? '``' : '`';
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${s}${pad}${ticks}`;
};
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const slug = (text) => text.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');

/** GitHub's heading anchors: the slug, with -1, -2 ... for repeats, in the order the headings appear. */
function anchorsFor(headings) {
  const seen = new Map();
  return headings.map((h) => {
    const base = slug(h);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  });
}

function configKey(s) {
  if (s.cliOnly) return '(command line only)';
  if (s.name === 'wsgi_app') return code('app');
  return code(camel(s.name));
}

function flagsOf(s) {
  if (!s.flags) return '(config file only)';
  const meta = s.meta && !s.isSwitch ? (s.bareValue ? ` [${s.meta}]` : ` ${s.meta}`) : '';
  return s.flags.map((f) => code(`${f}${meta}`)).join(', ') + (s.repeatable ? ' (repeatable)' : '');
}

function groupBySection(settings) {
  const sections = new Map();
  for (const name of SECTION_ORDER) sections.set(name, []);
  for (const s of settings) {
    if (!sections.has(s.section)) sections.set(s.section, []);
    sections.get(s.section).push(s);
  }
  for (const [name, list] of sections) if (list.length === 0) sections.delete(name);
  return sections;
}

function settingEntry(s) {
  const lines = [`### ${s.name}`, ''];
  lines.push('| Gunicorn name | Config key (tunicorn.config.*) | Command line | Default |', '|---|---|---|---|');
  const gunicorn = s.tunicornOnly ? '(tunicorn only)' : code(s.name);
  lines.push(`| ${gunicorn} | ${configKey(s)} | ${cell(flagsOf(s))} | ${cell(code(s.defaultText))} |`, '');
  lines.push(s.doc, '');
  if (s.note) lines.push(s.note, '');
  return lines;
}

function hooksSection(hooks) {
  const lines = [`## ${HOOKS}`, ''];
  lines.push(
    'Hooks are functions, so they live in a JavaScript or TypeScript config file (`tunicorn.config.ts`,',
    '`.mts`, `.js` or `.mjs`) under their camelCase names. `server` is the master',
    '(`pid`, `config`, `numWorkers`, `workers()`, `log`); `worker` is a worker (`pid`, `age`, and inside the',
    'worker also `config`, `log` and `requests`). `log` writes to the error log: `log.info(msg)`,',
    '`log.warning(msg)` and so on. A hook may return a promise. An exception in a hook is logged and the',
    'server carries on. A Python function in a gunicorn.conf.py cannot run here: it is reported with a',
    'warning and ignored.',
    '',
    '```ts',
    "import { defineConfig } from 'tunicorn';",
    '',
    'export default defineConfig({',
    '  whenReady(server) {',
    "    server.log.info(`ready with ${server.numWorkers} workers`);",
    '  },',
    '  preRequest(worker, req) {',
    '    worker.log.debug(`${req.method} ${req.url}`);',
    '  },',
    '});',
    '```',
    '',
    '| Gunicorn name | Config key | Signature | When |',
    '|---|---|---|---|',
  );
  for (const h of hooks) lines.push(`| ${code(h.name)} | ${code(camel(h.name))} | ${code(h.signature ?? `${camel(h.name)}()`)} | ${cell(h.doc)} |`);
  lines.push('');
  return lines;
}

/** The whole of docs/settings.md, from the registry module's exports. */
export function renderSettingsDoc({ SETTINGS, GUNICORN_WITHOUT_MEANING }) {
  const sections = groupBySection(SETTINGS);
  const out = [
    '# Settings',
    '',
    '<!-- Generated from src/config/settings.ts by `npm run docs` (scripts/gen-settings-doc.js). Do not edit by hand. -->',
    '',
    'Every setting is declared once, in the settings registry (`src/config/settings.ts`); the command line,',
    'the config files, `TUNICORN_CMD_ARGS`, `--print-config`, `--check-config`, `--help` and this page all',
    'come from it.',
    '',
    '## Where settings come from',
    '',
    'Later sources win: **defaults < config file < `TUNICORN_CMD_ARGS` < command line**.',
    '',
    '- **Config file**: the file given with `-c`/`--config`, or else the first of `tunicorn.config.ts`,',
    '  `tunicorn.config.mts`, `tunicorn.config.js`, `tunicorn.config.mjs`, `tunicorn.config.json` and',
    '  `gunicorn.conf.py` found in the working directory, as Gunicorn does.',
    '  - `tunicorn.config.*` files use the camelCase keys below and export the config object',
    "    (`export default defineConfig({ ... })`, with `defineConfig` imported from `'tunicorn'` for types).",
    '    An unknown key is an error that names the nearest valid one.',
    '  - `gunicorn.conf.py` is evaluated with `python3` (set `TUNICORN_PYTHON` to use another interpreter),',
    "    so imports, arithmetic and helper variables work as in Gunicorn; settings use Gunicorn's snake_case",
    '    names. A name close to a setting but not one (the seed\'s `access_log`) gets a warning naming the',
    '    right one, a Gunicorn setting with no meaning here gets a warning saying why, a Python hook gets a',
    '    warning; other helper variables and imports are ignored silently.',
    '- **`TUNICORN_CMD_ARGS`**: extra command-line options in an environment variable, like Gunicorn\'s',
    '  `GUNICORN_CMD_ARGS`: `TUNICORN_CMD_ARGS="--workers 2 --log-level debug" tunicorn app.ts`.',
    '- **Command line**: the flags below; Gunicorn\'s flags keep their names.',
    '- **Environment defaults**: `WEB_CONCURRENCY` sets the default number of workers, `PORT` the default',
    '  bind (`0.0.0.0:$PORT`), `FORWARDED_ALLOW_IPS` the default trusted proxies.',
    '',
    'A bad value names the setting, what was given and what is allowed; an unknown setting or option names',
    'the nearest valid one. Both exit with status 1 before anything is bound. `--check-config` warns about',
    "values outside the seed's recommended ranges (workers 1-64, worker_connections up to 2000, max_requests",
    '1000-100000, timeout 5-300) but does not refuse them.',
    '',
    '## Contents',
    '',
  ];
  const headings = ['Settings', 'Where settings come from', 'Contents'];
  for (const [section, list] of sections) headings.push(section, ...(section === HOOKS ? [] : list.map((s) => s.name)));
  headings.push(NO_EFFECT);
  const anchors = anchorsFor(headings);
  const anchor = (i) => anchors[i];
  let i = 3;
  for (const [section, list] of sections) {
    const sectionAnchor = anchor(i++);
    if (section === HOOKS) out.push(`- [${section}](#${sectionAnchor}): ${list.length} hooks`);
    else out.push(`- [${section}](#${sectionAnchor}): ${list.map((s) => `[${s.name}](#${anchor(i++)})`).join(', ')}`);
  }
  out.push(`- [${NO_EFFECT}](#${anchor(i)})`, '');
  for (const [section, list] of sections) {
    if (section === HOOKS) {
      out.push(...hooksSection(list));
      continue;
    }
    out.push(`## ${section}`, '');
    for (const s of list) out.push(...settingEntry(s));
  }
  out.push(
    `## ${NO_EFFECT}`,
    '',
    "These Gunicorn settings mean nothing for a Node server, or are not built yet. In a gunicorn.conf.py each is",
    'reported with a warning and ignored; its Gunicorn flag on the command line is an error that says why.',
    '',
    '| Gunicorn setting | Why |',
    '|---|---|',
  );
  for (const [name, why] of Object.entries(GUNICORN_WITHOUT_MEANING).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(`| ${code(name)} | ${cell(why)} |`);
  }
  out.push('');
  return out.join('\n');
}

async function main() {
  const registry = await import(new URL('../dist/config/settings.js', import.meta.url).href);
  const text = renderSettingsDoc(registry);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(DOC_PATH, 'utf8');
    } catch {
      /* missing: out of date */
    }
    if (current !== text) {
      process.stderr.write('docs/settings.md is out of date: run "npm run build && npm run docs".\n');
      process.exit(1);
    }
    return;
  }
  writeFileSync(DOC_PATH, text);
  process.stdout.write(`wrote ${DOC_PATH}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
