// A message read from the mailbox, turned into what POST /api/v1/logged-emails takes: the LoggedEmail
// fields and its attachments staged. A message in memory is split by mime.ts when it can; otherwise
// mailparser streams it. Each attachment is hashed on the way, and one bigger than a blob chunk is
// written to disk (from a stream, never held in memory whole).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { AddressObject, AttachmentStream, MessageText } from 'mailparser';
import { loadLater } from '../load-later.js';
import { parseInMemory } from './mime.js';
import { isAddress, normalizeAddress } from '../../shared/addresses.js';
import { MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, MAX_RECIPIENTS, type LoggedEmail } from '../logging/input.js';
import { cleanContentType, cleanFilename, type StagedFile } from '../logging/upload.js';
import { CHUNK_BYTES } from '../store/blobs.js';

export interface ParsedMessage {
  email: LoggedEmail;
  files: StagedFile[];
  /** The add-in's stamp (X-Mailbeacon-Id), when the add-in composed it. */
  mailbeaconId?: string;
  /** Message ids named by In-Reply-To and References. */
  replyTo: string[];
  fromName?: string;
}

const MAX_TEXT = 5 * 1024 * 1024;

/**
 * mailparser also renders every text part as HTML (`textAsHtml`, which we never read), at about the
 * cost of the rest of the parse. Only a message with HTML parts needs its text parts as HTML (they
 * are joined into its `html`); for the others it is skipped.
 */
let Parser: typeof import('mailparser').MailParser | undefined;

/** The parser class, made on first use: mailparser loads only on servers that sync a mailbox. */
function parserClass(): typeof import('mailparser').MailParser {
  if (Parser) return Parser;
  const { MailParser } = loadLater('mailparser') as typeof import('mailparser');
  Parser = class extends MailParser {
    textToHtml(text: string): string {
      if (!(this as unknown as { hasHtml: boolean }).hasHtml) return '';
      return (MailParser.prototype as unknown as { textToHtml(t: string): string }).textToHtml.call(this, text);
    }
  };
  return Parser;
}

function addresses(value: AddressObject | AddressObject[] | undefined): Array<{ address: string; name: string }> {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const out: Array<{ address: string; name: string }> = [];
  const walk = (items: Array<{ address?: string; name: string; group?: Array<{ address?: string; name: string }> }>) => {
    for (const a of items) {
      if (a.group) walk(a.group);
      else if (a.address && isAddress(a.address)) out.push({ address: normalizeAddress(a.address), name: a.name });
    }
  };
  for (const v of list) walk(v.value);
  return out;
}

/** `<id>` tokens of a header value (In-Reply-To, References). */
export function idTokens(value: unknown): string[] {
  const text = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : '';
  return (text.match(/<[^<>\s]{1,500}>/g) ?? []).slice(0, 100);
}

const bracket = (id: string) => `<${id.trim().replace(/^<|>$/g, '')}>`;

/**
 * Parses a message; attachments go to files in `dir` (the caller removes it). `fallbackId` names a
 * message without a Message-ID (stable across syncs, so a resync finds it logged). A message in
 * memory is read by the fast parser (mime.ts) when it can; a stream, or a message it leaves, by
 * mailparser.
 */
export async function parseMessage(source: Readable | Buffer, dir: string, fallbackId: () => string): Promise<ParsedMessage> {
  const fast = Buffer.isBuffer(source) ? parseInMemory(source) : undefined;
  if (!fast) return parseStreamed(source, dir, fallbackId);
  const kept = new Kept();
  for (const att of fast.attachments) kept.add(await stageAttachment({ content: [att.content], filename: att.filename, contentType: att.contentType }, dir, kept.files.length, kept.total));
  return parsed(fast.headers, { html: fast.html, text: fast.text }, kept.files, fallbackId);
}

/** The staged attachments kept: within the limits an upload has on their number and total size. */
class Kept {
  files: StagedFile[] = [];
  total = 0;
  add(f: StagedFile | null): void {
    if (f && this.files.length < MAX_ATTACHMENTS && this.total + f.size <= MAX_ATTACHMENT_BYTES) {
      this.files.push(f);
      this.total += f.size;
    }
  }
}

