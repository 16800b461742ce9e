// Generated MIME messages, malformed on purpose: a tree of parts serialised with any line ending
// (CRLF, LF, even CR alone), boundaries missing, repeated, unclosed or quoted oddly, boundary text
// inside bodies, header blocks without their blank line, folded and 8-bit headers, charsets nobody
// knows, transfer encodings that are wrong or broken (invalid base64 and quoted-printable).
import fc from 'fast-check';

export type Eol = '\r\n' | '\n' | '\r';

export interface Leaf {
  kind: 'leaf';
  type: string;
  charset: string | null;
  cte: string | null;
  attachment: boolean;
  body: Buffer;
  extraHeaders: string[];
  blankLine: boolean;
}

export interface Multi {
  kind: 'multi';
  subtype: string;
  boundary: string;
  /** How the boundary parameter is written: quoted, bare, or left out. */
  param: 'quoted' | 'bare' | 'missing';
  children: Node[];
  preamble: string;
  epilogue: string;
  close: boolean;
  /** Each delimiter written twice (an empty part between). */
  doubled: boolean;
  /** Spaces after a delimiter (allowed) or text after it (makes it no delimiter). */
  trailer: '' | '  ' | 'x';
}

export type Node = Leaf | Multi;

const HTML_BITS = [
  '<p>Hello <a href="https://acme.test/a?x=1&amp;y=2">offer</a></p>',
  '<a href="http://acme.test/">https://acme.test/</a>',
  '<a href="mailto:a@b.test">mail</a><a href="#top">top</a>',
  '<a data-mb-no-track href="https://acme.test/no">no</a>',
  '<!--[if mso]><v:roundrect href="https://acme.test/vml"></v:roundrect><![endif]-->',
  '<html><head><title>t</title></head><body>',
  '</body></html>',
  '<a href=https://acme.test/unquoted>u</a>',
  "<a href='https://acme.test/single'>s</a>",
  '<a href="https://acme.test/€café">€</a>',
  '<a href="javascript:alert(1)">js</a>',
  '<a hr',
  '<<<>>>&&&;;',
  'Café — ünïcödé 🎉',
  // Boundary text inside a body: harmless while encoded (base64, or quoted-printable with the dash
  // escaped), and must stay harmless when the part is re-encoded.
  '\n--b1\n',
  '\r\n--==_Part_0_123--\r\n',
];

const htmlText = fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HTML_BITS) }, fc.string({ unit: 'grapheme', maxLength: 30 })), { maxLength: 8 }).map((a) => a.join(''));

/** The HTML as bytes: UTF-8, Latin-1, or with random bytes (invalid UTF-8) spliced in. */
const htmlBytes = fc.oneof(
  htmlText.map((s) => Buffer.from(s, 'utf8')),
  htmlText.map((s) => Buffer.from(s, 'latin1')),
  fc.tuple(htmlText, fc.uint8Array({ maxLength: 20 })).map(([s, junk]) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from(junk)])),
);

const CHARSETS = ['utf-8', 'UTF-8', '"utf-8"', 'iso-8859-1', 'windows-1252', 'koi8-r', 'utf-16le', 'iso-2022-jp', 'x-nonsense', '', 'utf8 ', 'us-ascii'];
const CTES = ['7bit', '8bit', 'binary', 'quoted-printable', 'base64', 'BASE64 ', 'Quoted-Printable', 'x-uuencode', 'gibberish'];

/** Encodes a body the way its Content-Transfer-Encoding says, or breaks it. */
function encoded(body: Buffer, cte: string | null, eol: Eol, broken: boolean): Buffer {
  const kind = (cte ?? '').trim().toLowerCase();
  if (kind === 'base64') {
    const lines = body.toString('base64').match(/.{1,76}/g) ?? [];
    if (broken) lines.splice(lines.length >> 1, 0, '!!not*base64==', '====');
    return Buffer.from(lines.join(eol), 'latin1');
  }
  if (kind === 'quoted-printable') {
    let qp = '';
    for (const [i, b] of body.entries()) {
      // A careful encoder escapes a dash that starts a line, so no body line reads as a boundary.
      const lineStart = i === 0 || body[i - 1] === 0x0a;
      const literal = ((b >= 33 && b <= 126 && b !== 61) || b === 32) && !(lineStart && b === 0x2d);
      qp += b === 0x0a ? eol : literal ? String.fromCharCode(b) : '=' + b.toString(16).toUpperCase().padStart(2, '0');
    }
    if (broken) qp = qp.replace(/=([0-9A-F]{2})/, '=Z$1') + '=' + eol + '=G' + '=';
    return Buffer.from(qp.replace(/([^\r\n]{70})(?!$)/gm, `$1=${eol}`), 'latin1');
  }
  return body;
}

