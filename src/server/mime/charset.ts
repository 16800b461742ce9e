// Text codecs that give back the exact bytes they were given. A byte that is not valid in the
// charset (invalid UTF-8, an unassigned windows-1252 code) becomes the lone surrogate U+DC80+byte
// on decoding ("surrogateescape") and that byte again on encoding, so an HTML part survives
// decode → edit → encode byte for byte outside the edits, whatever the sender's encoder did.
import { isUtf8 } from 'node:buffer';

export interface TextCodec {
  /** Canonical (WHATWG) name, e.g. `utf-8`, `windows-1252`. */
  readonly name: string;
  decode(bytes: Buffer): string;
  encode(text: string): Buffer;
}

/** Single-byte, ASCII-compatible encodings (WHATWG names): one byte is one character. */
const SINGLE_BYTE = new Set([
  'ibm866', 'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7', 'iso-8859-8',
  'iso-8859-8-i', 'iso-8859-10', 'iso-8859-13', 'iso-8859-14', 'iso-8859-15', 'iso-8859-16', 'koi8-r', 'koi8-u',
  'macintosh', 'windows-874', 'windows-1250', 'windows-1251', 'windows-1252', 'windows-1253', 'windows-1254',
  'windows-1255', 'windows-1256', 'windows-1257', 'windows-1258', 'x-mac-cyrillic',
]);

const ESCAPE = 0xdc00;
const isEscape = (c: number) => c >= 0xdc80 && c <= 0xdcff;
const HAS_SURROGATE = /[\ud800-\udfff]/;

/**
 * The codec for a MIME charset parameter, or null when the part should be left alone (UTF-16/32,
 * ISO-2022-*, multi-byte Asian charsets, unknown names). No charset means UTF-8 in practice: raw
 * 8-bit HTML without a label is UTF-8 far more often than anything else, and nothing is lost either way.
 */
export function codecFor(charset: string | undefined): TextCodec | null {
  const label = (charset ?? '').trim();
  if (label === '') return UTF8;
  let name: string;
  try {
    name = new TextDecoder(label).encoding;
  } catch {
    return null;
  }
  if (name === 'utf-8') return UTF8;
  if (!SINGLE_BYTE.has(name)) return null;
  let codec = singleByte.get(name);
  if (!codec) singleByte.set(name, (codec = makeSingleByte(name)));
  return codec;
}

// ---- UTF-8 ------------------------------------------------------------------------------------

const UTF8: TextCodec = {
  name: 'utf-8',
  decode: (bytes) => (isUtf8(bytes) ? bytes.toString('utf8') : decodeUtf8Escaped(bytes)),
  encode: (text) => (HAS_SURROGATE.test(text) ? encodeUtf8Escaped(text) : Buffer.from(text, 'utf8')),
};

/** Length of the valid UTF-8 sequence at i (1–4), or 0 when the byte there starts no valid one. */
function seqLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return 0; // overlong, surrogate
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return 0; // overlong, > U+10FFFF
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function decodeUtf8Escaped(b: Buffer): string {
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < b.length) {
    const n = seqLength(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString('utf8', runStart, i) + String.fromCharCode(ESCAPE + b[i]!);
    i++;
    runStart = i;
  }
  return out + b.toString('utf8', runStart);
}

function encodeUtf8Escaped(text: string): Buffer {
  const parts: Buffer[] = [];
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++; // a real pair: Buffer.from encodes it
      continue;
    }
    if (c < 0xd800 || c > 0xdfff) continue;
    parts.push(Buffer.from(text.slice(runStart, i), 'utf8'));
    // An escape gives back its byte; any other lone surrogate has no bytes and becomes U+FFFD.
    parts.push(isEscape(c) ? Buffer.of(c - ESCAPE) : Buffer.from('\ufffd', 'utf8'));
    runStart = i + 1;
  }
  parts.push(Buffer.from(text.slice(runStart), 'utf8'));
  return Buffer.concat(parts);
}

// ---- single-byte charsets ---------------------------------------------------------------------

const singleByte = new Map<string, TextCodec>();

/**
 * windows-1252 at 0x80–0x9F (U+FFFD = unassigned). Node 20's TextDecoder decodes these bytes as
 * ISO-8859-1 controls, so the table is spelled out: `€` and curly quotes in a URL must be right.
 */
const CP1252_HIGH = '€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ';

function makeSingleByte(name: string): TextCodec {
  const decoder = new TextDecoder(name);
  const table = new Uint16Array(256);
  const reverse = new Map<number, number>();
  for (let b = 0; b < 256; b++) {
    const s = name === 'windows-1252' && b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : decoder.decode(Uint8Array.of(b));
    const c = s.length === 1 ? s.charCodeAt(0) : 0xfffd;
    // Unassigned bytes, and a second byte for an already-mapped character, decode to escapes so
    // that encoding can never pick the wrong one of two.
    const mapped = c !== 0xfffd && !reverse.has(c);
    table[b] = mapped ? c : ESCAPE + b;
    if (mapped) reverse.set(c, b);
  }
  return {
    name,
    decode: (bytes) => decodeTable(bytes, table),
    encode: (text) => encodeTable(text, reverse),
  };
}

function decodeTable(bytes: Buffer, table: Uint16Array): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  const chunk = 8192;
  let out = '';
  for (let i = 0; i < bytes.length; i += chunk) {
    const end = Math.min(bytes.length, i + chunk);
    const codes = new Uint16Array(end - i);
    for (let k = i; k < end; k++) codes[k - i] = table[bytes[k]!]!;
    out += String.fromCharCode(...codes);
  }
  return out;
}

function isAscii(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Encodes; a character the charset lacks becomes an HTML character reference (`&#8364;`). */
function encodeTable(text: string, reverse: Map<number, number>): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out.push(c);
    else if (isEscape(c)) out.push(c - ESCAPE);
    else if (reverse.has(c)) out.push(reverse.get(c)!);
    else {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const ch of `&#${cp};`) out.push(ch.charCodeAt(0));
    }
  }
  return Buffer.from(out);
}