/** mailparser, reading the message as a stream (attachments staged as they stream by). */
async function parseStreamed(source: Readable | Buffer, dir: string, fallbackId: () => string): Promise<ParsedMessage> {
  const parser = new (parserClass())({ skipImageLinks: true, skipTextLinks: true, maxHtmlLengthToParse: MAX_TEXT });
  const kept = new Kept();
  let text: MessageText | undefined;
  const headersReady = once(parser, 'headers');
  const writes: Array<Promise<void>> = [];
  const done = new Promise<void>((resolve, reject) => {
    parser.on('data', (part: AttachmentStream | MessageText) => {
      if (part.type === 'text') {
        text = part;
        return;
      }
      const att = part;
      const write = stageAttachment({ content: att.content as unknown as AsyncIterable<Buffer>, filename: att.filename, contentType: att.contentType }, dir, kept.files.length, kept.total).then((f) => {
        kept.add(f);
        att.release();
      }, reject);
      writes.push(write);
    });
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  if (Buffer.isBuffer(source)) parser.end(source);
  else source.pipe(parser);
  // Awaited together: a parser that fails before its headers (mailsplit refuses a header block over
  // its limit) rejects both, and the one not awaited would end the process as an unhandled rejection.
  const [[headers]] = (await Promise.all([headersReady, done])) as [[Map<string, unknown>], void];
  // release() holds the parser's 'end' back until an attachment is written, except for a message that
  // is one attachment (no part follows it): that one is awaited here.
  await Promise.all(writes);
  return parsed(headers, { html: text?.html, text: text?.text }, kept.files, fallbackId);
}

/** The logged fields from the headers and texts either parser found (only headers in mime.ts's READ_HEADERS are read). */
function parsed(headers: Map<string, unknown>, text: { html?: unknown; text?: string }, files: StagedFile[], fallbackId: () => string): ParsedMessage {
  const from = addresses(headers.get('from') as AddressObject | undefined)[0];
  const messageId = typeof headers.get('message-id') === 'string' ? bracket(headers.get('message-id') as string) : fallbackId();
  const date = headers.get('date');
  const sentAtMs = date instanceof Date && Number.isFinite(date.getTime()) ? date.getTime() : Date.now();
  const replyTo = [...new Set([...idTokens(headers.get('in-reply-to')), ...idTokens(headers.get('references'))])];
  const stamp = headers.get('x-mailbeacon-id');
  const mailbeaconId = typeof stamp === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(stamp.trim()) ? stamp.trim() : undefined;
  const list = (name: string) => addresses(headers.get(name) as AddressObject | undefined).map((a) => a.address).slice(0, MAX_RECIPIENTS);
  const subject = typeof headers.get('subject') === 'string' ? (headers.get('subject') as string).slice(0, 2000) : '';
  const html = typeof text.html === 'string' ? text.html.slice(0, MAX_TEXT) : '';
  const plain = (text.text ?? '').slice(0, MAX_TEXT);
  const email: LoggedEmail = {
    subject,
    html,
    text: plain,
    from: from?.address ?? 'unknown@invalid',
    to: list('to'),
    cc: list('cc'),
    bcc: list('bcc'),
    sentAt: new Date(sentAtMs).toISOString(),
    sentAtMs,
    internetMessageId: messageId.slice(0, 998),
    ...(mailbeaconId ? { trackingId: mailbeaconId } : {}),
    ...(replyTo.length ? { inReplyTo: replyTo.join(' ').slice(0, 4000) } : {}),
  };
  return { email: stripUnstorable(email), files, mailbeaconId, replyTo, fromName: from?.name || undefined };
}

/** NUL characters no PostgreSQL text column takes; they carry nothing a reader needs. */
function stripUnstorable(e: LoggedEmail): LoggedEmail {
  const clean = (s: string) => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);
  return { ...e, subject: clean(e.subject), html: clean(e.html), text: clean(e.text) };
}

/**
 * An attachment up to one blob chunk is kept in memory (its message is, too); a bigger one goes to a
 * file in `dir` as it streams, so no big attachment is held whole.
 */
async function stageAttachment(att: { content: AsyncIterable<Buffer> | Buffer[]; filename?: string; contentType: string }, dir: string, index: number, before: number): Promise<StagedFile | null> {
  const hash = createHash('sha256');
  const held: Buffer[] = [];
  let out: fs.WriteStream | undefined;
  let target = '';
  let size = 0;
  let over = false;
  for await (const chunk of att.content) {
    size += chunk.length;
    if (before + size > MAX_ATTACHMENT_BYTES) {
      over = true; // read on (the parser needs it) but keep nothing more
      continue;
    }
    hash.update(chunk);
    if (!out && size <= CHUNK_BYTES) {
      held.push(chunk);
      continue;
    }
    if (!out) {
      target = path.join(dir, `a${index}-${Math.random().toString(36).slice(2)}`);
      out = fs.createWriteStream(target);
      for (const h of held.splice(0)) out.write(h);
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  if (out) {
    out.end();
    await once(out, 'close');
  }
  if (over) return null;
  const content = out ? { path: target } : { path: '', data: held.length === 1 ? held[0] : Buffer.concat(held) };
  return { ...content, sha256: hash.digest('hex'), size, filename: cleanFilename(att.filename), contentType: cleanContentType(att.contentType) };
}
