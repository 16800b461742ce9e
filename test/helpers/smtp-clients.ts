// Three different SMTP clients, all over STARTTLS with AUTH against our server, trusting only the
// server's development certificate: nodemailer, swaks (Perl) and Python's smtplib.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { Client } from '@hubspot/api-client';
import type { RunningServer } from './server.js';

export interface SmtpCredentials {
  port: number;
  user: string;
  pass: string;
  /** The server's certificate (DATA_DIR/tls/dev-cert.pem). */
  caFile: string;
}

export function devCertFile(server: RunningServer): string {
  return path.join(server.env.DATA_DIR, 'tls', 'dev-cert.pem');
}

/** A HubSpot client pointed at our server. */
export function hubspot(server: RunningServer, accessToken: string): Client {
  return new Client({ accessToken, basePath: server.url, numberOfApiCallRetries: 0 });
}

/** Creates an SMTP token with the official client and returns login details for it. */
export async function smtpLogin(server: RunningServer, accessToken: string, campaignName = 'Tests', createContact = true) {
  const token = await hubspot(server, accessToken).marketing.transactional.publicSMTPTokensApi.createToken({ campaignName, createContact });
  const creds: SmtpCredentials = { port: server.smtpPort, user: token.id, pass: token.password!, caFile: devCertFile(server) };
  return { token, creds };
}

export function transport(c: SmtpCredentials, opts: { pool?: boolean; maxConnections?: number } = {}) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: c.port,
    secure: false,
    requireTLS: true,
    auth: { user: c.user, pass: c.pass },
    tls: { ca: fs.readFileSync(c.caFile), servername: 'localhost' },
    pool: opts.pool ?? false,
    maxConnections: opts.maxConnections ?? 1,
  } as Parameters<typeof nodemailer.createTransport>[0]);
}

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/**
 * swaks reads any argument that starts with '-' as an option, even `--auth-password=-…` (a base64url
 * password does so one time in 64): reset the token's password until swaks can take it. Changes
 * `c` in place, so the caller's other uses of it keep working.
 */
export async function swaksCanTake(server: RunningServer, accessToken: string, c: SmtpCredentials): Promise<SmtpCredentials> {
  while (c.pass.startsWith('-')) {
    const res = await server.api(`/marketing/v3/transactional/smtp-tokens/${c.user}/password-reset`, { method: 'POST', token: accessToken });
    c.pass = ((await res.json()) as { password: string }).password;
  }
  return c;
}

/** swaks with STARTTLS and AUTH PLAIN; `data` is the whole message (headers and body). */
export function sendWithSwaks(c: SmtpCredentials, from: string, to: string[], data: string) {
  return run('swaks', [
    '--server', `127.0.0.1:${c.port}`,
    '--tls', '--tls-ca-path', c.caFile, '--tls-sni', 'localhost',
    // A password that starts with '-' reads as an option whatever the form: see swaksCanTake.
    '--auth', 'PLAIN', `--auth-user=${c.user}`, `--auth-password=${c.pass}`,
    '--from', from, '--to', to.join(','),
    '--data', '-',
  ], data);
}

/** Python's smtplib with STARTTLS (verified against our certificate) and AUTH LOGIN. */
export function sendWithPython(c: SmtpCredentials, from: string, to: string[], data: string) {
  const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=${JSON.stringify(c.caFile)})
s = smtplib.SMTP("127.0.0.1", ${c.port}, local_hostname="python.test")
s.starttls(context=ctx)
s.ehlo("python.test")
s.login(${JSON.stringify(c.user)}, ${JSON.stringify(c.pass)})
refused = s.sendmail(${JSON.stringify(from)}, ${JSON.stringify(to)}, sys.stdin.buffer.read())
print("refused", refused)
s.quit()
`;
  return run('python3', ['-c', script], data);
}
