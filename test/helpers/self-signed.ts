// A self-signed TLS certificate for servers the tests start on 127.0.0.1 (Dovecot, fake IMAP servers).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Writes key.pem and cert.pem (valid for 127.0.0.1 and localhost, two days) into `dir` with openssl. */
export function selfSignedCert(dir: string): { keyFile: string; certFile: string } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { keyFile, certFile };
}
