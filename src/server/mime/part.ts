// The MIME tree of a message as offsets into the original bytes (RFC 2045/2046). A part that is not
// edited is written back as the very bytes it was read from; an edited part re-uses the bytes
// around its edited pieces (preamble, delimiter lines, epilogue, sibling parts).
import { Headers } from './headers.js';
import type { Eol } from './encoding.js';
import { parseStructured, type StructuredValue } from './structured.js';

/** Deeper nesting than this is left as opaque bytes (no sender needs it; it only costs stack). */
const MAX_DEPTH = 40;

export class MimePart {
  readonly headers: Headers;
  /** Sub-parts of a multipart that could be split at its boundary; empty otherwise. */
  readonly children: MimePart[] = [];
  /**
   * True when a blank line ends the header block. Without one the body is never edited: there is
   * no safe place to put new body bytes (they would read as header lines).
   */
  readonly headerEnded: boolean;
  private newBody: Buffer | null = null;

  /**
   * @param src the whole message
   * @param start..end this part's bytes; headerEnd..bodyStart is the blank line (empty if missing)
   */
  constructor(
    private readonly src: Buffer,
    readonly start: number,
    private readonly headerEnd: number,
    private readonly bodyStart: number,
    readonly end: number,
    readonly eol: Eol,
    private readonly parentType: string,
  ) {
    this.headers = Headers.parse(src.subarray(start, headerEnd), eol);
    this.headerEnded = bodyStart > headerEnd;
  }

  /** Content-Type with its defaults (text/plain; message/rfc822 inside multipart/digest). */
  get contentType(): StructuredValue {
    const raw = this.headers.get('content-type');
    const ct = parseStructured(raw);
    if (raw === undefined || !/^[^\s/]+\/[^\s/]+$/.test(ct.value)) {
      return { value: this.parentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain', params: raw === undefined ? {} : ct.params };
    }
    return ct;
  }

  get isAttachment(): boolean {
    return parseStructured(this.headers.get('content-disposition')).value === 'attachment';
  }

  /** The body as it is now (transfer-encoded), edited or original. */
  get body(): Buffer {
    return this.newBody ?? this.src.subarray(this.bodyStart, this.end);
  }

  /** Replaces the (transfer-encoded) body of a leaf part. */
  setBody(body: Buffer): void {
    this.newBody = body;
  }

  get changed(): boolean {
    return this.newBody !== null || this.headers.changed || this.children.some((c) => c.changed);
  }

  toBuffers(out: Buffer[]): void {
    if (!this.changed) {
      out.push(this.src.subarray(this.start, this.end));
      return;
    }
    out.push(this.headers.toBuffer(), this.src.subarray(this.headerEnd, this.bodyStart));
    if (this.newBody !== null || this.children.length === 0) {
      out.push(this.body);
      return;
    }
    let pos = this.bodyStart;
    for (const child of this.children) {
      out.push(this.src.subarray(pos, child.start));
      child.toBuffers(out);
      pos = child.end;
    }
    out.push(this.src.subarray(pos, this.end));
  }
}

/** Parses the part in src[start, end) and, for a multipart, its sub-parts. Never throws. */
export function parsePart(src: Buffer, start: number, end: number, parentType = '', depth = 0): MimePart {
  const { headerEnd, bodyStart } = splitHeader(src, start, end);
  const part = new MimePart(src, start, headerEnd, bodyStart, end, eolOf(src, start, end), parentType);
  const ct = part.contentType;
  const boundary = ct.params.boundary;
  if (ct.value.startsWith('multipart/') && boundary && part.headerEnded && depth < MAX_DEPTH) {
    for (const [a, b] of splitMultipart(src, bodyStart, end, boundary)) part.children.push(parsePart(src, a, b, ct.value, depth + 1));
  }
  return part;
}

/**
 * Finds the blank line ending the header block. Without one, the headers end at the first line
 * that is neither a field nor a continuation (the body starts there, with no blank line), or at
 * the end of the part.
 */
function splitHeader(src: Buffer, start: number, end: number): { headerEnd: number; bodyStart: number } {
  let i = start;
  while (i < end) {
    const nl = src.indexOf(0x0a, i);
    const lineEnd = nl === -1 || nl >= end ? end : nl + 1;
    const first = src[i];
    if (first === 0x0a || (first === 0x0d && src[i + 1] === 0x0a && lineEnd === i + 2)) return { headerEnd: i, bodyStart: lineEnd };
    const continuation = (first === 0x20 || first === 0x09) && i > start;
    if (!continuation && !looksLikeField(src, i, lineEnd)) return { headerEnd: i, bodyStart: i };
    i = lineEnd;
  }
  return { headerEnd: end, bodyStart: end };
}

function looksLikeField(src: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = src[i]!;
    if (c === 0x3a) return i > from;
    if (c <= 0x20 || c > 0x7e) return c === 0x20 || c === 0x09 ? onlyBlanksToColon(src, i, to) && i > from : false;
  }
  return false;
}

/** `Subject :` (blanks before the colon) is obsolete syntax but still a field. */
function onlyBlanksToColon(src: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (src[i] === 0x3a) return true;
    if (src[i] !== 0x20 && src[i] !== 0x09) return false;
  }
  return false;
}

/** CRLF when the part's first line break is one, LF otherwise. */
function eolOf(src: Buffer, start: number, end: number): Eol {
  const nl = src.indexOf(0x0a, start);
  return nl > start && nl < end && src[nl - 1] === 0x0d ? '\r\n' : nl === -1 || nl >= end ? '\r\n' : '\n';
}

/**
 * The [start, end) ranges of a multipart body's parts. A delimiter is `--boundary` at the start
 * of a line with only blanks after it (`--` more for the last); the line break before it belongs
 * to the delimiter (RFC 2046 §5.1.1). A missing closing delimiter ends the last part at `end`.
 */
function splitMultipart(src: Buffer, from: number, end: number, boundary: string): Array<[number, number]> {
  const delim = Buffer.from('--' + boundary, 'latin1');
  const ranges: Array<[number, number]> = [];
  let partStart = -1;
  let k = from;
  while ((k = src.indexOf(delim, k)) !== -1 && k + delim.length <= end) {
    const line = delimiterLine(src, k, from, end, delim.length);
    if (!line) {
      k++;
      continue;
    }
    if (partStart >= 0) ranges.push([partStart, Math.max(partStart, lineBreakBefore(src, k, partStart))]);
    if (line.close) return ranges;
    partStart = line.next;
    k = line.next;
  }
  if (partStart >= 0) ranges.push([partStart, end]);
  return ranges;
}

function delimiterLine(src: Buffer, k: number, from: number, end: number, len: number): { close: boolean; next: number } | null {
  if (k !== from && src[k - 1] !== 0x0a) return null;
  let p = k + len;
  const close = p + 1 < end && src[p] === 0x2d && src[p + 1] === 0x2d;
  if (close) p += 2;
  while (p < end && (src[p] === 0x20 || src[p] === 0x09)) p++;
  if (p >= end) return { close, next: end };
  if (src[p] === 0x0a) return { close, next: p + 1 };
  if (src[p] === 0x0d && src[p + 1] === 0x0a && p + 1 < end) return { close, next: p + 2 };
  return null;
}

/** Offset of the line break that ends the line before offset k (k itself at a line start). */
function lineBreakBefore(src: Buffer, k: number, floor: number): number {
  if (k - 1 < floor || src[k - 1] !== 0x0a) return k;
  return k - 2 >= floor && src[k - 2] === 0x0d ? k - 2 : k - 1;
}
