// What happens to a message between DATA and the queue: the trace header on top, `Bcc` removed,
// a `Message-ID` added when the client sent none. Every other byte stays as the client wrote it.
import { randomUUID } from 'node:crypto';
import libmime from 'libmime';
import type { SMTPServerSession } from 'smtp-server';
import { MimeMessage } from '../mime/message.js';

export type Incoming =
  | { ok: true; raw: Buffer; subject: string | null; messageId: string; pixelPosition: 'top' | 'bottom' | null; from: string | undefined }
  | { ok: false; error: string };

/** A sender's request for the open pixel at the top of the mail (long mail that Gmail clips); read and removed. */
const PIXEL_HEADER = 'x-mailbeacon-pixel-position';

const STARTS_WITH_FIELD = /^[!-9;-~]+[ \t]*:/;

export function prepareIncoming(raw: Buffer, opts: { hostname: string; session: SMTPServerSession; now?: Date }): Incoming {
  if (!STARTS_WITH_FIELD.test(raw.subarray(0, 200).toString('latin1'))) {
    return { ok: false, error: 'The message has no header block (it must start with header lines such as From: and Subject:)' };
  }
  const message = MimeMessage.parse(raw);
  const headers = message.headers;
  headers.remove('bcc');
  const asked = headers.get(PIXEL_HEADER)?.trim().toLowerCase();
  headers.remove(PIXEL_HEADER);
  const pixelPosition = asked === 'top' || asked === 'bottom' ? asked : null;
  let messageId = headers.get('message-id');
  if (!messageId) {
    messageId = `<${randomUUID()}@${opts.hostname}>`;
    headers.add('Message-ID', messageId);
  }
  headers.prepend('Received', received(opts.session, opts.hostname, opts.now ?? new Date()));
  const subject = headers.get('subject');
  return { ok: true, raw: message.toBuffer(), subject: subject === undefined ? null : storable(libmime.decodeWords(subject)), messageId: storable(messageId), pixelPosition, from: headers.get('from') };
}

/**
 * The subject and Message-ID are also kept in text columns, which in PostgreSQL cannot hold U+0000
 * (`=?utf-8?Q?a=00b?=` decodes to one): without it there, the insert failed and the client got a
 * "temporary" 451 for a message that could never be accepted. The message itself keeps its bytes.
 */
const storable = (text: string) => text.replace(/\u0000/g, '');

function received(s: SMTPServerSession, hostname: string, now: Date): string {
  const helo = (s.hostNameAppearsAs || 'unknown').replace(/[^\w.:[\]-]/g, '');
  const proto = s.transmissionType || 'ESMTP';
  return `from ${helo} ([${s.remoteAddress}]) by ${hostname} (Mailbeacon) with ${proto} id ${s.id}; ${now.toUTCString().replace('GMT', '+0000')}`;
}
