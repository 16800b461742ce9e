// MIME fuzzing (docs/product.md §4, §5): the byte-preserving editor on generated, malformed messages. Parsing
// and writing never throw; with nothing edited (or an edit that changes nothing) the output is the
// input byte for byte; with the real tracking transform every part it did not edit is byte-identical
// and every part it edited decodes to exactly what the transform returned. Deep nesting and huge
// headers must not blow the stack. A few such messages also go through the real SMTP server.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecFor } from '../../src/server/mime/charset.js';
import { decodeBody, transferEncodingOf } from '../../src/server/mime/encoding.js';
import { MimeMessage } from '../../src/server/mime/message.js';
import type { MimePart } from '../../src/server/mime/part.js';
import { trackHtml } from '../../src/server/tracking/apply.js';
import { TrackingSigner } from '../../src/server/tracking/tokens.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { header, startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin } from '../helpers/smtp-clients.js';
import { deeplyNested, messageArb } from './support/mime-gen.js';
import { SmtpConversation, transcriptProblems } from './support/smtp-conversation.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25) * 12;
const signer = new TrackingSigner([{ id: 'k1', secret: 'f'.repeat(40) }]);
const track = (html: string) => trackHtml(html, signer, { ref: { d: 'delivery' }, base: 'https://t.test', pixel: true, position: 'bottom' }).html;

/** The bytes of a part as written in `src` (headers, blank line, body). */
const bytesOf = (src: Buffer, p: MimePart) => src.subarray(p.start, p.end);
const leaves = (m: MimeMessage) => m.allParts().filter((p) => p.children.length === 0);

/** Quoted-printable writes line breaks in the part's own style: CRLF and LF are the same break. */
const lines = (text: string) => text.replace(/\r\n/g, '\n');

/** The part's body decoded to text the way transformHtml decodes it. */
function decoded(p: MimePart): string {
  const cte = transferEncodingOf(p.headers.get('content-transfer-encoding'))!;
  return codecFor(p.contentType.params.charset)!.decode(decodeBody(p.body, cte));
}

