// A fast parse of a message already in memory (a batch's messages, each ≤ 1 MB), for the shapes mail
// usually has: headers, text and HTML parts, attachments, nested multiparts. mailparser reads a
// message as a stream — line by line, an event-loop turn per chunk — which made it the biggest CPU
// cost of a mailbox backfill; here the whole buffer is split at its boundaries at once. Why two
// parsers: mailparser is the one that streams (messages up to 60 MB are never held whole), and the
// one whose meaning we keep. So this one uses mailparser's own pieces (its header processing,
// mailsplit's part headers, the same charset and transfer decoders, Node's own for clean base64)
// and answers `undefined` for anything whose meaning it does not reproduce exactly (message/rfc822
// parts, format=flowed, text that mailparser would convert between HTML and plain, a missing closing
// boundary, …): that message goes to mailparser. test/mime/parse-differential.test.ts feeds both
// the same varied messages. (mime/part.ts splits messages too, but by the editor's rules: it takes
// `--boundary ` with blanks after it as a delimiter, which mailsplit does not.)
import { createRequire } from 'node:module';
import { loadLater } from '../load-later.js';

export interface MimeAttachment {
  content: Buffer;
  filename?: string;
  contentType: string;
}

export interface MimeResult {
  /** The top-level headers named in READ_HEADERS, as mailparser's `headers` event gives them. */
  headers: Map<string, unknown>;
  text?: string;
  html?: string;
  attachments: MimeAttachment[];
}

/** What mailsplit's MimeNode makes of a part's headers (the fields read here). */
interface PartHead {
  contentType: string | false;
  charset: string | false;
  encoding: string | false;
  disposition: string | false;
  filename: string | false;
  flowed: boolean;
  multipart: string | false;
  _boundary: Buffer | false;
  headers: { getList(): unknown[] };
  parseHeaders(): void;
  addHeaderChunk(line: Buffer): void;
}

interface Tools {
  MimeNode: new (parent: false, config?: object) => PartHead;
  processHeaders(lines: unknown[]): Map<string, unknown>;
  detectMimeType(filename: string): string | false;
  decodeCharset(buf: Buffer, charset: string): string;
  normalizeCharset(charset: string): string;
  base64(str: string): Buffer;
  qp(buf: Buffer): Buffer;
}

let tools: Tools | undefined;

/** mailparser's own pieces, loaded on first use (from mailparser's own dependencies, so the same versions). */
function load(): Tools {
  if (tools) return tools;
  const { MailParser } = loadLater('mailparser') as typeof import('mailparser');
  const fromMailparser = createRequire(loadLater.resolve('mailparser'));
  const MimeNode = fromMailparser('@zone-eu/mailsplit/lib/mime-node') as Tools['MimeNode'];
  const libmime = fromMailparser('libmime') as { detectMimeType(f: string): string | false; normalizeCharset(c: string): string };
  const iconv = fromMailparser('iconv-lite') as { decode(b: Buffer, c: string): string };
  const libbase64 = fromMailparser('libbase64') as { decode(s: string): Buffer };
  const libqp = fromMailparser('libqp') as { decode(b: Buffer): Buffer };
  // One parser instance lends its header processing (addresses, encoded words, dates, message ids); it keeps no state between calls.
  const lender = new MailParser() as unknown as { processHeaders(lines: unknown[]): Map<string, unknown> };
  tools = {
    MimeNode,
    processHeaders: (lines) => lender.processHeaders(lines),
    detectMimeType: (f) => libmime.detectMimeType(f),
    decodeCharset: (b, c) => iconv.decode(b, c),
    normalizeCharset: (c) => libmime.normalizeCharset(c),
    base64: (s) => libbase64.decode(s),
    qp: (b) => libqp.decode(b),
  };
  return tools;
}

const TEXT_TYPES = ['text/plain', 'text/html'];

interface Part {
  head: PartHead;
  body: Buffer;
  root: boolean;
  children: Part[];
}

class Unsupported extends Error {}

/**
 * The top-level headers a logged message is made of (message.ts, `parsed`). mailparser processes
 * each header line on its own (addresses, encoded words, parameters), so leaving out the rest —
 * Received, DKIM and ARC signatures, the dozens of X-MS-Exchange lines a mail server adds to Sent
 * items — changes none of these and saves their processing.
 */
const READ_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'date', 'message-id', 'in-reply-to', 'references', 'x-mailbeacon-id']);

