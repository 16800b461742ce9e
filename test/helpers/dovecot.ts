// A real Dovecot (Debian's dovecot-imapd) for the connected-mailbox tests: started as an ordinary
// process on free ports with its own configuration, state, log and mail folders in a temporary
// directory, a passwd-file of test users, and a self-signed certificate (STARTTLS on one port,
// implicit TLS on the other). Never a system service; stopped by the PID it was started with.
// With `oauth2`, XOAUTH2 logins are checked by Dovecot's oauth2 passdb against an HTTP endpoint the
// test runs (the stand-in for Microsoft's or Google's; Dovecot 2.3 "OAuth2" docs,
// https://doc.dovecot.org/2.3/configuration_manual/authentication/oauth2/).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './ports.js';
import { selfSignedCert } from './self-signed.js';

export const DOVECOT = '/usr/sbin/dovecot';

export interface Dovecot {
  dir: string;
  host: string;
  /** STARTTLS */
  port: number;
  /** implicit TLS */
  tlsPort: number;
  /** The certificate to trust (MAILBOX_TLS_CA). */
  caFile: string;
  addUser(user: string, password: string): void;
  /** Seen by Dovecot from the second after the user's last login (or after a restart): see writeUser. */
  setPassword(user: string, password: string): void;
  client(user: string): Promise<ImapFlow>;
  /** APPENDs a message to a folder; answers its UID. */
  append(user: string, folder: string, raw: string | Buffer, date?: Date): Promise<number>;
  /** Deletes and recreates a folder: the server gives it a new UIDVALIDITY. */
  recreate(user: string, folder: string): Promise<void>;
  uidValidity(user: string, folder: string): Promise<bigint>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Dovecot's own log so far (what its auth process said about a login). */
  log(): string;
  pid(): number | undefined;
}

export interface DovecotOptions {
  /**
   * Checks XOAUTH2 access tokens: Dovecot GETs `tokeninfoUrl` with the token appended (as Google's
   * tokeninfo takes it) and takes a 200 answer's `email` as the user's name; a 4xx answer (RFC 6750
   * §3, `{"error":"invalid_token"}`) refuses the login.
   */
  oauth2?: { tokeninfoUrl: string };
}

function oauth2Passdb(dir: string, o: DovecotOptions['oauth2']): string {
  if (!o) return '';
  fs.writeFileSync(path.join(dir, 'oauth2.conf.ext'), [`tokeninfo_url = ${o.tokeninfoUrl}`, `username_attribute = email`, ''].join('\n'));
  return `passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = ${dir}/oauth2.conf.ext
}
`;
}

function config(dir: string, port: number, tlsPort: number, o: DovecotOptions): string {
  return `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
mail_location = maildir:${dir}/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u ${dir}/passwd/%u
}
${oauth2Passdb(dir, o.oauth2)}userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tlsPort}
    ssl = yes
  }
}
namespace inbox {
  inbox = yes
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
`;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`dovecot did not listen on ${port}`);
}

export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-dovecot-'));
  fs.chmodSync(dir, 0o755); // the login and mail processes run as dovenull/dovecot
  for (const d of ['run', 'state', 'mail', 'home', 'passwd']) fs.mkdirSync(path.join(dir, d));
  execFileSync('chown', ['dovecot:dovecot', path.join(dir, 'mail'), path.join(dir, 'home')]);
  selfSignedCert(dir);
  const [port, tlsPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, config(dir, port, tlsPort, options));
  const users = new Map<string, string>();
  /**
   * One passwd-file per user: Dovecot looks at a passwd-file again only in a later second than its
   * last look (db-passwd-file.c, last_sync_time), so a user added to a shared file right after
   * another user's login stayed unknown until the second turned. A new user's file is a new path,
   * read when first asked for.
   */
  const writeUser = (user: string) => {
    if (!/^[^/\0]+$/.test(user) || user.startsWith('.')) throw new Error(`not a usable test user name: ${user}`);
    fs.writeFileSync(path.join(dir, 'passwd', user), `${user}:{PLAIN}${users.get(user)}\n`);
  };
  let child: ChildProcess | undefined;
  const caFile = path.join(dir, 'cert.pem');

  const d: Dovecot = {
    dir,
    host: '127.0.0.1',
    port,
    tlsPort,
    caFile,
    addUser(user, password) {
      users.set(user, password);
      writeUser(user);
    },
    setPassword(user, password) {
      users.set(user, password);
      writeUser(user);
    },
    async client(user) {
      const c = new ImapFlow({ host: '127.0.0.1', port: tlsPort, secure: true, tls: { ca: [fs.readFileSync(caFile)] }, auth: { user, pass: users.get(user)! }, logger: false });
      c.on('error', () => {});
      await c.connect();
      return c;
    },
    async append(user, folder, raw, date) {
      const c = await d.client(user);
      try {
        const r = await c.append(folder, raw, [], date);
        return Number(r && typeof r === 'object' ? r.uid : 0);
      } finally {
        await c.logout();
      }
    },
    async recreate(user, folder) {
      const c = await d.client(user);
      try {
        await c.mailboxDelete(folder);
        await c.mailboxCreate(folder);
      } finally {
        await c.logout();
      }
    },
    async uidValidity(user, folder) {
      const c = await d.client(user);
      try {
        const s = await c.status(folder, { uidValidity: true });
        return BigInt((s && s.uidValidity) ?? 0);
      } finally {
        await c.logout();
      }
    },
    async start() {
      // Its own process group, so stopping it ends its login and mail processes too (as a restart
      // of a real server drops every connection).
      child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: 'ignore', detached: true });
      await waitForPort(port, Date.now() + 10_000);
      await waitForPort(tlsPort, Date.now() + 10_000);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      process.kill(-c.pid!, 'SIGTERM');
      await gone;
      try {
        process.kill(-c.pid!, 'SIGKILL'); // whatever of the group outlived the master
      } catch {
        /* all gone */
      }
      child = undefined;
    },
    pid: () => child?.pid,
    log: () => fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8'),
  };
  await d.start();
  return d;
}

/** A plain RFC 5322 message (CRLF), optionally with one attachment. */
export function rawMessage(o: {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  body?: string;
  date?: Date;
  headers?: Record<string, string>;
  attachment?: { name: string; type: string; bytes: Buffer };
}): string {
  const head = [
    `From: ${o.from}`,
    `To: ${o.to.join(', ')}`,
    `Subject: ${o.subject}`,
    `Message-ID: ${o.messageId}`,
    `Date: ${(o.date ?? new Date()).toUTCString()}`,
    'MIME-Version: 1.0',
    ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  const body = o.body ?? 'Hello,\r\n\r\nthe pricing you asked for.';
  if (!o.attachment) return [...head, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
  const b = 'mb-boundary-1';
  const data = o.attachment.bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    ...head,
    `Content-Type: multipart/mixed; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    `--${b}`,
    `Content-Type: ${o.attachment.type}; name="${o.attachment.name}"`,
    `Content-Disposition: attachment; filename="${o.attachment.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    data,
    `--${b}--`,
    '',
  ].join('\r\n');
}
