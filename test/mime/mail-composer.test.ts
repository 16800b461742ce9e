// Messages as nodemailer's MailComposer builds them (what most SMTP API clients send), edited for
// the outbound queue, then read back by an independent parser (mailparser).
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { MimeMessage } from '../../src/server/mime/message.js';
import { rewriteHtml } from '../../src/shared/tracking/rewrite.js';

const HTML =
  '<!DOCTYPE html><html><body><h1>Grüße, Zoë</h1>' +
  '<p>Your order is ready — <a href="https://shop.acme.test/orders/42?utm_source=mail&amp;utm_medium=email">view the order</a>.</p>' +
  '<p>Questions? <a href="mailto:help@acme.test">Write to us</a> or see https://acme.test/help: <a href="https://acme.test/help">https://acme.test/help</a></p>' +
  `<p>${'A long paragraph that will need soft line breaks in quoted-printable. '.repeat(4)}</p>` +
  '<img src="cid:logo@acme.test" alt="logo"></body></html>';
const TEXT = 'Your order is ready: https://shop.acme.test/orders/42\n';
const PDF = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
const ATTACHED_HTML = '<html><body><a href="https://attached.acme.test/">not to be tracked</a></body></html>';
const EML = 'From: a@acme.test\r\nSubject: forwarded\r\nContent-Type: text/html\r\n\r\n<a href="https://fwd.acme.test/">fwd</a>\r\n';
const PIXEL = '<img src="https://t.test/o/tok.gif" width="1" height="1" alt="">';

async function compose(encoding: 'quoted-printable' | 'base64'): Promise<Buffer> {
  const node = new MailComposer({
    from: 'Ann <ann@acme.test>',
    to: 'bob@example.test',
    bcc: ['secret@example.test', 'other@example.test'],
    subject: 'Your order',
    text: TEXT,
    html: HTML,
    encoding,
    attachments: [
      { filename: 'invoice.pdf', content: PDF },
      { filename: 'page.html', content: ATTACHED_HTML, contentType: 'text/html' },
      { filename: 'logo.png', content: PNG, cid: 'logo@acme.test' },
      { filename: 'fwd.eml', content: EML, contentType: 'message/rfc822' },
    ],
  }).compile();
  node.keepBcc = true;
  return node.build();
}

const track = (html: string) => rewriteHtml(html, { trackLink: (_u, i) => `https://t.test/c/${i}`, pixel: { html: PIXEL, position: 'bottom' } });

describe('MailComposer messages through the outbound editor', () => {
  for (const encoding of ['quoted-printable', 'base64'] as const) {
    it(`${encoding} HTML: tracked, Bcc gone, Message-ID kept or added, attachments byte-identical`, async () => {
      const input = await compose(encoding);
      const m = MimeMessage.parse(input);
      const parts = m.allParts();
      const html = parts.find((p) => p.contentType.value === 'text/html' && !p.isAttachment)!;
      expect(html.headers.get('content-transfer-encoding')).toBe(encoding);

      expect(m.headers.remove('bcc')).toBe(1);
      const originalId = m.headers.get('message-id');
      expect(m.headers.addIfMissing('Message-ID', '<added@mb.test>')).toBe(false);
      let seen = '';
      expect(
        m.transformHtml((h) => {
          seen = h;
          return track(h).html;
        }),
      ).toBe(1);
      expect(seen).toBe(HTML);
      const out = m.toBuffer();

      // Every part other than the HTML part and the multiparts around it is byte-identical.
      const after = MimeMessage.parse(out).allParts();
      expect(after.map((p) => p.contentType.value)).toEqual(parts.map((p) => p.contentType.value));
      parts.forEach((p, i) => {
        if (p.contentType.value.startsWith('multipart/') || p === html) return;
        expect(out.subarray(after[i]!.start, after[i]!.end).equals(input.subarray(p.start, p.end)), `${p.contentType.value} part`).toBe(true);
      });
      const newHtml = after[parts.indexOf(html)]!;
      expect(newHtml.headers.get('content-transfer-encoding')).toBe(encoding);
      expect(newHtml.body.toString('latin1').split('\r\n').every((l) => l.length <= 76)).toBe(true);

      const parsed = await simpleParser(out, { keepCidLinks: true });
      const expected = track(HTML);
      expect(expected.trackedUrls).toEqual(['https://shop.acme.test/orders/42?utm_source=mail&utm_medium=email']);
      // mailparser renders the inline forwarded message (message/rfc822) after the body: it stays untracked.
      expect(parsed.html).toBe(expected.html + parsed.html.toString().slice(expected.html.length));
      expect(parsed.html.toString().slice(expected.html.length)).toContain('<a href="https://fwd.acme.test/">fwd</a>');
      expect(parsed.text?.startsWith(TEXT)).toBe(true);
      expect(parsed.bcc).toBeUndefined();
      expect(out.toString('latin1')).not.toMatch(/^bcc:/im);
      expect(parsed.messageId).toBe(originalId);
      const byName = Object.fromEntries(parsed.attachments.map((a) => [a.filename ?? a.contentType, a.content]));
      expect(byName['invoice.pdf']).toEqual(PDF);
      expect(byName['page.html']!.toString()).toBe(ATTACHED_HTML);
      expect(byName['logo.png']).toEqual(PNG);
    });
  }

  it('adds a Message-ID when the client sent none, once', async () => {
    const m = MimeMessage.parse(await compose('quoted-printable'));
    m.headers.remove('message-id');
    expect(m.headers.addIfMissing('Message-ID', '<added@mb.test>')).toBe(true);
    expect(m.headers.addIfMissing('Message-ID', '<again@mb.test>')).toBe(false);
    const parsed = await simpleParser(m.toBuffer());
    expect(parsed.messageId).toBe('<added@mb.test>');
    expect(m.toBuffer().toString('latin1').match(/^Message-ID:/gim)).toHaveLength(1);
  });
});