/** The message parsed, or undefined when mailparser must read it. */
export function parseInMemory(source: Buffer): MimeResult | undefined {
  const t = load();
  try {
    const root = readPart(t, source, true, 0);
    const lines = root.head.headers.getList() as Array<{ key: string }>;
    const headers = t.processHeaders(lines.filter((line) => READ_HEADERS.has(line.key)));
    return { headers, ...collect(t, root) };
  } catch {
    // Unsupported, or anything mailsplit's or libmime's pieces throw on a malformed message: mailparser
    // reads it as before (and a message it cannot read either is skipped by the caller).
    return undefined;
  }
}

/** Where the header block ends: after the line before the first empty line (mailsplit's rule). */
function headerEnd(buf: Buffer): { head: number; body: number } {
  let lineStart = 0;
  while (lineStart < buf.length) {
    const lf = buf.indexOf(0x0a, lineStart);
    const end = lf < 0 ? buf.length : lf + 1;
    const empty = end - lineStart === 1 || (end - lineStart === 2 && buf[lineStart] === 0x0d);
    if (empty) return { head: lineStart, body: end };
    if (lf < 0) break;
    lineStart = end;
  }
  return { head: buf.length, body: buf.length };
}

function readPart(t: Tools, buf: Buffer, root: boolean, depth: number): Part {
  if (depth > 20) throw new Unsupported();
  const { head: headLength, body: bodyStart } = headerEnd(buf);
  const head = new t.MimeNode(false);
  if (headLength) head.addHeaderChunk(buf.subarray(0, headLength));
  head.parseHeaders();
  const body = buf.subarray(bodyStart);
  const part: Part = { head, body, root, children: [] };
  if (head.contentType === 'message/rfc822' || head.contentType === 'message/delivery-status' || head.flowed) throw new Unsupported();
  if (head.multipart) {
    if (!head._boundary || !head._boundary.length) throw new Unsupported();
    part.children = splitMultipart(body, head._boundary).map((b) => readPart(t, b, false, depth + 1));
  } else if (!root && onlyLineBreaks(body)) {
    // mailsplit's reading of an empty part, or one of blank lines, depends on the parts after it.
    throw new Unsupported();
  }
  return part;
}

function onlyLineBreaks(buf: Buffer): boolean {
  for (const c of buf) if (c !== 0x0d && c !== 0x0a) return false;
  return true;
}

/**
 * The parts between a multipart's delimiter lines (RFC 2046 §5.1.1): the line break before a
 * delimiter belongs to it; the preamble and epilogue are dropped. A delimiter line is exactly
 * `--boundary` or `--boundary--` and its line ending, as mailsplit matches it. No closing delimiter
 * is left to mailparser. Delimiters are found by searching for `--boundary` (memchr-fast indexOf)
 * and keeping the matches at a line start, rather than reading the body line by line: a 16 KB
 * base64 attachment is some 220 lines, and only two of them matter.
 */
function splitMultipart(body: Buffer, boundary: Buffer): Buffer[] {
  const dashes = Buffer.concat([DASHES, boundary]);
  const parts: Buffer[] = [];
  let partStart = -1;
  let from = 0;
  for (let pos = body.indexOf(dashes, from); pos >= 0; pos = body.indexOf(dashes, from)) {
    const lf = body.indexOf(0x0a, pos);
    const end = lf < 0 ? body.length : lf + 1;
    from = end;
    const kind = pos === 0 || body[pos - 1] === 0x0a ? delimiter(body, pos, end, boundary) : undefined;
    if (!kind) continue;
    if (partStart >= 0) {
      let stop = pos;
      if (stop > partStart && body[stop - 1] === 0x0a) stop--;
      if (stop > partStart && body[stop - 1] === 0x0d) stop--;
      parts.push(body.subarray(partStart, stop));
    }
    if (kind === 'close') return parts;
    partStart = end;
  }
  throw new Unsupported();
}

const DASHES = Buffer.from('--');

function delimiter(buf: Buffer, start: number, end: number, boundary: Buffer): 'next' | 'close' | undefined {
  let stop = end;
  if (stop > start && buf[stop - 1] === 0x0a) stop--;
  if (stop > start && buf[stop - 1] === 0x0d) stop--;
  const length = stop - start;
  if (length !== boundary.length + 2 && length !== boundary.length + 4) return undefined;
  if (buf[start] !== 0x2d || buf[start + 1] !== 0x2d) return undefined;
  if (buf.compare(boundary, 0, boundary.length, start + 2, start + 2 + boundary.length) !== 0) return undefined;
  if (length === boundary.length + 2) return end > stop ? 'next' : undefined; // mailsplit needs the line ending after `--boundary`
  return buf[stop - 2] === 0x2d && buf[stop - 1] === 0x2d ? 'close' : undefined;
}

