/** docs/settings.md is generated from the registry (npm run docs): the committed file must match it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as registry from '../../src/config/settings.js';
// @ts-expect-error -- plain JS script, no type declarations
import { DOC_PATH, renderSettingsDoc } from '../../scripts/gen-settings-doc.js';

const rendered: string = renderSettingsDoc(registry);

test('docs/settings.md is up to date with the settings registry (run "npm run build && npm run docs")', () => {
  assert.equal(readFileSync(DOC_PATH, 'utf8'), rendered);
});

test('it documents every setting with its Gunicorn name, config key, flags and default, every hook, every no-effect setting', () => {
  for (const s of registry.SETTINGS) {
    assert.ok(rendered.includes(s.section === 'Server hooks' ? `| \`${s.name}\` | \`${registry.camel(s.name)}\` | \`${s.signature}\`` : `### ${s.name}\n`), s.name);
    for (const f of s.flags ?? []) assert.ok(rendered.includes(`\`${f}`), `${s.name}: ${f}`);
  }
  assert.match(rendered, /\| `workers` \| `workers` \| `-w INT`, `--workers INT` \| `the number of CPUs \(\$WEB_CONCURRENCY when set\)` \|/);
  assert.match(rendered, /\| `limit_request_field_size` \| `limitRequestFieldSize` \| `--limit-request-field-size INT`, `--limit-request-field_size INT` \|/);
  assert.match(rendered, /\| `wsgi_app` \| `app` \| \(config file only\) \|/);
  for (const [name, why] of Object.entries(registry.GUNICORN_WITHOUT_MEANING)) assert.ok(rendered.includes(`| \`${name}\` | ${why.replace(/\|/g, '\\|')} |`), name);
});

test('the script with --check agrees (the build in dist/ is what it reads)', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['scripts/gen-settings-doc.js', '--check'], { cwd: new URL('../..', import.meta.url), encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
});
