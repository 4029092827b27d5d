/**
 * TLS material: the master reads certfile, keyfile and ca_certs and has OpenSSL check them (with the
 * cipher list and minimum version) before anything binds, and again at each reload. Workers get the
 * PEM text over IPC, so they need no access to the files (they may run as another user, and a file
 * half-rewritten by a renewal is never read by them). Every mistake is one ConfigError line.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import tls from 'node:tls';
import type { Config } from '../config/types.js';
import { ConfigError } from '../config/errors.js';

/** What a worker needs to serve TLS; sent as JSON over IPC. */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string | null;
}

type TlsConfig = Pick<Config, 'certfile' | 'keyfile' | 'ca_certs' | 'cert_reqs' | 'ciphers' | 'ssl_version'>;

/** TLS is on when certfile or keyfile is set, as Gunicorn's is_ssl. */
export const tlsEnabled = (config: Pick<Config, 'certfile' | 'keyfile'>): boolean => !!(config.certfile || config.keyfile);

/** The files behind the material (absolute), to watch for renewals. */
export function tlsFiles(config: TlsConfig, baseDir: string): string[] {
  return [...new Set([config.certfile, config.keyfile, config.ca_certs].filter((f): f is string => !!f).map((f) => resolve(baseDir, f)))];
}

/** Options for tls.createServer and setSecureContext. */
export function secureOptions(material: TlsMaterial, config: TlsConfig): tls.TlsOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.ca ? { ca: material.ca } : {}),
    ...(config.ciphers ? { ciphers: config.ciphers } : {}),
    minVersion: config.ssl_version,
    requestCert: config.cert_reqs > 0,
    rejectUnauthorized: config.cert_reqs === 2,
  };
}

const REASONS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory', EPERM: 'permission denied' };

function readPem(setting: string, file: string, baseDir: string): string {
  const path = resolve(baseDir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError(`Cannot read ${setting} ${path}: ${REASONS[code] ?? (code || (err as Error).message)}; check the path (relative to chdir) and that the user starting tunicorn may read it.`);
  }
}

const CERT = /-----BEGIN CERTIFICATE-----/;
const KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * Read and check the material, or throw one line saying what is wrong and what to do. Returns the
 * material and a description of the certificate for the log.
 */
export function loadTlsMaterial(config: TlsConfig, baseDir: string): { material: TlsMaterial; describe: string; expired: boolean } {
  if (!config.certfile) throw new ConfigError('keyfile is set but certfile is not: give --certfile, the certificate that goes with the key.');
  const certPath = resolve(baseDir, config.certfile);
  const cert = readPem('certfile', config.certfile, baseDir);
  if (!CERT.test(cert))
    throw new ConfigError(`certfile ${certPath} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line); give the certificate in PEM form (openssl x509 -in CERT -out cert.pem).`);
  const keyPath = config.keyfile ? resolve(baseDir, config.keyfile) : certPath;
  const key = config.keyfile ? readPem('keyfile', config.keyfile, baseDir) : cert;
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key)) {
    throw new ConfigError(`The private key in ${keyPath} is encrypted with a passphrase; give an unencrypted key (openssl pkey -in KEY -out key.pem) and keep it readable by the master only.`);
  }
  if (!KEY.test(key)) {
    throw new ConfigError(
      config.keyfile
        ? `keyfile ${keyPath} holds no PEM private key (no "-----BEGIN PRIVATE KEY-----" line); give the certificate's key in PEM form.`
        : `certfile ${certPath} holds no private key and keyfile is not set; give --keyfile, the certificate's key.`,
    );
  }
  let ca: string | null = null;
  if (config.ca_certs) {
    ca = readPem('ca_certs', config.ca_certs, baseDir);
    if (!CERT.test(ca)) throw new ConfigError(`ca_certs ${resolve(baseDir, config.ca_certs)} holds no PEM certificate; give the CA certificates that sign the client certificates, in PEM form.`);
  } else if (config.cert_reqs === 2) {
    throw new ConfigError('cert_reqs 2 (client certificates required) needs ca_certs: give --ca-certs, the CA file the client certificates are signed by.');
  }
  const material: TlsMaterial = { cert, key, ca };
  try {
    tls.createSecureContext(secureOptions(material, config));
  } catch (err) {
    throw new ConfigError(explain(err as NodeJS.ErrnoException, certPath, keyPath, config.ciphers));
  }
  const x509 = new X509Certificate(cert);
  const expired = Date.parse(x509.validTo) < Date.now();
  const subject = x509.subject.replace(/\n/g, ', ');
  return { material, describe: `${subject} from ${certPath}, valid until ${x509.validTo}`, expired };
}

/** OpenSSL's complaint, as what to do about it. */
function explain(err: NodeJS.ErrnoException, certPath: string, keyPath: string, ciphers: string | null): string {
  const code = err.code ?? '';
  if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') return `The private key in ${keyPath} does not match the certificate in ${certPath}; give the key the certificate was made for.`;
  if (code === 'ERR_SSL_NO_CIPHER_MATCH') return `Invalid value for ciphers: ${JSON.stringify(ciphers)} matches no cipher OpenSSL knows; check it with: openssl ciphers -v '${ciphers}'.`;
  if (/PEM|ASN1|DECODER/.test(code)) return `The certificate or key (${certPath}, ${keyPath}) cannot be read by OpenSSL (${err.message}); give PEM files made by openssl or your CA.`;
  return `TLS set-up failed for ${certPath}: ${err.message}; check certfile, keyfile, ca_certs, ciphers and ssl_version.`;
}