const leafArb = (eol: Eol): fc.Arbitrary<Leaf> =>
  fc
    .record({
      // Mostly what the editor can edit, so the properties about edits are exercised; the rest to be left alone.
      type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('text/html', 'TEXT/HTML') }, fc.constantFrom('text/plain', 'image/png', 'application/octet-stream', 'text/html garbage', '')),
      charset: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('utf-8', 'iso-8859-1', 'windows-1252') }, fc.constantFrom(...CHARSETS)), { freq: 4 }),
      cte: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('quoted-printable', 'base64', '7bit', '8bit') }, fc.constantFrom(...CTES)), { freq: 4 }),
      attachment: fc.constantFrom(false, false, false, true),
      body: htmlBytes,
      broken: fc.boolean(),
      extraHeaders: fc.array(
        fc.oneof(
          fc.constantFrom('X-Folded: a', ' continued', '\tand tabbed', 'Not a header line', ': empty name', 'X-Latin: caf\u00e9', 'Content-ID: <x@y>', 'X-Empty:'),
          fc.string({ maxLength: 60 }).map((s) => `X-Rand: ${s.replace(/[\r\n]/g, '')}`),
        ),
        { maxLength: 3 },
      ),
      blankLine: fc.constantFrom(true, true, true, false),
    })
    .map((l) => ({ kind: 'leaf' as const, ...l, body: encoded(l.body, l.cte, eol, l.broken) }));

export function nodeArb(eol: Eol): fc.Arbitrary<Node> {
  const { node } = fc.letrec<{ node: Node; multi: Multi }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb(eol), tie('multi')),
    multi: fc.record({
      kind: fc.constant('multi' as const),
      subtype: fc.constantFrom('mixed', 'alternative', 'related', 'signed', 'digest', 'report'),
      boundary: fc.constantFrom('b1', '==_Part_0_123', 'simple boundary', 'x', "'()+_,-./:=?"),
      param: fc.constantFrom<'quoted' | 'bare' | 'missing'>('quoted', 'quoted', 'bare', 'missing'),
      children: fc.array(tie('node'), { maxLength: 4 }),
      preamble: fc.constantFrom('', 'This is a multi-part message.', '--b1 in the preamble'),
      epilogue: fc.constantFrom('', 'epilogue', '--b1--'),
      close: fc.constantFrom(true, true, false),
      doubled: fc.constantFrom(false, false, false, true),
      trailer: fc.constantFrom<'' | '  ' | 'x'>('', '', '  ', 'x'),
    }),
  }));
  return node;
}

function leafBytes(l: Leaf, eol: Eol): Buffer {
  const ct = l.type === '' ? [] : [`Content-Type: ${l.type}${l.charset !== null ? `; charset=${l.charset}` : ''}`];
  const headers = [...ct, ...(l.cte !== null ? [`Content-Transfer-Encoding: ${l.cte}`] : []), ...(l.attachment ? ['Content-Disposition: attachment; filename="a.html"'] : []), ...l.extraHeaders];
  return Buffer.concat([Buffer.from(headers.map((h) => h + eol).join('') + (l.blankLine ? eol : ''), 'latin1'), l.body]);
}

function multiBytes(m: Multi, eol: Eol): Buffer {
  const param = m.param === 'missing' ? '' : m.param === 'quoted' ? `; boundary="${m.boundary}"` : `; boundary=${m.boundary}`;
  const delim = `--${m.boundary}${m.trailer}`;
  const out: Buffer[] = [Buffer.from(`Content-Type: multipart/${m.subtype}${param}${eol}${eol}${m.preamble}${m.preamble ? eol : ''}`, 'latin1')];
  for (const child of m.children) {
    out.push(Buffer.from(delim + eol + (m.doubled ? delim + eol : ''), 'latin1'), serialize(child, eol), Buffer.from(eol, 'latin1'));
  }
  if (m.close) out.push(Buffer.from(`--${m.boundary}--${eol}`, 'latin1'));
  out.push(Buffer.from(m.epilogue, 'latin1'));
  return Buffer.concat(out);
}

export function serialize(n: Node, eol: Eol): Buffer {
  return n.kind === 'leaf' ? leafBytes(n, eol) : multiBytes(n, eol);
}

/** A whole message: top-level headers, then the tree. */
export const messageArb: fc.Arbitrary<{ eol: Eol; raw: Buffer }> = fc
  .constantFrom<Eol>('\r\n', '\r\n', '\n', '\r')
  .chain((eol) =>
    fc.record({
      eol: fc.constant(eol),
      subject: fc.oneof(fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')), fc.constantFrom('=?utf-8?B?w6nDqQ==?=', '=?x-bad?Q?z?=', 'caf\u00e9')),
      tree: nodeArb(eol),
    }),
  )
  .map(({ eol, subject, tree }) => ({
    eol,
    raw: Buffer.concat([Buffer.from(`From: ann@acme.test${eol}To: bob@example.test${eol}Subject: ${subject}${eol}MIME-Version: 1.0${eol}`, 'latin1'), serialize(tree, eol)]),
  }));

/** `depth` multiparts each holding the next, around one HTML part. */
export function deeplyNested(depth: number, eol: Eol = '\r\n'): Buffer {
  let inner = Buffer.from(`Content-Type: text/html; charset=utf-8${eol}${eol}<p><a href="https://acme.test/deep">deep</a></p>`, 'latin1');
  for (let i = depth; i > 0; i--) {
    inner = Buffer.concat([Buffer.from(`Content-Type: multipart/mixed; boundary="d${i}"${eol}${eol}--d${i}${eol}`, 'latin1'), inner, Buffer.from(`${eol}--d${i}--${eol}`, 'latin1')]);
  }
  return Buffer.concat([Buffer.from(`From: ann@acme.test${eol}Subject: deep ${depth}${eol}`, 'latin1'), inner]);
}
