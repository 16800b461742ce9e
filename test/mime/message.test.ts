// The MIME editor on hand-built messages: which parts transformHtml touches, how edited parts are
// re-encoded, that every other byte survives, and that broken messages never make it throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecFor } from '../../src/server/mime/charset.js';
import { decodeBody, transferEncodingOf } from '../../src/server/mime/encoding.js';
import { MimeMessage } from '../../src/server/mime/message.js';
import type { MimePart } from '../../src/server/mime/part.js';
import { rewriteHtml } from '../../src/shared/tracking/rewrite.js';

const join = (eol: string, ...lines: Array<string | Buffer>) => Buffer.concat(lines.flatMap((l, i) => [i ? Buffer.from(eol) : Buffer.alloc(0), Buffer.isBuffer(l) ? l : Buffer.from(l, 'utf8')]));
const b64lines = (b: Buffer) => b.toString('base64').match(/.{1,76}/g)!;

/** windows-1252 bytes of `<p>Café <a href="https://acme.test/café?x=1&amp;y=2">€ price</a></p>`. */
const CP1252_HTML = Buffer.concat([Buffer.from('<p>Caf'), Buffer.of(0xe9), Buffer.from(' <a href="https://acme.test/caf'), Buffer.of(0xe9), Buffer.from('?x=1&amp;y=2">'), Buffer.of(0x80), Buffer.from(' price</a></p>')]);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/** mixed( alternative( text QP, related( html QP, png base64 ) ), html attachment, message/rfc822, html windows-1252 base64 ) */
function nested(eol: string): Buffer {
  return join(
    eol,
    'From: ann@acme.test',
    'To: bob@example.test',
    'Bcc: hidden@example.test',
    'Subject: Nested',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mixed"',
    '',
    'This is the preamble.',
    '--mixed',
    'Content-Type: multipart/alternative;',
    '  boundary=alt',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Plain https://acme.test/plain =E2=80=94 untouched',
    '--alt',
    'Content-Type: multipart/related; boundary="rel"; type="text/html"',
    '',
    '--rel',
    'Content-Type: text/html; charset="utf-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<html><body><p>Caf=C3=A9 <a href=3D"https://acme.test/menu?a=3D1&amp;b=3D2">menu</a></p>=',
    '<a href=3D"mailto:ann@acme.test">mail</a></body></html>',
    '--rel',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <logo>',
    '',
    PNG.toString('base64'),
    '--rel--',
    '--alt--',
    '--mixed',
    'Content-Type: text/html; charset=utf-8',
    'Content-Disposition: attachment; filename="page.html"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('<a href="https://att.test/">x</a>').toString('base64'),
    '--mixed',
    'Content-Type: message/rfc822',
    '',
    'Subject: forwarded',
    'Content-Type: text/html',
    '',
    '<a href="https://fwd.test/">fwd</a>',
    '--mixed',
    'Content-Type: text/html; charset=windows-1252',
    'Content-Transfer-Encoding: base64',
    '',
    ...b64lines(CP1252_HTML),
    '--mixed--',
    'Epilogue.',
    '',
  );
}

const track = (_u: string, i: number) => `https://t.test/c/${i}`;

/** Raw bytes of each part, by position in the tree. */
const rawParts = (buf: Buffer) => MimeMessage.parse(buf).allParts().map((p) => buf.subarray(p.start, p.end));

function decoded(part: MimePart): string {
  return codecFor(part.contentType.params.charset)!.decode(decodeBody(part.body, transferEncodingOf(part.headers.get('content-transfer-encoding'))!));
}

