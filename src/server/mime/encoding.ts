// Content-Transfer-Encoding: decoding a part's body to bytes and encoding edited bytes back the
// same way (RFC 2045 §6). Line endings are the part's own (CRLF on the wire, bare LF in files
// some clients hand over), so an edited part does not end up with mixed line endings.

export type TransferEncoding = '7bit' | '8bit' | 'binary' | 'quoted-printable' | 'base64';

export type Eol = '\r\n' | '\n';

/** The part's transfer encoding (absent = 7bit), or null for one we do not know (x-uuencode…). */
export function transferEncodingOf(header: string | undefined): TransferEncoding | null {
  const v = (header ?? '7bit').trim().toLowerCase();
  return v === '7bit' || v === '8bit' || v === 'binary' || v === 'quoted-printable' || v === 'base64' ? v : null;
}

export function decodeBody(body: Buffer, cte: TransferEncoding): Buffer {
  if (cte === 'quoted-printable') return decodeQP(body);
  if (cte === 'base64') return Buffer.from(body.toString('latin1'), 'base64'); // skips line breaks and junk
  return body;
}

/**
 * Encodes `data` for a body that used `cte`. `original` is the body it replaces: base64 keeps its
 * trailing line breaks, which sit between the data and the next boundary.
 */
export function encodeBody(data: Buffer, cte: TransferEncoding, eol: Eol, original: Buffer): Buffer {
  if (cte === 'quoted-printable') return encodeQP(data, eol);
  if (cte === 'base64') return Buffer.concat([encodeBase64(data, eol), trailingBreaks(original)]);
  return data;
}

/** True when bytes may be sent as they are under `cte` (RFC 5322 line limit, 8-bit only if allowed). */
export function fitsIdentity(data: Buffer, cte: '7bit' | '8bit' | 'binary'): boolean {
  if (cte === 'binary') return true;
  let lineStart = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x0a) {
      if (i - lineStart > 999) return false; // 998 octets + CR
      lineStart = i + 1;
    } else if (c === 0 || (c >= 0x80 && cte === '7bit')) return false;
  }
  return data.length - lineStart <= 998;
}

function trailingBreaks(b: Buffer): Buffer {
  let i = b.length;
  while (i > 0 && (b[i - 1] === 0x0a || b[i - 1] === 0x0d || b[i - 1] === 0x20 || b[i - 1] === 0x09)) i--;
  return b.subarray(i);
}

const hexVal = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);
const isBlank = (c: number | undefined) => c === 0x20 || c === 0x09;

/**
 * Quoted-printable decoding, lenient as receivers are: a malformed `=` stays literal, soft breaks
 * may end in CRLF or LF, and whitespace a transport appended to a line is dropped.
 */
export function decodeQP(src: Buffer): Buffer {
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  let blankFrom = -1; // where trailing literal whitespace of the current line begins in `out`
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x3d /* = */) {
      const h = hexVal(src[i + 1] ?? -1);
      const l = hexVal(src[i + 2] ?? -1);
      if (h >= 0 && l >= 0) {
        out[o++] = h * 16 + l;
        i += 2;
        blankFrom = -1;
        continue;
      }
      let j = i + 1;
      while (isBlank(src[j])) j++;
      if (j >= src.length || src[j] === 0x0a || (src[j] === 0x0d && src[j + 1] === 0x0a)) {
        i = j >= src.length ? j : src[j] === 0x0d ? j + 1 : j; // soft line break
        blankFrom = -1;
        continue;
      }
    }
    if (c === 0x0a || (c === 0x0d && src[i + 1] === 0x0a)) {
      if (blankFrom >= 0) o = blankFrom;
      blankFrom = -1;
    } else if (isBlank(c)) {
      if (blankFrom < 0) blankFrom = o;
    } else blankFrom = -1;
    out[o++] = c;
  }
  if (blankFrom >= 0) o = blankFrom;
  return out.subarray(0, o);
}

const HEX = '0123456789ABCDEF';

/**
 * Quoted-printable encoding: CRLF or LF in the data are hard line breaks written as `eol`; lines
 * are soft-broken so that none is longer than `lineLength` (76) characters, `=` included, and an
 * `=XX` escape is never split.
 */
export function encodeQP(data: Buffer, eol: Eol, lineLength = 76): Buffer {
  let out = '';
  let line = '';
  const push = (token: string) => {
    if (line.length + token.length > lineLength - 1) {
      out += line + '=' + eol;
      line = '';
    }
    // A line starting with "-" could read as a MIME boundary once written (a decoded `=2D-b1` line
    // would become the delimiter `--b1` and split the part): that dash is always escaped.
    line += line === '' && token === '-' ? '=2D' : token;
  };
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x0a || (c === 0x0d && data[i + 1] === 0x0a)) {
      if (c === 0x0d) i++;
      out += line + eol;
      line = '';
      continue;
    }
    const next = data[i + 1];
    const atLineEnd = next === undefined || next === 0x0a || (next === 0x0d && data[i + 2] === 0x0a);
    const literal = (c >= 33 && c <= 126 && c !== 0x3d) || (isBlank(c) && !atLineEnd);
    push(literal ? String.fromCharCode(c) : '=' + HEX[c >> 4] + HEX[c & 15]);
  }
  return Buffer.from(out + line, 'latin1');
}

/** Base64 in lines of 76 characters separated by `eol` (no break after the last line). */
export function encodeBase64(data: Buffer, eol: Eol, lineLength = 76): Buffer {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += lineLength) lines.push(b64.slice(i, i + lineLength));
  return Buffer.from(lines.join(eol), 'latin1');
}
