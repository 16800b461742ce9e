// Transfer encodings and charsets: what is decoded and encoded back is byte-exact, and the text in
// between has the right characters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecFor } from '../../src/server/mime/charset.js';
import { decodeBody, decodeQP, encodeBase64, encodeBody, encodeQP, fitsIdentity, transferEncodingOf } from '../../src/server/mime/encoding.js';

const lines = (b: Buffer, eol: string) => b.toString('latin1').split(eol);

describe('quoted-printable', () => {
  it('decodes escapes, soft breaks (CRLF, LF, trailing blanks) and keeps malformed = literally', () => {
    const qp = Buffer.from('a=3Db=C3=A9 =\r\nc=\nd=  \r\ne=ZZ=4\r\nline with padding   \r\nend=', 'latin1');
    expect(decodeQP(qp).toString('utf8')).toBe('a=bé cde=ZZ=4\r\nline with padding\r\nend');
  });

  it('keeps raw 8-bit bytes (a sender that did not escape them) as they are', () => {
    expect(decodeQP(Buffer.from([0x61, 0xe9, 0x3d, 0x34, 0x31]))).toEqual(Buffer.from([0x61, 0xe9, 0x41]));
  });

  it('encodes with lines of at most 76 characters, never splitting an escape, in the given line ending', () => {
    const data = Buffer.from(`${'é'.repeat(60)}\n${'x'.repeat(200)}=\r\ntrailing space \nlone\rcr\t`, 'utf8');
    for (const eol of ['\r\n', '\n'] as const) {
      const out = encodeQP(data, eol);
      const ls = lines(out, eol);
      expect(Math.max(...ls.map((l) => l.length))).toBeLessThanOrEqual(76);
      expect(ls.every((l) => !/=[0-9A-F]?$/.test(l.replace(/=$/, '')) || l.endsWith('='))).toBe(true);
      expect(out.toString('latin1')).toContain('trailing space=20' + eol);
      expect(out.toString('latin1')).toContain('lone=0Dcr=09');
      if (eol === '\n') expect(out.includes('\r')).toBe(false);
      // Hard breaks come back as the part's line ending.
      expect(decodeQP(out).toString('utf8')).toBe(data.toString('utf8').replace(/\r?\n/g, eol));
    }
  });

  it('round-trips any bytes (line breaks normalised to the part’s)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (arr) => {
        const data = Buffer.from(arr);
        const out = encodeQP(data, '\r\n');
        expect(lines(out, '\r\n').every((l) => l.length <= 76)).toBe(true);
        expect(out.every((b) => b === 0x0d || b === 0x0a || b === 0x09 || (b >= 0x20 && b < 0x7f))).toBe(true);
        expect(decodeQP(out).toString('latin1')).toBe(data.toString('latin1').replace(/\r?\n/g, '\r\n'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('base64', () => {
  it('writes 76-character lines in the part’s line ending and keeps the original trailing break', () => {
    const data = Buffer.alloc(200, 0xab);
    expect(lines(encodeBase64(data, '\n'), '\n').map((l) => l.length)).toEqual([76, 76, 76, 40]); // 268 characters
    const body = encodeBody(data, 'base64', '\r\n', Buffer.from('old\r\n\r\n'));
    expect(body.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
    expect(decodeBody(body, 'base64')).toEqual(data);
  });
});

describe('transfer encoding names and limits', () => {
  it('knows the five encodings, defaults to 7bit, refuses others', () => {
    expect(transferEncodingOf(undefined)).toBe('7bit');
    expect(transferEncodingOf(' Quoted-Printable ')).toBe('quoted-printable');
    expect(transferEncodingOf('BASE64')).toBe('base64');
    expect(transferEncodingOf('x-uuencode')).toBeNull();
  });

  it('fitsIdentity checks the 998-octet line limit and 8-bit bytes', () => {
    expect(fitsIdentity(Buffer.from('a'.repeat(998) + '\r\nb'), '7bit')).toBe(true);
    expect(fitsIdentity(Buffer.from('a'.repeat(999)), '8bit')).toBe(false);
    expect(fitsIdentity(Buffer.from('é'), '7bit')).toBe(false);
    expect(fitsIdentity(Buffer.from('é'), '8bit')).toBe(true);
    expect(fitsIdentity(Buffer.from('a'.repeat(5000)), 'binary')).toBe(true);
  });
});

describe('charsets', () => {
  it('UTF-8 (and no charset) decode to the right characters and encode back to the same bytes', () => {
    const bytes = Buffer.from('<a href="https://bücher.test/straße">€ 😀</a>', 'utf8');
    for (const cs of ['utf-8', 'UTF8', undefined]) {
      const c = codecFor(cs)!;
      expect(c.decode(bytes)).toBe('<a href="https://bücher.test/straße">€ 😀</a>');
      expect(c.encode(c.decode(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('UTF-8 with invalid sequences round-trips byte for byte', () => {
    const c = codecFor('utf-8')!;
    const bytes = Buffer.from([0x3c, 0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xc0, 0xaf, 0x80, 0x3e]);
    const text = c.decode(bytes);
    expect(text.startsWith('<a\udcff\udcc3(')).toBe(true);
    expect(text).toContain('😀');
    expect(c.encode(text).equals(bytes)).toBe(true);
    // Edited text keeps the undecodable bytes around the edit.
    expect(c.encode(text.replace('<a', '<b')).equals(Buffer.from([0x3c, 0x62, ...bytes.subarray(2)]))).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (arr) => {
        const b = Buffer.from(arr);
        expect(c.encode(c.decode(b)).equals(b)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('8-bit charsets round-trip all 256 bytes and decode to the right characters', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const cs of ['iso-8859-1', 'ISO-8859-2', 'iso-8859-15', 'windows-1252', 'cp1251', 'windows-1257', 'koi8-r', 'latin1', 'us-ascii']) {
      const c = codecFor(cs);
      expect(c, cs).not.toBeNull();
      expect(c!.encode(c!.decode(all)).equals(all), cs).toBe(true);
    }
    expect(codecFor('windows-1252')!.decode(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x80, 0x93, 0x94]))).toBe('café€“”');
    expect(codecFor('iso-8859-1')!.decode(Buffer.from([0x80]))).toBe('€'); // labels are read as browsers and mail clients do
    expect(codecFor('windows-1251')!.decode(Buffer.from([0xef, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]))).toBe('привет');
    expect(codecFor('iso-8859-2')!.decode(Buffer.from([0xb9]))).toBe('š');
  });

  it('a character the 8-bit charset lacks is written as an HTML character reference', () => {
    expect(codecFor('iso-8859-2')!.encode('a€😀b').toString('latin1')).toBe('a&#8364;&#128512;b');
  });

  it('charsets that are not ASCII-compatible or not known are refused (the part is left alone)', () => {
    for (const cs of ['utf-16', 'UTF-16LE', 'utf-32', 'iso-2022-jp', 'ISO-2022-KR', 'shift_jis', 'gb2312', 'x-unknown', 'utf-7']) {
      expect(codecFor(cs), cs).toBeNull();
    }
  });
});
