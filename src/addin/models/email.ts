// The current Outlook item as an email: what the backend needs to track or log it, read through the
// Office wrapper (never Office.js itself), the same way in compose, read and the event runtime.
import type { LoggedEmailInput, TrackedEmailInput, PixelPosition } from '../../shared/api.js';
import type { AttachmentInfo, BodyType, EmailAddress, OfficeHost, Recipients } from '../office/host.js';
import { fromBase64, utf8 } from '../../ui/helpers/bytes.js';
import { escapeHtml, htmlToText } from '../../shared/html-text.js';
import { TRACKING_HEADER } from '../helpers/ids.js';
import type { FilePart } from '../../ui/helpers/multipart.js';

export interface Envelope {
  subject: string;
  from: EmailAddress;
  recipients: Recipients;
}

export interface EmailSnapshot extends Envelope {
  bodyType: BodyType;
  /** The body as HTML ('' for a plain-text body, whose words are in `text`). */
  html: string;
  text: string;
}

const list = (r: EmailAddress[]) => r.map((x) => x.address).filter(Boolean);

export class Email {
  constructor(private readonly host: OfficeHost) {}

  async envelope(): Promise<Envelope> {
    const [subject, from, recipients] = await Promise.all([this.host.getSubject(), this.host.getFrom(), this.host.getRecipients()]);
    return { subject, from, recipients };
  }

  async snapshot(): Promise<EmailSnapshot> {
    const [envelope, bodyType] = await Promise.all([this.envelope(), this.host.getBodyType()]);
    const body = await this.host.getBody(bodyType);
    return bodyType === 'html' ? { ...envelope, bodyType, html: body, text: htmlToText(body, { linkTargets: false }) } : { ...envelope, bodyType, html: '', text: body };
  }

  /** The id our compose handler stamped on the mail, when it carries one. */
  trackingHeader(): Promise<string | null> {
    return this.host.getInternetHeader(TRACKING_HEADER).catch(() => null);
  }

  /** Attached files as bytes for the logged copy. Inline images stay in the body's own copy and
   *  cloud attachments are links, so neither is filed. */
  async files(): Promise<FilePart[]> {
    const wanted = (await this.host.getAttachments()).filter((a) => !a.isInline && a.kind !== 'cloud');
    const parts = await Promise.all(wanted.map((a) => this.file(a)));
    return parts.filter((p): p is FilePart => p !== null);
  }

  private async file(a: AttachmentInfo): Promise<FilePart | null> {
    const c = await this.host.getAttachmentContent(a.id);
    if (c.format === 'base64') return { filename: a.name, contentType: a.contentType, bytes: fromBase64(c.content) };
    if (c.format === 'eml') return { filename: /\.eml$/i.test(a.name) ? a.name : `${a.name}.eml`, contentType: 'message/rfc822', bytes: utf8(c.content) };
    if (c.format === 'iCalendar') return { filename: /\.ics$/i.test(a.name) ? a.name : `${a.name}.ics`, contentType: 'text/calendar', bytes: utf8(c.content) };
    return null;
  }

  static trackedInput(e: Envelope, trackingId: string, html: string, placePixel: boolean, pixelPosition: PixelPosition): TrackedEmailInput {
    return { trackingId, subject: e.subject, from: e.from.address, to: list(e.recipients.to), cc: list(e.recipients.cc), bcc: list(e.recipients.bcc), html, placePixel, pixelPosition };
  }

  static loggedInput(s: EmailSnapshot, ids: { internetMessageId: string; trackingId?: string; sentAt: Date }): LoggedEmailInput {
    const input: LoggedEmailInput = {
      subject: s.subject,
      // A plain-text mail still gets a readable HTML copy on the timeline.
      html: s.html || (s.text ? `<pre>${escapeHtml(s.text)}</pre>` : ''),
      text: s.text,
      from: s.from.address,
      to: list(s.recipients.to),
      cc: list(s.recipients.cc),
      bcc: list(s.recipients.bcc),
      sentAt: ids.sentAt.toISOString(),
      internetMessageId: ids.internetMessageId,
    };
    if (ids.trackingId) input.trackingId = ids.trackingId;
    return input;
  }
}
