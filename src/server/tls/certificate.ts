// The certificate for HTTPS and SMTP STARTTLS: TLS_CERT/TLS_KEY when given, otherwise a self-signed
// one generated once into DATA_DIR (Outlook loads add-ins only over https; trust it once, see README).
import fs from 'node:fs';
import path from 'node:path';
import { loadLater } from '../load-later.js';

export interface Certificate {
  cert: string;
  key: string;
  /** Path of the certificate file (to trust it, or to hand to a client). */
  certFile: string;
  generated: boolean;
}

export async function loadCertificate(opts: { tlsCert?: string; tlsKey?: string; dataDir: string }): Promise<Certificate> {
  if (opts.tlsCert && opts.tlsKey) {
    return { cert: readPem(opts.tlsCert, 'TLS_CERT'), key: readPem(opts.tlsKey, 'TLS_KEY'), certFile: opts.tlsCert, generated: false };
  }
  const dir = path.join(opts.dataDir, 'tls');
  const certFile = path.join(dir, 'dev-cert.pem');
  const keyFile = path.join(dir, 'dev-key.pem');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), certFile, generated: false };
  }
  const notBefore = new Date(Date.now() - 24 * 3600_000);
  const notAfter = new Date(notBefore.getTime() + 825 * 24 * 3600_000); // the longest validity browsers accept
  const selfsigned = loadLater('selfsigned') as typeof import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'Mailbeacon development (localhost)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  // The pair is written into a scratch folder that is renamed into place in one step, so processes
  // starting together agree on one pair and never read a key that belongs to another certificate.
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(opts.dataDir, '.tls-'));
  fs.writeFileSync(path.join(tmp, 'dev-key.pem'), pems.private, { mode: 0o600 });
  fs.writeFileSync(path.join(tmp, 'dev-cert.pem'), pems.cert);
  let generated = true;
  try {
    fs.renameSync(tmp, dir);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another process won
    generated = false;
  }
  return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), certFile, generated };
}

function readPem(file: string, variable: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read ${variable} at ${file}: ${(e as Error).message}. Point ${variable} at a readable PEM file.`);
  }
}
