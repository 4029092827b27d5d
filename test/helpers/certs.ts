/**
 * Certificates for TLS tests, made by openssl in a temp directory (removed when the process exits):
 * a CA, server certificates for localhost and 127.0.0.1 signed by it, and a client certificate.
 * EC keys: quick to make, so a test file pays a few tens of milliseconds for them.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pair {
  cert: string;
  key: string;
  /** SHA-256 fingerprint as a TLS socket's getPeerCertificate().fingerprint256 shows it. */
  fingerprint: string;
}

export interface Certs {
  dir: string;
  /** The CA certificate's path. */
  ca: string;
  /** Paths to PEM files. */
  server: Pair;
  /** A second server certificate for the same names (a renewal). */
  renewed: Pair;
  client: Pair;
  /** PEM text of a file. */
  read(path: string): string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function signed(dir: string, name: string, cn: string, ext: string): Pair {
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  const cert = join(dir, `${name}.pem`);
  return { cert, key: join(dir, `${name}.key`), fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'tunicorn-tls-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tunicorn test CA'], dir);
  const serverExt = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    server: signed(dir, 'server', 'localhost', serverExt),
    renewed: signed(dir, 'renewed', 'localhost', serverExt),
    client: signed(dir, 'client', 'tunicorn test client', 'extendedKeyUsage=clientAuth\n'),
    read: (path) => readFileSync(path, 'utf8'),
  };
}
