// Opening an IMAP connection (imapflow) for a connected mailbox: TLS from the first byte or STARTTLS
// (required, never a silent fall back to cleartext), a password or an OAuth access token (XOAUTH2,
// as Microsoft 365 and Gmail ask for), and limits so no server can make us hold unbounded data.
import fs from 'node:fs';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';

export interface ImapTarget {
  host: string;
  port: number;
  security: 'tls' | 'starttls';
  username: string;
  auth: 'password' | 'xoauth2';
  secret: string;
}

/** One message may be this large (a literal past it ends the connection, not the process). */
export const MAX_MESSAGE_BYTES = 60 * 1024 * 1024;

export interface ImapSettings {
  /** Extra trusted certificate authorities (PEM file). */
  tlsCa?: string;
  timeoutMs?: number;
}

const caCache = new Map<string, Buffer>();

export function imapClient(t: ImapTarget, s: ImapSettings = {}): ImapFlow {
  let ca: Buffer | undefined;
  if (s.tlsCa) {
    ca = caCache.get(s.tlsCa) ?? fs.readFileSync(s.tlsCa);
    caCache.set(s.tlsCa, ca);
  }
  const timeout = s.timeoutMs ?? 30_000;
  const options: ImapFlowOptions & Record<string, unknown> = {
    host: t.host,
    port: t.port,
    secure: t.security === 'tls',
    doSTARTTLS: t.security === 'starttls',
    auth: t.auth === 'xoauth2' ? { user: t.username, accessToken: t.secret } : { user: t.username, pass: t.secret },
    tls: ca ? { ca: [ca], minVersion: 'TLSv1.2' } : { minVersion: 'TLSv1.2' },
    logger: false,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    maxLiteralSize: MAX_MESSAGE_BYTES,
    maxResponseSize: MAX_MESSAGE_BYTES + 1024 * 1024,
    maxLineLength: 4 * 1024 * 1024,
    disableCompression: false,
  };
  return new ImapFlow(options);
}

/** The server's own words for a failure, as far as it said any (never our secret). */
export function serverWords(err: unknown): string {
  const e = err as { responseText?: string; message?: string; code?: string; serverResponseCode?: string };
  const text = e.responseText || e.message || String(err);
  const prefix = e.serverResponseCode ? `[${e.serverResponseCode}] ` : e.code && !e.responseText ? `${e.code}: ` : '';
  return (prefix + text).replace(/[\u0000-\u001f]/g, ' ').slice(0, 500);
}

/** True when the server refused the credentials (as opposed to being unreachable). */
export function isLoginRefusal(err: unknown): boolean {
  const e = err as { authenticationFailed?: boolean; serverResponseCode?: string };
  return !!e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED';
}

/** Connects, logs in and logs out: answers the special-use Sent folder if the server names one. */
export async function checkLogin(t: ImapTarget, s: ImapSettings = {}): Promise<{ sentFolder?: string; folders: string[] }> {
  const client = imapClient(t, { ...s, timeoutMs: 15_000 });
  client.on('error', () => {}); // the awaited call below reports it
  try {
    await client.connect();
    const list = await client.list();
    const sent = list.find((f) => f.specialUse === '\\Sent');
    return { sentFolder: sent?.path, folders: list.map((f) => f.path) };
  } finally {
    await client.logout().catch(() => client.close());
  }
}
