/** tls-material: what the master reads and checks before binding, and the one line each mistake gets. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadTlsMaterial, secureOptions, tlsEnabled, tlsFiles } from '../../src/http/tls-material.js';
import { makeCerts } from '../helpers/certs.js';

const certs = makeCerts();
type TlsConfig = Parameters<typeof loadTlsMaterial>[0];
const base: TlsConfig = { certfile: certs.server.cert, keyfile: certs.server.key, ca_certs: null, cert_reqs: 0, ciphers: null, ssl_version: 'TLSv1.2' };

const refuses = (config: Partial<TlsConfig>, line: RegExp) =>
  assert.throws(
    () => loadTlsMaterial({ ...base, ...config }, certs.dir),
    (err: Error) => err instanceof ConfigError && !err.message.includes('\n') && line.test(err.message),
  );

test('good material loads, with the certificate described for the log', () => {
  const { material, describe, expired } = loadTlsMaterial(base, '/');
  assert.equal(material.cert, certs.read(certs.server.cert));
  assert.equal(material.key, certs.read(certs.server.key));
  assert.equal(material.ca, null);
  assert.match(describe, /^CN=localhost from \S+server\.pem, valid until \w+ +\d+ [\d:]+ \d{4} GMT$/);
  assert.equal(expired, false);
});

test('paths are relative to the base directory (chdir); certfile alone may hold the key too', () => {
  const both = join(certs.dir, 'both.pem');
  writeFileSync(both, certs.read(certs.server.cert) + certs.read(certs.server.key));
  const { material } = loadTlsMaterial({ ...base, certfile: 'both.pem', keyfile: null }, certs.dir);
  assert.match(material.key, /BEGIN PRIVATE KEY/);
  assert.deepEqual(tlsFiles({ ...base, certfile: 'both.pem', keyfile: null, ca_certs: 'ca.pem' }, certs.dir), [both, certs.ca]);
});

test('each mistake is one line saying what to do', () => {
  refuses({ certfile: null }, /^keyfile is set but certfile is not: give --certfile/);
  refuses({ certfile: 'missing.pem' }, /^Cannot read certfile \S+missing\.pem: no such file; check the path/);
  refuses({ certfile: certs.dir }, /^Cannot read certfile \S+: it is a directory/);
  refuses({ keyfile: certs.client.key }, /^The private key in \S+client\.key does not match the certificate in \S+server\.pem/);
  refuses({ keyfile: certs.server.cert }, /^keyfile \S+server\.pem holds no PEM private key/);
  refuses({ keyfile: null }, /^certfile \S+server\.pem holds no private key and keyfile is not set; give --keyfile/);
  refuses({ cert_reqs: 2 }, /^cert_reqs 2 \(client certificates required\) needs ca_certs/);
  refuses({ ca_certs: certs.server.key }, /^ca_certs \S+server\.key holds no PEM certificate/);
  refuses({ ciphers: 'NOPE' }, /^Invalid value for ciphers: "NOPE" matches no cipher OpenSSL knows/);
  const encrypted = join(certs.dir, 'encrypted.key');
  writeFileSync(encrypted, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n');
  refuses({ keyfile: encrypted }, /is encrypted with a passphrase; give an unencrypted key/);
});

test('secureOptions: cert_reqs becomes requestCert / rejectUnauthorized, ssl_version the minimum version', () => {
  const m = { cert: 'C', key: 'K', ca: 'A' };
  assert.deepEqual(secureOptions(m, { ...base, cert_reqs: 0 }), { cert: 'C', key: 'K', ca: 'A', minVersion: 'TLSv1.2', requestCert: false, rejectUnauthorized: false });
  assert.equal(secureOptions(m, { ...base, cert_reqs: 1 }).requestCert, true);
  assert.equal(secureOptions(m, { ...base, cert_reqs: 1 }).rejectUnauthorized, false);
  assert.equal(secureOptions(m, { ...base, cert_reqs: 2 }).rejectUnauthorized, true);
  assert.equal(secureOptions(m, { ...base, ssl_version: 'TLSv1.3', ciphers: 'ECDHE+AESGCM' }).ciphers, 'ECDHE+AESGCM');
  assert.equal(tlsEnabled({ certfile: null, keyfile: null }), false);
  assert.equal(tlsEnabled({ certfile: null, keyfile: 'k' }), true);
});