function decodeBody(t: Tools, head: PartHead, body: Buffer): Buffer {
  if (head.encoding === 'base64') {
    const str = body.toString('latin1');
    if (plainBase64(body)) return Buffer.from(str, 'base64');
    return t.base64(str.replace(/[^a-zA-Z0-9+/=]/g, ''));
  }
  if (head.encoding === 'quoted-printable') return t.qp(body);
  return body;
}

/**
 * Whether Node's base64 decoder reads `body` as mailparser does (libbase64 after dropping every
 * character outside the alphabet). Node skips those characters too, but takes `-` and `_` as the
 * URL-safe alphabet, and reads padding inside the data differently: a body with either goes to
 * libbase64. Checked with memchr-fast indexOf rather than a regular expression over the whole
 * body (a third of the decode's time for a 16 KB attachment).
 */
function plainBase64(body: Buffer): boolean {
  if (body.indexOf(0x2d) >= 0 || body.indexOf(0x5f) >= 0) return false; // - _
  const pad = body.indexOf(0x3d); // =
  if (pad < 0) return true;
  for (let i = pad; i < body.length; i++) if (body[i] !== 0x3d && body[i] !== 0x0d && body[i] !== 0x0a) return false;
  return true;
}

/** Text, HTML and attachments by mailparser's rules (getTextContent, createNode). */
function collect(t: Tools, root: Part): { text?: string; html?: string; attachments: MimeAttachment[] } {
  const attachments: MimeAttachment[] = [];
  const texts: Array<{ type: string; content: string; alternative: boolean; root: boolean }> = [];
  let hasText = false;
  let hasHtml = false;
  const walk = (part: Part, alternative: boolean) => {
    const { head } = part;
    if (!head.multipart) {
      const contentType = head.contentType || (part.root ? 'text/plain' : '');
      let disposition = head.disposition;
      if (disposition && disposition !== 'attachment' && disposition !== 'inline') disposition = 'attachment';
      const finalDisposition = !disposition && !TEXT_TYPES.includes(contentType) ? 'attachment' : disposition || 'inline';
      const isAttachment = !TEXT_TYPES.includes(contentType) || finalDisposition !== 'inline';
      const content = decodeBody(t, head, part.body);
      if (isAttachment) {
        const detected = contentType === 'application/octet-stream' && head.filename ? t.detectMimeType(head.filename) || contentType : contentType;
        attachments.push({ content, contentType: detected, ...(head.filename ? { filename: head.filename } : {}) });
      } else {
        if (contentType === 'text/plain') hasText = true;
        else hasHtml = true;
        texts.push({ type: contentType, content: textOf(t, head, content), alternative, root: part.root });
      }
    }
    const inner = alternative || head.contentType === 'multipart/alternative';
    for (const child of part.children) walk(child, inner);
  };
  walk(root, false);
  const text: string[] = [];
  const html: string[] = [];
  for (const part of texts) {
    if (!part.content) continue;
    if (part.type === 'text/plain') {
      // mailparser would add this text to the HTML as HTML (linkified): not reproduced here.
      if (!part.alternative && hasHtml) throw new Unsupported();
      text.push(part.content);
    } else {
      // mailparser would render this HTML as the plain text: not reproduced here.
      if ((!part.alternative && hasText) || (part.root && !hasText)) throw new Unsupported();
      html.push(part.content);
    }
  }
  return { attachments, ...(text.length ? { text: text.join('\n') } : {}), ...(html.length ? { html: html.join('<br/>\n') } : {}) };
}

function textOf(t: Tools, head: PartHead, content: Buffer): string {
  const charset = head.charset || 'utf-8';
  let decoded: string;
  if (['ascii', 'usascii', 'utf8'].includes(charset.toLowerCase().replace(/[^a-z0-9]+/g, ''))) decoded = content.toString();
  else {
    // As mailparser: the charset's canonical name; Japanese JIS has its own decoder there; a charset
    // iconv-lite does not know leaves the bytes read as UTF-8.
    const name = t.normalizeCharset(charset);
    if (/^jis|^iso-?2022-?jp/i.test(name)) throw new Unsupported();
    try {
      decoded = t.decodeCharset(content, name);
    } catch {
      decoded = content.toString();
    }
  }
  // mailparser's /\r?\n/g → '\n', without a regular expression (a no-op for a text without CR).
  return decoded.includes('\r') ? decoded.replaceAll('\r\n', '\n') : decoded;
}
