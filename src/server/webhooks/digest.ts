// The daily email digest (docs/product.md, Webhooks): once a day, at DIGEST_HOUR (UTC), each rep who
// asked for it gets one email listing the opens and clicks they were notified of since their last
// digest (the last 24 hours for the first). It goes through the normal queue (relay, retries, DKIM);
// the day is claimed in the transaction that queues it, so of several processes only one sends it.
// A day with nothing to tell sends nothing.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Database } from '../db/index.js';
import type { WebhookConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Acceptor } from '../queue/accept.js';
import { claimDigest, digestSubscribers, lastDigest, notificationsBetween } from '../store/webhooks.js';
import { activityLink, type NoticeType, noticeVerb } from './channels.js';

const DAY_MS = 86_400_000;
/** More lines than this make a digest nobody reads; the rest is counted and linked. */
const MAX_LINES = 200;

export interface DigestItem {
  type: NoticeType;
  who: string;
  subject: string;
  url: string | null;
  emailId: string;
  at: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const time = (at: number) => new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** The digest as subject, HTML and text. */
export function renderDigest(items: DigestItem[], total: number, publicUrl: string): { subject: string; html: string; text: string } {
  const of = (type: NoticeType) => items.filter((i) => i.type === type).length;
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  // Replies and reminders are named only when there are some (they need a connected mailbox).
  const extra = [of('REPLY') ? count(of('REPLY'), 'reply', 'replies') : '', of('REMINDER') ? count(of('REMINDER'), 'reminder') : ''].filter(Boolean);
  const subject = `Your Mailbeacon digest: ${[count(of('OPEN'), 'open'), count(of('CLICK'), 'click'), ...extra].join(', ')}`;
  const line = (i: DigestItem) => `${i.who} ${noticeVerb(i.type)} "${i.subject || '(no subject)'}"`;
  const more = total > items.length ? `…and ${total - items.length} more on the Activity page: ${publicUrl}/app/activity` : '';
  const text = ['Since your last digest:', '', ...items.map((i) => `- ${time(i.at)}  ${line(i)}${i.url ? ` (${i.url})` : ''}`), ...(more ? ['', more] : []), '', `Activity: ${publicUrl}/app/activity`, 'Turn this digest off in the add-in: Settings → Notification channels.'].join('\n');
  const rows = items
    .map(
      (i) =>
        `<tr><td style="padding:4px 12px 4px 0;color:#555;white-space:nowrap">${esc(time(i.at))}</td><td style="padding:4px 0"><b>${esc(i.who)}</b> ${noticeVerb(i.type)} <a href="${esc(activityLink(publicUrl, i))}">${esc(i.subject || '(no subject)')}</a>${i.url ? `<br><span style="color:#555">${esc(i.url)}</span>` : ''}</td></tr>`,
    )
    .join('');
  const html = `<!doctype html><html><body style="font:14px/1.5 -apple-system,Segoe UI,sans-serif;color:#222"><h1 style="font-size:18px">Since your last digest</h1><table role="presentation" style="border-collapse:collapse">${rows}</table>${more ? `<p>${esc(more)}</p>` : ''}<p style="color:#555;font-size:12px">Turn this digest off in the add-in: Settings → Notification channels.</p></body></html>`;
  return { subject, html, text };
}

export class DigestScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly deps: { database: Database; acceptor: Acceptor; config: WebhookConfig; publicUrl: string; logger: Logger }) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sendDue(Date.now())
        .then(() => undefined)
        .catch((err) => this.deps.logger.warn({ err }, 'daily digests: could not send; trying again later'))
        .finally(() => (this.running = undefined));
    }, this.deps.config.digestCheck);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sends the digests due at `now`: after today's DIGEST_HOUR, to reps who have not had today's. */
  async sendDue(now: number): Promise<number> {
    const { database, config } = this.deps;
    const day = new Date(now).toISOString().slice(0, 10);
    if (now < Date.parse(`${day}T00:00:00Z`) + config.digestHour * 3600_000) return 0;
    let sent = 0;
    for (const rep of await digestSubscribers(database.db)) {
      const last = await lastDigest(database.db, rep.userId);
      if (last?.day === day) continue;
      const from = Math.max(last?.sentAt ?? 0, now - DAY_MS);
      const rows = await notificationsBetween(database.db, rep.userId, from, now, MAX_LINES + 1);
      const items: DigestItem[] = rows.slice(0, MAX_LINES).map((r) => ({ type: r.type, who: r.who, subject: r.subject, url: r.url, emailId: r.email_id, at: Number(r.at) }));
      if (!items.length) continue;
      if (await this.send(rep, items, rows.length, day, now)) sent++;
    }
    return sent;
  }

  private async send(rep: { userId: string; accountId: string; email: string; name: string | null }, items: DigestItem[], total: number, day: string, now: number): Promise<boolean> {
    const { acceptor, config, publicUrl, logger } = this.deps;
    const { subject, html, text } = renderDigest(items, total, publicUrl);
    const raw = await new MailComposer({ from: config.digestFrom, to: rep.name ? { name: rep.name, address: rep.email } : rep.email, subject, html, text }).compile().build();
    const mailFrom = /<([^>]+)>/.exec(config.digestFrom)?.[1] ?? config.digestFrom;
    try {
      await acceptor.accept({
        accountId: rep.accountId,
        source: 'API',
        campaignId: null,
        userId: rep.userId,
        mailFrom,
        recipients: [rep.email],
        raw,
        subject,
        messageIdHeader: null,
        createContacts: false,
        track: false,
        // Claimed with the message: another process that got here first makes this one roll back.
        within: (trx) => claimDigest(trx, rep.userId, rep.accountId, day, now),
      });
      logger.info({ userId: rep.userId, lines: items.length }, 'daily digest queued');
      return true;
    } catch (err) {
      if (!/unique|constraint/i.test(String((err as Error).message))) throw err;
      return false; // another process sent today's
    }
  }
}
