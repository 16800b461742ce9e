// The email of a single send as MIME (nodemailer's MailComposer): HTML with a text alternative,
// From/To/Cc/Reply-To headers (Bcc never appears), and a Message-ID that names the send status, so
// the queue can tell the status how its delivery went.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Sender } from './addresses.js';

export interface Email {
  statusId: string;
  from: Sender;
  to: string;
  cc: Sender[];
  replyTo: Sender[];
  subject: string;
  html: string;
  text: string;
}

/** Everything of the email but what rendering the template makes. */
export type Envelope = Omit<Email, 'subject' | 'html' | 'text'>;

const STATUS_MESSAGE_ID = /^<([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.ss@[^>]+>$/;

export function messageIdFor(statusId: string, from: Sender): string {
  return `<${statusId}.ss@${from.address.slice(from.address.lastIndexOf('@') + 1)}>`;
}

/** The send status a queued message belongs to, from its Message-ID; undefined for any other mail. */
export function statusIdOf(messageIdHeader: string | null): string | undefined {
  return messageIdHeader ? STATUS_MESSAGE_ID.exec(messageIdHeader)?.[1] : undefined;
}

export function compose(email: Email): Promise<Buffer> {
  return new MailComposer({
    from: email.from,
    to: email.to,
    cc: email.cc.length ? email.cc : undefined,
    replyTo: email.replyTo.length ? email.replyTo : undefined,
    subject: email.subject,
    html: email.html,
    text: email.text,
    messageId: messageIdFor(email.statusId, email.from),
    date: new Date(),
  })
    .compile()
    .build();
}
