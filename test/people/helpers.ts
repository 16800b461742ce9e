// Helpers for the people tests: a cookie-carrying client, and reading links from the dev mailbox.
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { RunningServer } from '../helpers/server.js';

export interface Browserish {
  cookie?: string;
  /** What the last response set (undefined: nothing). */
  setCookie?: string;
  call(pathname: string, init?: { method?: string; json?: unknown; origin?: string | null; headers?: Record<string, string> }): Promise<Response>;
}

let nextAddress = 1;

/**
 * A client that keeps the `mb_session` cookie like a browser and sends our own Origin on writes. Each
 * comes from its own client address (the server trusts X-Forwarded-For in these tests), so the sign-in
 * throttle's per-address count of one test does not spill into the next.
 */
export function browserClient(server: RunningServer, address = `10.9.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`): Browserish {
  const c: Browserish = {
    async call(pathname, init = {}) {
      const headers: Record<string, string> = { 'x-forwarded-for': address, ...init.headers };
      if (c.cookie) headers.cookie = c.cookie;
      const origin = init.origin === undefined ? server.url : init.origin;
      if (origin) headers.origin = origin;
      if (init.json !== undefined) headers['content-type'] = 'application/json';
      const r = await fetch(server.url + pathname, { method: init.method ?? (init.json !== undefined ? 'POST' : 'GET'), headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
      const set = r.headers.get('set-cookie') ?? undefined;
      c.setCookie = set;
      if (set) {
        const value = /^mb_session=([^;]*)/.exec(set)?.[1];
        c.cookie = value ? `mb_session=${value}` : undefined;
      }
      return r;
    },
  };
  return c;
}

/** The newest email to `to` in the dev mailbox whose subject matches, once it arrives. */
export async function mailTo(server: RunningServer, to: string, subject: RegExp, after = 0): Promise<{ subject: string; text: string; html: string; from: string }> {
  const dir = path.join(server.env.DATA_DIR, 'mailbox');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml') && Number(f.split('-')[0]) >= after).sort().reverse() : [];
    for (const f of files) {
      const mail = await simpleParser(fs.readFileSync(path.join(dir, f)));
      const to_ = mail.to;
      const rcpt = String(mail.headers.get('delivered-to') ?? '') + ' ' + (Array.isArray(to_) ? to_.map((t) => t.text).join(' ') : (to_?.text ?? ''));
      if (rcpt.includes(to) && subject.test(mail.subject ?? '')) return { subject: mail.subject ?? '', text: mail.text ?? '', html: mail.html || '', from: mail.from?.text ?? '' };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email to ${to} matching ${subject} arrived`);
}

export const linkIn = (text: string, kind: 'invite' | 'reset') => {
  const m = new RegExp(`https?://\\S+/app/${kind}/([A-Za-z0-9_-]{43})`).exec(text);
  if (!m) throw new Error(`no ${kind} link in: ${text}`);
  return { url: m[0], token: m[1] };
};