describe('transformHtml on a nested multipart message', () => {
  for (const eol of ['\r\n', '\n']) {
    const label = eol === '\r\n' ? 'CRLF' : 'bare LF';

    it(`${label}: visits exactly the inline HTML parts, decoded to the right characters`, () => {
      const m = MimeMessage.parse(nested(eol));
      expect(m.allParts().map((p) => p.contentType.value)).toEqual([
        'multipart/mixed', 'multipart/alternative', 'text/plain', 'multipart/related', 'text/html', 'image/png', 'text/html', 'message/rfc822', 'text/html',
      ]);
      const seen: string[] = [];
      const changed = m.transformHtml((html) => {
        seen.push(html);
        return html;
      });
      expect(changed).toBe(0);
      expect(seen).toEqual([
        `<html><body><p>Café <a href="https://acme.test/menu?a=1&amp;b=2">menu</a></p><a href="mailto:ann@acme.test">mail</a></body></html>`,
        '<p>Café <a href="https://acme.test/café?x=1&amp;y=2">€ price</a></p>',
      ]);
      expect(m.toBuffer().equals(nested(eol))).toBe(true);
    });

    it(`${label}: rewrites those parts, keeps every other part and byte, removes Bcc`, () => {
      const input = nested(eol);
      const m = MimeMessage.parse(input);
      const urls: string[] = [];
      m.headers.remove('bcc');
      expect(
        m.transformHtml((html) => {
          const r = rewriteHtml(html, { trackLink: (u, i) => track(u, urls.length + i) });
          urls.push(...r.trackedUrls);
          return r.html;
        }),
      ).toBe(2);
      expect(urls).toEqual(['https://acme.test/menu?a=1&b=2', 'https://acme.test/café?x=1&y=2']);

      const out = m.toBuffer();
      const text = out.toString('latin1');
      expect(text.startsWith(`From: ann@acme.test${eol}To: bob@example.test${eol}Subject: Nested${eol}`)).toBe(true);
      expect(text).toContain(`${eol}This is the preamble.${eol}--mixed${eol}`);
      expect(text.endsWith(`--mixed--${eol}Epilogue.${eol}`)).toBe(true);
      if (eol === '\n') expect(out.includes('\r')).toBe(false);

      // Same tree; every part except the two HTML parts and their ancestors is byte-identical.
      const before = rawParts(input);
      const after = rawParts(out);
      expect(after).toHaveLength(before.length);
      const edited = new Set([0, 1, 3, 4, 8]);
      before.forEach((raw, i) => {
        if (!edited.has(i)) expect(after[i]!.equals(raw), `part ${i}`).toBe(true);
      });

      const parts = MimeMessage.parse(out).allParts();
      // The QP part, re-encoded in QP with the part's line ending and lines of ≤ 76 characters.
      expect(parts[4]!.headers.get('content-transfer-encoding')).toBe('quoted-printable');
      expect(parts[4]!.body.toString('latin1')).toBe(
        `<html><body><p>Caf=C3=A9 <a href=3D"https://t.test/c/0">menu</a></p><a href=${eol}=3D"mailto:ann@acme.test">mail</a></body></html>`,
      );
      expect(decoded(parts[4]!)).toBe(`<html><body><p>Café <a href="https://t.test/c/0">menu</a></p><a href="mailto:ann@acme.test">mail</a></body></html>`);
      // The windows-1252 base64 part: still windows-1252 bytes, 76-character lines.
      const cp = parts[8]!;
      expect(cp.body.toString('latin1').split(eol).every((l) => l.length <= 76)).toBe(true);
      expect(decodeBody(cp.body, 'base64')).toEqual(
        Buffer.concat([Buffer.from('<p>Caf'), Buffer.of(0xe9), Buffer.from(' <a href="https://t.test/c/1">'), Buffer.of(0x80), Buffer.from(' price</a></p>')]),
      );
    });
  }

  it('leaves attachments and message/rfc822 content alone even when fn would change them', () => {
    const input = nested('\r\n');
    const m = MimeMessage.parse(input);
    m.transformHtml((html) => html.replace(/https:\/\/[a-z.]+\//g, 'https://changed.test/'));
    const out = m.toBuffer().toString('latin1');
    expect(out).toContain(Buffer.from('<a href="https://att.test/">x</a>').toString('base64'));
    expect(out).toContain('<a href="https://fwd.test/">fwd</a>');
    expect(out).toContain('Plain https://acme.test/plain =E2=80=94 untouched');
  });
});

describe('transformHtml on single-part messages', () => {
  const single = (headers: string[], body: Buffer | string) => join('\r\n', ...headers, '', body);

  it('a text/html message without Content-Transfer-Encoding (7bit)', () => {
    const m = MimeMessage.parse(single(['Subject: x', 'Content-Type: text/html'], '<p><a href="https://acme.test/">Go</a></p>\r\n'));
    expect(m.transformHtml((h) => rewriteHtml(h, { trackLink: track }).html)).toBe(1);
    expect(m.toBuffer().toString()).toBe('Subject: x\r\nContent-Type: text/html\r\n\r\n<p><a href="https://t.test/c/0">Go</a></p>\r\n');
  });

  it('8bit UTF-8 with an invalid byte keeps that byte and changes only the href', () => {
    const body = Buffer.concat([Buffer.from('<p>caf'), Buffer.of(0xff), Buffer.from(' é <a href="https://acme.test/é">x</a></p>')]);
    const m = MimeMessage.parse(single(['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], body));
    const urls: string[] = [];
    m.transformHtml((h) => {
      const r = rewriteHtml(h, { trackLink: track });
      urls.push(...r.trackedUrls);
      return r.html;
    });
    expect(urls).toEqual(['https://acme.test/é']);
    const expected = Buffer.concat([
      Buffer.from('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<p>caf'),
      Buffer.of(0xff),
      Buffer.from(' é <a href="https://t.test/c/0">x</a></p>'),
    ]);
    expect(m.toBuffer().equals(expected)).toBe(true);
  });

  it('a 7bit line pushed past 998 octets makes that part quoted-printable (header changed in place)', () => {
    const html = `<p>${'x'.repeat(950)}<a href="https://acme.test/">Go</a></p>`;
    const m = MimeMessage.parse(single(['Content-Type: text/html', 'Content-Transfer-Encoding: 7bit', 'X-After: kept'], html));
    m.transformHtml((h) => rewriteHtml(h, { trackLink: () => 'https://t.test/c/' + 'y'.repeat(60) }).html);
    const out = m.toBuffer().toString();
    expect(out.startsWith('Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\nX-After: kept\r\n\r\n')).toBe(true);
    expect(out.split('\r\n').every((l) => l.length <= 76)).toBe(true);
    expect(decoded(MimeMessage.parse(m.toBuffer()).root)).toBe(`<p>${'x'.repeat(950)}<a href="https://t.test/c/${'y'.repeat(60)}">Go</a></p>`);
  });

  it('parts it cannot round-trip are left alone and fn is not called', () => {
    const cases = [
      single(['Content-Type: text/html; charset=utf-16le'], Buffer.from('<a href="https://a.test/">x</a>', 'utf16le')),
      single(['Content-Type: text/html; charset=iso-2022-jp'], '<a href="https://a.test/">x</a>'),
      single(['Content-Type: text/html', 'Content-Transfer-Encoding: x-uuencode'], 'begin 644 x'),
      single(['Content-Type: text/plain'], '<a href="https://a.test/">x</a>'),
      single(['Content-Type: message/rfc822'], join('\r\n', 'Content-Type: text/html', '', '<a href="https://a.test/">x</a>')),
      single(['Content-Type: text/html', 'Content-Disposition: attachment'], '<a href="https://a.test/">x</a>'),
      // S/MIME or PGP signed content: any edit would break the signature.
      single(
        ['Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary=s'],
        join('\r\n', '--s', 'Content-Type: text/html', '', '<a href="https://a.test/">x</a>', '--s', 'Content-Type: application/pkcs7-signature', '', 'MIIB', '--s--', ''),
      ),
      // Headers only, no blank line: there is no place for a body.
      Buffer.from('Content-Type: text/html\r\nSubject: x\r\n'),
    ];
    for (const raw of cases) {
      const m = MimeMessage.parse(raw);
      let called = 0;
      expect(m.transformHtml((h) => (called++, h + 'x'))).toBe(0);
      expect(called).toBe(0);
      expect(m.toBuffer().equals(raw)).toBe(true);
    }
  });

  it('fn returning its input leaves the message byte-identical', () => {
    const raw = nested('\r\n');
    const m = MimeMessage.parse(raw);
    m.transformHtml((h) => rewriteHtml(h).html);
    expect(m.toBuffer().equals(raw)).toBe(true);
  });
});

describe('malformed messages', () => {
  const rewrite = (h: string) => rewriteHtml(h, { trackLink: track }).html;

  it('missing closing boundary: the last part runs to the end and is still rewritten', () => {
    const raw = join('\r\n', 'Content-Type: multipart/alternative; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'hi', '--b', 'Content-Type: text/html', '', '<a href="https://acme.test/">x</a>', '');
    const m = MimeMessage.parse(raw);
    expect(m.transformHtml(rewrite)).toBe(1);
    expect(m.toBuffer().toString()).toBe(raw.toString().replace('https://acme.test/', 'https://t.test/c/0'));
  });

  it('a part without the blank line after its headers is not touched', () => {
    const raw = join('\r\n', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/html', '<a href="https://acme.test/">x</a>', '--b--', '');
    const m = MimeMessage.parse(raw);
    expect(m.transformHtml(rewrite)).toBe(0);
    expect(m.toBuffer().equals(raw)).toBe(true);
  });

  it('a message whose headers run into the body without a blank line: headers editable, body untouched', () => {
    const raw = Buffer.from('Subject: x\r\nBcc: y@z.test\r\nContent-Type: text/html\r\n<a href="https://acme.test/">x</a>\r\n');
    const m = MimeMessage.parse(raw);
    expect(m.transformHtml(rewrite)).toBe(0);
    m.headers.remove('bcc');
    expect(m.toBuffer().toString()).toBe('Subject: x\r\nContent-Type: text/html\r\n<a href="https://acme.test/">x</a>\r\n');
  });

  it('multipart without boundary parameter, or whose boundary never appears, is one opaque part', () => {
    for (const ct of ['multipart/mixed', 'multipart/mixed; boundary=nothere']) {
      const raw = join('\r\n', `Content-Type: ${ct}`, '', '--b', 'Content-Type: text/html', '', '<a href="https://acme.test/">x</a>', '--b--');
      const m = MimeMessage.parse(raw);
      expect(m.root.children).toHaveLength(0);
      expect(m.transformHtml(rewrite)).toBe(0);
      expect(m.toBuffer().equals(raw)).toBe(true);
    }
  });

  it('a boundary that is only a prefix of a line is not a delimiter', () => {
    const raw = join('\r\n', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/html', '', '<p>--bx not a delimiter</p><a href="https://acme.test/">x</a>', '--b--', '');
    const m = MimeMessage.parse(raw);
    expect(m.root.children).toHaveLength(1);
    m.transformHtml(rewrite);
    expect(m.toBuffer().toString()).toContain('<p>--bx not a delimiter</p><a href="https://t.test/c/0">x</a>\r\n--b--');
  });

  it('garbage, empty input and absurd nesting never throw', () => {
    const deep = Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n'.repeat(5000));
    for (const raw of [Buffer.alloc(0), Buffer.from('\r\n'), Buffer.from('\x00\xff garbage ::: \r\n\r\n--'), Buffer.from(':\r\n \r\n'), deep]) {
      const m = MimeMessage.parse(raw);
      expect(() => m.transformHtml(rewrite)).not.toThrow();
      expect(m.toBuffer().equals(raw)).toBe(true);
    }
  });

  it('any truncation or corruption of a real message: no exception, and untouched input comes back as it was', () => {
    const base = nested('\r\n');
    fc.assert(
      fc.property(fc.nat(base.length), fc.nat(base.length), fc.uint8Array({ maxLength: 8 }), (cut, at, junk) => {
        const raw = Buffer.concat([base.subarray(0, at % (cut + 1)), Buffer.from(junk), base.subarray(at % (cut + 1), cut)]);
        const untouched = MimeMessage.parse(raw);
        untouched.transformHtml((h) => h);
        expect(untouched.toBuffer().equals(raw)).toBe(true);
        const m = MimeMessage.parse(raw);
        m.headers.remove('bcc');
        m.transformHtml(rewrite);
        expect(Buffer.isBuffer(m.toBuffer())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
