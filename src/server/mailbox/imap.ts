// Opening an IMAP connection (imapflow) for a connected mailbox: TLS from the first byte or STARTTLS
// (required, never a silent fall back to cleartext), a password or an OAuth access token (XOAUTH2,
// as Microsoft 365 and Gmail ask for), and limits so no server can make us hold unbounded data.
import dns from 'node:dns/promises';
import fs from 'node:fs';
import type { ImapFlow, ImapFlowOptions } from 'imapflow';
import { loadLater } from '../load-later.js';
import { invalid } from '../errors.js';
import { compileRanges, firstMatch, parseAddress } from '../../shared/ip-ranges.js';

export interface ImapTarget {
  host: string;
  /** The address `host` was resolved to and checked (publicAddress). */
  address?: string;
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
  /** Loopback and private addresses allowed (MAILBOX_ALLOW_PRIVATE). */
  allowPrivate?: boolean;
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
    host: t.address ?? t.host,
    // The certificate is checked against the name the user gave, not the address it resolved to.
    servername: parseAddress(t.host) ? undefined : t.host,
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
  const imap = loadLater('imapflow') as typeof import('imapflow');
  return new imap.ImapFlow(options);
}

// Addresses no user's mail server should have: loopback, private, link-local, shared, unspecified.
const INTERNAL = compileRanges(
  ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '0.0.0.0/8', '::1/128', '::/128', 'fc00::/7', 'fe80::/10'].map((cidr) => ({ cidr })),
);

/**
 * Refuses a host that is, or resolves to, an internal address: connecting there and reporting the
 * answer would let any user probe the network Mailbeacon runs in. Answers the address to connect
 * to, so that a name cannot resolve to something else between this check and the connection.
 */
export async function publicAddress(host: string, allowPrivate = false): Promise<string> {
  const literal = parseAddress(host);
  const addresses = literal ? [literal.address] : (await dns.lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);
  if (!addresses.length) throw invalid(`host ${JSON.stringify(host)} does not resolve; check the name of the mail server (e.g. outlook.office365.com).`, 'host');
  if (!allowPrivate) {
    const internal = addresses.find((a) => firstMatch(INTERNAL, parseAddress(a)));
    if (internal) throw invalid(`host ${JSON.stringify(host)} is an internal address (${internal}); connect a mail server on the internet, or set MAILBOX_ALLOW_PRIVATE=true on the server.`, 'host');
  }
  return addresses[0];
}

/** The server's own words for a failure, as far as it said any (never our secret). */
export function serverWords(err: unknown): string {
  const e = err as { responseText?: string; message?: string; code?: string; serverResponseCode?: string; oauthError?: { status?: unknown } };
  const text = e.responseText || e.message || String(err);
  const prefix = e.serverResponseCode ? `[${e.serverResponseCode}] ` : e.code && !e.responseText ? `${e.code}: ` : '';
  // A refused XOAUTH2 login also carries the server's JSON (RFC 7628 §3.2.2; Google's XOAUTH2 docs): its status says why.
  const oauth = typeof e.oauthError?.status === 'string' ? ` (OAuth status ${e.oauthError.status})` : '';
  return (prefix + text + oauth).replace(/[\u0000-\u001f]/g, ' ').slice(0, 500);
}

/** True when the server refused the credentials (as opposed to being unreachable). */
export function isLoginRefusal(err: unknown): boolean {
  const e = err as { authenticationFailed?: boolean; serverResponseCode?: string };
  return !!e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED';
}

/** Connects, logs in and logs out: answers the special-use Sent folder if the server names one. */
export async function checkLogin(t: ImapTarget, s: ImapSettings = {}): Promise<{ sentFolder?: string; folders: string[] }> {
  const address = await publicAddress(t.host, s.allowPrivate);
  const client = imapClient({ ...t, address }, { ...s, timeoutMs: 15_000 });
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
