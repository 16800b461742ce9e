// The account's own emails — an invitation, a password reset — queued like any other mail (the dev
// mailbox shows them when no relay is set). They come from the account's sender address, which an
// admin sets; until then no-reply@ the host of PUBLIC_URL.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Kysely } from 'kysely';
import type { Acceptor } from '../queue/accept.js';
import type { Schema } from '../db/schema.js';
import { senderAddressOf } from '../store/accounts.js';
import { newId } from '../secrets.js';

export interface MailDeps {
  db: Kysely<Schema>;
  acceptor: Acceptor;
  publicUrl: string;
}

export function defaultSender(publicUrl: string): string {
  return `no-reply@${new URL(publicUrl).hostname}`;
}

export async function senderOf(deps: MailDeps, accountId: string): Promise<string> {
  return (await senderAddressOf(deps.db, accountId)) ?? defaultSender(deps.publicUrl);
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One email with a single call to action: the text, then a button to `link` (also in the text part). */
export async function sendLinkEmail(
  deps: MailDeps,
  mail: { accountId: string; to: string; subject: string; lines: string[]; action: string; link: string; footer: string },
): Promise<void> {
  const from = await senderOf(deps, mail.accountId);
  const text = [...mail.lines, '', `${mail.action}: ${mail.link}`, '', mail.footer].join('\n');
  const html =
    `<div style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#242424;max-width:520px">` +
    mail.lines.map((l) => `<p>${escape(l)}</p>`).join('') +
    `<p><a href="${escape(mail.link)}" style="display:inline-block;background:#0f6cbd;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none">${escape(mail.action)}</a></p>` +
    `<p style="font-size:13px;color:#616161">Or paste this link into your browser: ${escape(mail.link)}</p>` +
    `<p style="font-size:13px;color:#616161">${escape(mail.footer)}</p></div>`;
  const host = from.slice(from.lastIndexOf('@') + 1);
  const messageId = `<${newId(24)}.account@${host}>`;
  const raw = await new MailComposer({ from: { name: 'Mailbeacon', address: from }, to: mail.to, subject: mail.subject, text, html, messageId, date: new Date() }).compile().build();
  await deps.acceptor.accept({
    accountId: mail.accountId,
    source: 'API',
    campaignId: null,
    userId: null,
    mailFrom: from,
    recipients: [mail.to],
    raw,
    subject: mail.subject,
    messageIdHeader: messageId,
    // A sign-in link must not be rewritten through the tracker, nor its reader become a contact.
    createContacts: false,
    track: false,
  });
}
