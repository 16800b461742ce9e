// A byte-preserving editor for one raw RFC 5322 message, for the outbound queue: drop Bcc, add a
// Message-ID, rewrite the HTML parts for tracking — and nothing else. What it cannot understand
// (unknown charsets or encodings, broken structure) it leaves exactly as it came.
import { codecFor } from './charset.js';
import { decodeBody, encodeBody, fitsIdentity, transferEncodingOf } from './encoding.js';
import type { Headers } from './headers.js';
import { parsePart, type MimePart } from './part.js';

export type HtmlTransform = (html: string) => string;

export class MimeMessage {
  private constructor(readonly root: MimePart) {}

  /** Parses a raw message (CRLF or bare LF line endings). Never throws. */
  static parse(raw: Buffer): MimeMessage {
    return new MimeMessage(parsePart(raw, 0, raw.length));
  }

  /** The top-level header block: get/remove/add/set keep every other header byte as it was. */
  get headers(): Headers {
    return this.root.headers;
  }

  /** Every part, depth first, the message itself first. */
  allParts(): MimePart[] {
    const out: MimePart[] = [];
    const walk = (p: MimePart) => {
      out.push(p);
      p.children.forEach(walk);
    };
    walk(this.root);
    return out;
  }

  /**
   * The `text/html` parts transformHtml visits: at any depth of multipart/*, but not attachments
   * (`Content-Disposition: attachment`, and nothing under one), nothing inside message/*, and
   * nothing under multipart/signed or multipart/encrypted (an edit would break the signature).
   */
  htmlParts(): MimePart[] {
    const found: MimePart[] = [];
    const walk = (p: MimePart) => {
      if (p.isAttachment) return;
      const type = p.contentType.value;
      if (type === 'multipart/signed' || type === 'multipart/encrypted') return;
      if (type.startsWith('multipart/')) p.children.forEach(walk);
      else if (type === 'text/html') found.push(p);
    };
    walk(this.root);
    return found;
  }

  /**
   * Decodes each HTML part (transfer encoding, then charset), calls fn, and re-encodes the part
   * when fn changed something. Parts in a charset that cannot be round-tripped (UTF-16, ISO-2022…)
   * or an unknown transfer encoding are skipped. Returns the number of parts changed.
   */
  transformHtml(fn: HtmlTransform): number {
    let changed = 0;
    for (const part of this.htmlParts()) if (transformPart(part, fn)) changed++;
    return changed;
  }

  /** The message: untouched parts and headers byte-identical to the input. */
  toBuffer(): Buffer {
    const out: Buffer[] = [];
    this.root.toBuffers(out);
    return Buffer.concat(out);
  }
}

function transformPart(part: MimePart, fn: HtmlTransform): boolean {
  if (!part.headerEnded) return false;
  const cte = transferEncodingOf(part.headers.get('content-transfer-encoding'));
  const codec = codecFor(part.contentType.params.charset);
  if (cte === null || codec === null) return false;
  const original = part.body;
  const text = codec.decode(decodeBody(original, cte));
  const edited = fn(text);
  if (edited === text) return false;
  const bytes = codec.encode(edited);
  if (cte === 'quoted-printable' || cte === 'base64' || fitsIdentity(bytes, cte) || !fitsIdentity(original, cte)) {
    part.setBody(encodeBody(bytes, cte, part.eol, original));
    return true;
  }
  // Longer hrefs pushed a line past SMTP's 998 octets (or fn added 8-bit text to a 7bit part):
  // sending it as it is would get it rejected or mangled, so this one part becomes quoted-printable.
  part.headers.set('Content-Transfer-Encoding', 'quoted-printable');
  part.setBody(encodeBody(bytes, 'quoted-printable', part.eol, original));
  return true;
}
