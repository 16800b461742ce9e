// The connected mailbox's two parsers agree: a message in memory goes through the fast splitter
// (src/server/mailbox/mime.ts) when it can, a stream through mailparser. Each message here is
// parsed both ways (as a Buffer, and as a stream) and every logged field and staged
// attachment must be the same. The shapes the fast parser leaves to mailparser are checked to be
// left (not guessed); the rest are checked to take the fast path, so the comparison is not empty.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInMemory } from '../../src/server/mailbox/mime.js';
import { parseMessage, type ParsedMessage } from '../../src/server/mailbox/message.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-differential-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const crlf = (...lines: Array<string | Buffer>) => Buffer.concat(lines.flatMap((l, i) => [i ? Buffer.from('\r\n') : Buffer.alloc(0), Buffer.isBuffer(l) ? l : Buffer.from(l, 'utf8')]));
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64').replace(/.{76}/g, '$&\r\n');
const latin1 = (s: string) => Buffer.from(s, 'latin1');
const DATE = 'Date: Thu, 03 Dec 2026 10:00:00 +0000';
const PDF = Buffer.from('%PDF-1.4\n' + 'x'.repeat(3000) + '\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/**
 * mailparser reading the same bytes in one piece, as it did for these messages before the fast path.
 * (Fed in small chunks, mailsplit itself splits a few malformed lines differently.)
 */
const stream = (b: Buffer) => Readable.from([b]);

/** What the logger takes from a parse, attachments by content (in memory or staged to a file). */
function logged(p: ParsedMessage) {
  const { sentAt, sentAtMs, ...email } = p.email;
  return {
    email,
    sentAtMs: Math.round(sentAtMs / 10_000), // "now" when the Date is missing or bad: both runs within seconds
    mailbeaconId: p.mailbeaconId,
    replyTo: p.replyTo,
    fromName: p.fromName,
    files: p.files.map((f) => ({ sha256: f.sha256, size: f.size, filename: f.filename, contentType: f.contentType, bytes: (f.data ?? fs.readFileSync(f.path)).toString('hex') })),
  };
}

async function both(raw: Buffer) {
  const fast = await parseMessage(raw, dir, () => '<fallback@x>');
  const streamed = await parseMessage(stream(raw) as never, dir, () => '<fallback@x>');
  return { fast: logged(fast), streamed: logged(streamed) };
}

/** Messages the fast parser reads itself. */
const FAST: Record<string, Buffer> = {
  'single text/plain, utf-8 8bit': crlf('From: Ann <ann@acme.test>', 'To: bob@example.test', 'Subject: Hi', 'Message-ID: <a1@acme.test>', DATE, 'Content-Type: text/plain; charset=utf-8', '', 'Héllo —', 'second line', ''),
  'a Sent item as a mail server keeps it: Received, DKIM, X-MS-Exchange lines; Cc folded, two To lines, Priority, List-Id': crlf(
    'Received: from mail.acme.test (10.0.0.1) by mx.acme.test; Fri, 4 Dec 2026 10:00:00 +0000',
    'DKIM-Signature: v=1; a=rsa-sha256; d=acme.test; s=s1; h=from:to:subject;\r\n bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=abc',
    'X-MS-Exchange-Organization-AuthSource: mx.acme.test',
    'X-MS-Exchange-Transport-CrossTenantHeadersStamped: DB9PR01MB1234',
    'X-MS-Has-Attach:',
    'Thread-Topic: Pricing',
    'From: "Lee, Ann" <ann@acme.test>',
    'To: bob@example.test',
    'To: =?utf-8?Q?Zo=C3=AB?= <zoe@example.test>',
    'Cc: carl@example.test,\r\n "Dee" <dee@example.test>',
    'Bcc: eve@example.test',
    'Subject: Pricing',
    'Message-ID: <exch1@acme.test>',
    DATE,
    'Priority: urgent',
    'List-Id: <sales.acme.test>',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The figures.',
  ),
  'no Content-Type, no MIME-Version, LF line ends': Buffer.from('From: ann@acme.test\nTo: bob@example.test\nSubject: bare\nMessage-ID: <a2@acme.test>\n' + DATE + '\n\nbody\nmore\n'),
  'iso-8859-1 quoted-printable, encoded-word subject and names, groups': crlf(
    'From: =?iso-8859-1?Q?Andr=E9_M=FCller?= <andre@acme.test>',
    'To: Team: =?utf-8?B?w4lsb2TDqWU=?= <elo@example.test>, "Bob, Jr." <bob@example.test>;, carl@example.test',
    'Cc: undisclosed-recipients:;',
    'Bcc: <hidden@example.test>',
    'Subject: =?utf-8?Q?Caf=C3=A9_=E2=82=AC?= and =?iso-8859-1?B?zOk=?=',
    'Message-ID: <a3@acme.test>',
    DATE,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Caf=E9 cr=E8me soft=',
    'break, trailing   ',
    '=3D equals',
  ),
  'windows-1252 base64 html in alternative, nested in mixed with a PDF': crlf(
    'From: ann@acme.test',
    'To: bob@example.test',
    'Subject: Nested',
    'Message-ID: <a4@acme.test>',
    DATE,
    'In-Reply-To: <parent@example.test>',
    'References: <root@example.test>\r\n <parent@example.test>',
    'X-Mailbeacon-Id: trk_123',
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
    'Plain =E2=80=94 text',
    '--alt',
    'Content-Type: text/html; charset=windows-1252',
    'Content-Transfer-Encoding: base64',
    '',
    b64(Buffer.concat([latin1('<p>Caf\xe9 '), Buffer.of(0x80), latin1(' price</p>')])),
    '--alt--',
    '',
    '--mixed',
    'Content-Type: application/pdf; name="quote.pdf"',
    'Content-Disposition: attachment; filename="quote.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    b64(PDF),
    '--mixed--',
    'epilogue',
  ),
  'related html with an inline cid image': crlf(
    'From: ann@acme.test',
    'To: bob@example.test',
    'Subject: Logo',
    'Message-ID: <a5@acme.test>',
    DATE,
    'Content-Type: multipart/alternative; boundary=a',
    '',
    '--a',
    'Content-Type: text/plain',
    '',
    'see logo',
    '--a',
    'Content-Type: multipart/related; boundary="r"; type="text/html"',
    '',
    '--r',
    'Content-Type: text/html; charset="utf-8"',
    '',
    '<img src="cid:logo">',
    '--r',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <logo>',
    'Content-Disposition: inline',
    '',
    PNG.toString('base64'),
    '--r--',
    '--a--',
  ),
  'encoded-word and RFC 2231 filenames, octet-stream typed by its name, no-name attachment': crlf(
    'From: ann@acme.test',
    'To: bob@example.test',
    'Subject: files',
    'Message-ID: <a6@acme.test>',
    DATE,
    'Content-Type: multipart/mixed; boundary="m"',
    '',
    '--m',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'files attached',
    '--m',
    'Content-Type: application/octet-stream',
    'Content-Disposition: attachment; filename="=?utf-8?B?w6ljaMOpYW5jaWVyLnBkZg==?="',
    'Content-Transfer-Encoding: base64',
    '',
    b64('one'),
    '--m',
    'Content-Type: application/octet-stream',
    "Content-Disposition: attachment; filename*0*=utf-8''r%C3%A9sum;",
    ' filename*1*=%C3%A9.docx',
    '',
    'two',
    '--m',
    'Content-Type: text/csv; charset=utf-8',
    'Content-Disposition: attachment',
    '',
    'a,b',
    '--m',
    'Content-Type: image/gif; name="=?iso-8859-1?Q?b=E9b=E9.gif?="',
    'Content-Transfer-Encoding: base64',
    '',
    b64('GIF89a'),
    '--m',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Disposition: weird-value',
    '',
    'an unknown disposition makes an attachment',
    '--m--',
  ),
  'missing headers (no From, Date, Message-ID, Subject)': crlf('Content-Type: text/plain', '', 'nobody'),
  'NULs in text and subject': crlf('From: ann@acme.test', 'Subject: a\u0000b', 'Message-ID: <a7@acme.test>', DATE, '', 'text\u0000with NUL'),
  'huge header line and a long folded To': crlf(
    'From: ann@acme.test',
    `X-Long: ${'x'.repeat(100_000)}`,
    `To: ${Array.from({ length: 300 }, (_, i) => `r${i}@example.test`).join(',\r\n ')}`,
    'Subject: long',
    'Message-ID: <a8@acme.test>',
    DATE,
    '',
    'body',
  ),
  'bad date, bad charset name, unknown transfer encoding': crlf('From: ann@acme.test', 'Subject: odd', 'Message-ID: <a9@acme.test>', 'Date: not a date', 'Content-Type: text/plain; charset=x-nonsense', 'Content-Transfer-Encoding: x-uuencode', '', 'kept as is'),
  'html inside alternative only': crlf('From: ann@acme.test', 'Message-ID: <a10@acme.test>', DATE, 'Content-Type: multipart/alternative; boundary=q', '', '--q', 'Content-Type: text/html', '', '<b>only html</b>', '--q--'),
  'a part without headers, lines that look like a boundary': crlf(
    'From: ann@acme.test',
    'Message-ID: <a11@acme.test>',
    DATE,
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    '',
    'no headers: text/plain',
    '--bx',
    '--b ',
    '-- b',
    // The boundary in the middle of a line is text, not a delimiter.
    'x--b',
    'see --b--',
    '--b',
    'Content-Type: application/zip',
    '',
    'PK',
    '--b--',
  ),
  'padded base64 segments and junk in base64': crlf('From: ann@acme.test', 'Message-ID: <a12@acme.test>', DATE, 'Content-Type: application/pdf', 'Content-Transfer-Encoding: base64', '', 'YQ==', 'YmM=', 'ZG*Vm!Zw==', ''),
};

/** Messages whose meaning the fast parser does not reproduce: they must go to mailparser. */
const LEFT: Record<string, Buffer> = {
  'message/rfc822 attachment': crlf('From: ann@acme.test', 'Message-ID: <b1@acme.test>', DATE, 'Content-Type: multipart/mixed; boundary=z', '', '--z', 'Content-Type: text/plain', '', 'fwd', '--z', 'Content-Type: message/rfc822', '', 'From: carl@example.test', 'Subject: inner', '', 'inner body', '--z--'),
  'format=flowed': crlf('From: ann@acme.test', 'Message-ID: <b2@acme.test>', DATE, 'Content-Type: text/plain; format=flowed', '', 'soft ', 'wrap'),
  'html only (mailparser renders its text)': crlf('From: ann@acme.test', 'Message-ID: <b3@acme.test>', DATE, 'Content-Type: text/html; charset=utf-8', '', '<p>Hello <b>there</b></p>'),
  'text beside html in mixed (mailparser adds it as html)': crlf('From: ann@acme.test', 'Message-ID: <b4@acme.test>', DATE, 'Content-Type: multipart/mixed; boundary=y', '', '--y', 'Content-Type: text/html', '', '<p>x</p>', '--y', 'Content-Type: text/plain', '', 'footer', '--y--'),
  'no closing boundary': crlf('From: ann@acme.test', 'Message-ID: <b5@acme.test>', DATE, 'Content-Type: multipart/mixed; boundary=w', '', '--w', 'Content-Type: text/plain', '', 'cut here'),
  'multipart without a boundary': crlf('From: ann@acme.test', 'Message-ID: <b6@acme.test>', DATE, 'Content-Type: multipart/mixed', '', 'what parts?'),
  'empty parts (mailsplit reads them by what follows)': crlf(
    'From: ann@acme.test',
    'Message-ID: <a11@acme.test>',
    DATE,
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    '',
    'no headers: text/plain',
    '--bx',
    '--b ',
    '--b',
    'Content-Type: text/plain',
    '',
    '',
    '--b',
    'Content-Type: application/zip',
    '',
    '--b--',
  ),
  'iso-2022-jp': crlf('From: ann@acme.test', 'Message-ID: <b7@acme.test>', DATE, 'Content-Type: text/plain; charset=iso-2022-jp', '', '\x1b$B$3$s$K$A$O\x1b(B'),
};

describe('mailbox message parsing: the fast in-memory parser and mailparser agree', () => {
  for (const [name, raw] of Object.entries(FAST)) {
    it(`${name}`, async () => {
      expect(parseInMemory(raw), 'takes the fast path').toBeDefined();
      const { fast, streamed } = await both(raw);
      expect(fast).toEqual(streamed);
    });
  }

  for (const [name, raw] of Object.entries(LEFT)) {
    it(`${name}: left to mailparser`, async () => {
      expect(parseInMemory(raw)).toBeUndefined();
      const { fast, streamed } = await both(raw);
      expect(fast).toEqual(streamed);
    });
  }

  it('the fast path reads the decoded fields right (not only the same as mailparser)', async () => {
    const p = await parseMessage(FAST['windows-1252 base64 html in alternative, nested in mixed with a PDF'], dir, () => '<x>');
    expect(p.email.text).toBe('Plain — text');
    expect(p.email.html).toBe('<p>Café € price</p>');
    expect(p.files.map((f) => [f.filename, f.contentType, f.size])).toEqual([['quote.pdf', 'application/pdf', PDF.length]]);
    expect(p.mailbeaconId).toBe('trk_123');
    expect(p.replyTo).toEqual(['<parent@example.test>', '<root@example.test>']);
    const q = await parseMessage(FAST['encoded-word and RFC 2231 filenames, octet-stream typed by its name, no-name attachment'], dir, () => '<x>');
    expect(q.files.map((f) => f.filename)).toEqual(['échéancier.pdf', 'résumé.docx', 'attachment', 'bébé.gif', 'attachment']);
  });

  it('base64 bodies with any line breaks, padding and junk: the same bytes as mailparser decodes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom('\r\n', '\n', '=', '==', ' ', '*', '\r\n\r\n', '-', '_', '\t', '.', '@', '\u0000')), { maxLength: 6 }), async (bytes, inserts) => {
        let encoded = Buffer.from(bytes).toString('base64');
        for (const [at, what] of inserts) {
          const i = at % (encoded.length + 1);
          encoded = encoded.slice(0, i) + what + encoded.slice(i);
        }
        const raw = crlf('From: ann@acme.test', 'Message-ID: <c1@acme.test>', DATE, 'Content-Type: multipart/mixed; boundary=k', '', '--k', 'Content-Type: text/plain', '', 'see file', '--k', 'Content-Type: application/pdf', 'Content-Transfer-Encoding: base64', '', encoded + 'A', '--k--');
        const { fast, streamed } = await both(raw);
        expect(fast).toEqual(streamed);
      }),
      { numRuns: 200 },
    );
  });

  it('any truncation or corruption of these messages: both parsers give the same fields, or the fast one leaves it', async () => {
    const samples = Object.values(FAST);
    await fc.assert(
      fc.asyncProperty(fc.nat(samples.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), async (which, cut, flips) => {
        const raw = Buffer.from(samples[which].subarray(0, Math.max(1, Math.floor(samples[which].length * (0.2 + 0.8 * cut)))));
        for (const [at, byte] of flips) raw[Math.floor(at * (raw.length - 1))] = byte;
        const { fast, streamed } = await both(raw);
        expect(fast).toEqual(streamed);
      }),
      { numRuns: 150 },
    );
  });
});