describe('MIME editor on generated messages (in process)', () => {
  it('parses and writes back any message byte for byte, and an identity transform changes nothing', () => {
    fc.assert(
      fc.property(messageArb, ({ raw }) => {
        expect(MimeMessage.parse(raw).toBuffer().equals(raw)).toBe(true);
        const m = MimeMessage.parse(raw);
        expect(m.transformHtml((h) => h)).toBe(0);
        expect(m.toBuffer().equals(raw)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('with the tracking transform, keeps every part it did not edit and decodes every edited one to what the transform returned', () => {
    let editedRuns = 0;
    fc.assert(
      fc.property(messageArb, ({ raw }) => {
        const m = MimeMessage.parse(raw);
        const before = leaves(m);
        // What fn returned where it changed something: one entry per edited part, in part order.
        const returned: string[] = [];
        m.transformHtml((html) => {
          const out = track(html);
          if (out !== html) returned.push(out);
          return out;
        });
        const edited = before.filter((p) => p.changed);
        const out = m.toBuffer();
        const after = leaves(MimeMessage.parse(out));
        // Same structure: an edit never adds, removes or moves a part (no boundary text written into a body).
        expect(after.length, out.toString('latin1').slice(0, 2000)).toBe(before.length);
        let k = 0;
        before.forEach((p, i) => {
          if (!p.changed) expect(bytesOf(out, after[i]).equals(bytesOf(raw, p)), `part ${i}`).toBe(true);
          else expect(lines(decoded(after[i])), `part ${i}`).toBe(lines(returned[k++]));
        });
        expect(k).toBe(edited.length);
        if (edited.length) editedRuns++;
      }),
      { numRuns: RUNS },
    );
    // The generator must reach editable HTML often, or the property says little.
    expect(editedRuns).toBeGreaterThan(RUNS / 10);
  });

  it('regression: re-encoding quoted-printable never writes a body line that reads as a boundary (it split the part)', () => {
    const raw = Buffer.from(
      ['Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/html', 'Content-Transfer-Encoding: quoted-printable', '', '<p>a</p>', '=2D-b1', '<a href=3D"https://acme.test/">x</a>', '--b1--', ''].join('\r\n'),
    );
    const m = MimeMessage.parse(raw);
    expect(m.transformHtml(track)).toBe(1);
    const out = MimeMessage.parse(m.toBuffer());
    expect(leaves(out)).toHaveLength(1);
    expect(decoded(leaves(out)[0])).toContain('\r\n--b1\r\n');
    expect(m.toBuffer().toString()).toMatch(/^=2D-b1\r$/m);
  });

  it('handles hundreds and thousands of nesting levels without blowing the stack', () => {
    for (const depth of [100, 500, 5000]) {
      const raw = deeplyNested(depth);
      const m = MimeMessage.parse(raw);
      expect(m.toBuffer().equals(raw)).toBe(true);
      m.transformHtml(track); // past the depth limit the inner parts are opaque: nothing to edit, nothing thrown
      expect(MimeMessage.parse(m.toBuffer()).toBuffer().equals(m.toBuffer())).toBe(true);
    }
  });

  it('handles megabytes of headers: one huge field, a hundred thousand small ones, a header block with no end', () => {
    const huge = Buffer.concat([Buffer.from('X-Huge: '), Buffer.alloc(4 * 1024 * 1024, 'a'), Buffer.from('\r\nContent-Type: text/html\r\n\r\n<a href="https://acme.test/">x</a>')]);
    const many = Buffer.from('X-Many: v\r\n'.repeat(100_000) + 'Content-Type: text/html\r\n\r\n<a href="https://acme.test/">x</a>');
    const folded = Buffer.from('Subject: a\r\n' + ' folded\r\n'.repeat(200_000) + '\r\nbody');
    const endless = Buffer.from('X-Endless: ' + 'b'.repeat(3 * 1024 * 1024));
    for (const raw of [huge, many, folded, endless]) {
      const started = Date.now();
      expect(MimeMessage.parse(raw).toBuffer().equals(raw)).toBe(true);
      const m = MimeMessage.parse(raw);
      m.transformHtml(track);
      m.headers.remove('bcc');
      m.headers.prepend('Received', 'from fuzz');
      const out = m.toBuffer();
      expect(out.subarray(0, 22).toString()).toBe('Received: from fuzz\r\n' + raw.subarray(0, 1).toString());
      expect(out.length).toBeGreaterThan(raw.length);
      expect(Date.now() - started, 'linear time, not quadratic').toBeLessThan(5000);
    }
  });

  it('never throws on raw garbage or on any cut or corruption of a generated message', () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 16 }), ({ raw }, cut, at, junk) => {
        const broken = Buffer.concat([raw.subarray(0, at % (raw.length + 1)), Buffer.from(junk), raw.subarray(at % (raw.length + 1), cut % (raw.length + 1) + at)]);
        const m = MimeMessage.parse(broken);
        m.transformHtml(track);
        m.toBuffer();
      }),
      { numRuns: RUNS },
    );
  });
});

describe.each(BACKENDS)('generated MIME through the SMTP server on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;
  let creds: { user: string; pass: string };

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url });
    const { accessToken } = await server.addUser('mime@acme.test');
    creds = (await smtpLogin(server, accessToken, 'MIME fuzz')).creds;
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  /** One SMTP transaction with `raw` as the message; answers the reply to the end of DATA. */
  async function submit(raw: Buffer, subject: string): Promise<string> {
    const c = await SmtpConversation.open(server.smtpPort);
    await c.waitForReplies(1);
    const plain = Buffer.from(`\0${creds.user}\0${creds.pass}`).toString('base64');
    c.write(`EHLO mime.test\r\nAUTH PLAIN ${plain}\r\nMAIL FROM:<ann@acme.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n`);
    await c.waitForReplies(6);
    // Every line made to end in CRLF for the wire, dot-stuffed; a marker Subject first to find it at the sink.
    const body = Buffer.from(`X-Fuzz-Subject: ${subject}\r\n` + raw.toString('latin1').replace(/(^|\n)\./g, '$1..'), 'latin1');
    c.write(Buffer.concat([body, Buffer.from('\r\n.\r\n')]));
    await c.waitForReplies(7, 20_000);
    const reply = c.last();
    expect(transcriptProblems(c)).toEqual([]);
    c.write('QUIT\r\n');
    await c.end();
    return reply;
  }

  it('accepts each generated message or refuses it with a 5xx reason, never crashes, and delivers what it accepted', async () => {
    const samples = fc.sample(messageArb, { numRuns: 12, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100_000) });
    const extra = [deeplyNested(500), Buffer.concat([Buffer.from('X-Huge: '), Buffer.alloc(2 * 1024 * 1024, 'h'), Buffer.from('\r\nSubject: huge\r\n\r\n<a href="https://acme.test/">x</a>')])];
    const accepted: string[] = [];
    for (const [i, raw] of [...samples.map((s) => s.raw), ...extra].entries()) {
      const reply = await submit(raw, `sample-${backend}-${i}`);
      expect(reply, `sample ${i}: ${raw.toString('latin1').slice(0, 500)}`).toMatch(/^(250 .*Queued as|5\d\d [245]\.\d+\.\d+ \S)/);
      if (reply.startsWith('250')) accepted.push(`sample-${backend}-${i}`);
    }
    await sink.waitFor(accepted.length, 30_000);
    expect(sink.messages.map((m) => header(m.raw, 'x-fuzz-subject')).sort()).toEqual(accepted.sort());
    expect(server.process.exitCode).toBeNull();
    expect((await fetch(server.url + '/health')).status).toBe(200);
    expect(server.logs().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  }, 120_000);
});
