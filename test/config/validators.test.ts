/** Validators with more than one spelling to accept: cert_reqs and ssl_version (Gunicorn's and Python's). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { certReqs, sslVersion } from '../../src/config/validators.js';

test("cert_reqs: numbers (also as Python's ssl.CERT_* give them) and words", () => {
  for (const [raw, want] of [
    [0, 0],
    ['1', 1],
    [2, 2],
    ['none', 0],
    ['optional', 1],
    ['REQUIRED', 2],
    ['CERT_REQUIRED', 2],
    ['ssl.CERT_OPTIONAL', 1],
  ] as const)
    assert.equal(certReqs(raw, 'cert_reqs'), want, String(raw));
  assert.throws(
    () => certReqs(3, 'cert_reqs'),
    (e: Error) => e instanceof ConfigError && /^Invalid value for cert_reqs: 3; expected 0 \(no client certificate\), 1 \(optional\) or 2 \(required\)/.test(e.message),
  );
});

test("ssl_version: the lowest TLS version; Gunicorn's names and Python's PROTOCOL_* numbers", () => {
  const cases: Array<[unknown, string]> = [
    ['TLS_SERVER', 'TLSv1.2'],
    ['TLS', 'TLSv1.2'],
    ['SSLv23', 'TLSv1.2'],
    [17, 'TLSv1.2'],
    [2, 'TLSv1.2'],
    ['PROTOCOL_TLS_SERVER', 'TLSv1.2'],
    ['TLSv1', 'TLSv1'],
    [3, 'TLSv1'],
    ['TLSv1_1', 'TLSv1.1'],
    [4, 'TLSv1.1'],
    ['TLSv1_2', 'TLSv1.2'],
    [5, 'TLSv1.2'],
    ['tlsv1_3', 'TLSv1.3'],
    ['TLSv1.3', 'TLSv1.3'],
  ];
  for (const [raw, want] of cases) assert.equal(sslVersion(raw, 'ssl_version'), want, String(raw));
  assert.throws(() => sslVersion('SSLv3', 'ssl_version'), /SSLv2 and SSLv3 are broken and not offered/);
  assert.throws(() => sslVersion('TLSv9', 'ssl_version'), /expected the lowest TLS version to accept: TLSv1, TLSv1_1, TLSv1_2 \(the default\) or TLSv1_3/);
});
