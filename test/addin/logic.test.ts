// Pure logic of the add-in: words, classification, bytes, multipart, feed.
import { describe, expect, it } from 'vitest';
import { fromBase64, utf8 } from '../../src/ui/helpers/bytes.js';
import { filterFeed, mergeFeed } from '../../src/ui/helpers/feed.js';
import { htmlToText } from '../../src/shared/html-text.js';
import { newTrackingId, syntheticMessageId } from '../../src/addin/helpers/ids.js';
import { eventLine, feedLine, loggedTo, timelineLine, trackedHeadline, VERDICT_LABEL } from '../../src/ui/helpers/labels.js';
import { encodeMultipart } from '../../src/ui/helpers/multipart.js';
import { classifyRecipient, recipientStatus, uniqueRecipients } from '../../src/addin/helpers/recipients.js';
import { onNeverLogList as isNeverLog } from '../../src/shared/addresses.js';
import { relativeTime } from '../../src/ui/helpers/relative-time.js';
import { effectiveSettings } from '../../src/addin/models/session.js';
import { trackingSummary } from '../../src/addin/helpers/summary.js';
import { contactProperties, searchTemplates, templateFields } from '../../src/addin/helpers/template-fields.js';
import { isDarkBackground } from '../../src/addin/helpers/theme.js';
import { ipProblem, neverLogProblem } from '../../src/ui/helpers/settings-checks.js';
import type { NotificationItem } from '../../src/shared/api.js';
import { contact, template } from './fake-api.js';

describe('tracking summary', () => {
  it('counts tracked links and typed URLs left alone, as docs/product.md §7 words it', () => {
    const links = { tracked: 4, skipped: [{ url: 'https://acme.test', reason: 'TYPED_URL' as const }, { url: 'mailto:a@b.c', reason: 'NOT_HTTP' as const }] };
    expect(trackingSummary({ track: true, bodyType: 'html', links, recipientCount: 1 })).toEqual(['4 links will be tracked · 1 typed URL left as is']);
  });
  it('warns that several recipients share one pixel', () => {
    const lines = trackingSummary({ track: true, bodyType: 'html', links: { tracked: 1, skipped: [] }, recipientCount: 3 });
    expect(lines).toEqual(['1 link will be tracked', 'Several recipients — opens will show as Someone.']);
  });
  it('says plainly when nothing will be tracked', () => {
    expect(trackingSummary({ track: false, bodyType: 'html', links: null, recipientCount: 2 })[0]).toMatch(/Not tracked/);
    expect(trackingSummary({ track: true, bodyType: 'text', links: null, recipientCount: 1 })[0]).toMatch(/Plain-text/);
  });
});

describe('relative time', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  it.each([
    ['2026-11-22T11:59:40Z', 'just now'],
    ['2026-11-22T11:57:00Z', '3 min ago'],
    ['2026-11-22T11:00:00Z', '1 hour ago'],
    ['2026-11-22T07:00:00Z', '5 hours ago'],
    ['2026-11-21T10:00:00Z', 'yesterday'],
    ['2026-11-20T12:00:00Z', '2 days ago'],
    ['2026-10-01T12:00:00Z', 'Oct 1'],
    ['2025-10-01T12:00:00Z', 'Oct 1, 2025'],
  ])('%s → %s', (at, words) => expect(relativeTime(at, now)).toBe(words));
});

describe('recipients', () => {
  const opts = { neverLog: ['partner.test', 'bob@acme.test'], userAddress: 'me@mailbeacon.test' };
  it('puts the never-log list first, then the user\'s own domain', () => {
    expect(classifyRecipient('bob@acme.test', opts)).toBe('never-log');
    expect(classifyRecipient('x@mail.partner.test', opts)).toBe('never-log');
    expect(classifyRecipient('colleague@mailbeacon.test', opts)).toBe('internal');
    expect(classifyRecipient('ann@acme.test', opts)).toBe('external');
    expect(isNeverLog('ann@notpartner.test', opts.neverLog)).toBe(false);
    expect(isNeverLog('Ann@Partner.Test', ['@partner.test'])).toBe(true);
  });
  it('describes each recipient', () => {
    const now = new Date();
    expect(recipientStatus('never-log', null)).toBe('Not logged (never-log list)');
    expect(recipientStatus('internal', null)).toBe('Internal — not logged');
    expect(recipientStatus('external', null)).toBe('New contact will be created');
    expect(recipientStatus('external', contact(), now)).toBe('Opened your email 2 days ago');
  });
  it('deduplicates across To, Cc and Bcc', () => {
    const a = { address: 'A@x.test', name: 'A' };
    expect(uniqueRecipients([a], [{ address: 'a@x.test', name: '' }, { address: 'b@x.test', name: '' }], [{ address: '', name: 'empty' }])).toHaveLength(2);
  });
});

describe('labels', () => {
  it('headlines tracked mail', () => {
    expect(trackedHeadline({ opens: 3, clicks: 1 })).toBe('Tracked · opened 3 times · clicked 1 link');
    expect(trackedHeadline({ opens: 1, clicks: 0 })).toBe('Tracked · opened once');
    expect(trackedHeadline({ opens: 0, clicks: 0 })).toBe('Tracked · not opened yet');
  });
  it('words the feed as docs/product.md §7 does', () => {
    expect(feedLine({ type: 'OPEN', who: 'Ann Lee', subject: 'Pricing for Acme' })).toEqual({ lead: 'Ann Lee opened', subject: 'Pricing for Acme' });
    expect(feedLine({ type: 'CLICK', who: '', url: 'https://acme.test/pricing/', subject: 'Renewal' })).toEqual({ lead: 'Someone clicked acme.test/pricing in', subject: 'Renewal' });
  });
  it('labels every verdict, marking the ones not counted', () => {
    expect(VERDICT_LABEL.SELF).toBe('You — not counted');
    expect(VERDICT_LABEL.PRIVACY_PREFETCH).toBe('Apple privacy — not counted');
    expect(eventLine({ id: 'e', type: 'OPEN', at: '', who: 'Ann', verdict: 'HUMAN', counted: true, reasons: [], inferred: true })).toBe('Ann opened (inferred from a click)');
  });
  it('says where a copy was logged', () => {
    expect(loggedTo([{ name: 'Ann Lee', email: 'ann@acme.test' }, { name: null, email: 'b@x.test' }, { name: null, email: 'c@x.test' }])).toBe('Logged to Ann Lee and 2 others');
    expect(loggedTo([{ name: null, email: 'b@x.test' }])).toBe('Logged to b@x.test');
    expect(timelineLine({ id: '1', type: 'CLICK', at: '', subject: 'Renewal', engagement: { url: 'https://acme.test/x', verdict: 'HUMAN', counted: true, inferred: false } })).toBe('Clicked acme.test/x in Renewal');
  });
});

describe('templates', () => {
  it('finds the custom fields a template uses, with their defaults', () => {
    const t = { subject: 'Order {{ custom.order_id }}', html: '{{custom.order_id}} {{ custom.eta | default: "soon" }} {{ contact.firstname }}' };
    expect(templateFields(t, 'custom')).toEqual([
      { name: 'order_id', fallback: null },
      { name: 'eta', fallback: 'soon' },
    ]);
    expect(templateFields(t, 'contact').map((f) => f.name)).toEqual(['firstname']);
  });
  it('fills contact properties from the contact, or from the address and name', () => {
    expect(contactProperties(null, { address: 'bo@x.test', name: 'Bo Ek Lund' })).toEqual({ email: 'bo@x.test', firstname: 'Bo', lastname: 'Ek Lund' });
    expect(contactProperties(contact(), { address: 'ann@acme.test', name: '' })).toMatchObject({ email: 'ann@acme.test', firstname: 'Ann', company: 'Acme' });
  });
  it('searches published templates only', () => {
    const list = [template(), template({ id: 8, name: 'Draft', state: 'DRAFT' }), template({ id: 9, name: 'Renewal', subject: 'Your renewal' })];
    expect(searchTemplates(list, '').map((t) => t.id)).toEqual([7, 9]);
    expect(searchTemplates(list, 'renewal your').map((t) => t.id)).toEqual([9]);
  });
});

describe('small helpers', () => {
  it('tells dark Outlook themes from light ones', () => {
    expect(isDarkBackground('#1f1f1f')).toBe(true);
    expect(isDarkBackground('#FFFFFF')).toBe(false);
    expect(isDarkBackground('#333')).toBe(true);
    expect(isDarkBackground(null)).toBe(false);
  });
  it('turns HTML into readable text', () => {
    expect(htmlToText('<html><head><style>p{}</style></head><body><p>Hi&nbsp;Ann &amp; co,</p><p>see<br>this &#8212; ok</p></body></html>')).toBe('Hi Ann & co,\nsee\nthis — ok');
  });
  it('makes v4 UUIDs and the synthetic Message-ID', () => {
    const id = newTrackingId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(syntheticMessageId(id)).toBe(`<${id}@mailbeacon>`);
  });
  it('encodes UTF-8 and decodes base64 without platform helpers', () => {
    for (const s of ['plain', 'Grüße — 東京 😀']) expect(Buffer.from(utf8(s)).toString('utf8')).toBe(s);
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    expect(Buffer.from(fromBase64(bytes.toString('base64'))).equals(bytes)).toBe(true);
    expect(Buffer.from(fromBase64(bytes.toString('base64url'))).equals(bytes)).toBe(true);
    expect(Buffer.from(fromBase64('aGVs\r\nbG8=')).toString()).toBe('hello');
  });
  it('builds multipart/form-data with a JSON field and binary files', () => {
    const file = Uint8Array.from([0, 255, 13, 10, 45, 45]);
    const { body, contentType } = encodeMultipart([{ name: 'email', value: '{"subject":"Grüße"}', contentType: 'application/json' }], [{ filename: 'q"1".pdf', contentType: 'application/pdf', bytes: file }], 'attachments', 'BOUNDARY');
    expect(contentType).toBe('multipart/form-data; boundary=BOUNDARY');
    const text = Buffer.from(body).toString('latin1');
    expect(Buffer.from(body).toString('utf8')).toContain('Content-Disposition: form-data; name="email"\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{"subject":"Grüße"}\r\n');
    expect(text).toContain('name="attachments"; filename="q%221%22.pdf"\r\nContent-Type: application/pdf\r\n\r\n');
    const start = Buffer.from(body).indexOf(Buffer.from('application/pdf\r\n\r\n')) + 'application/pdf\r\n\r\n'.length;
    expect(Buffer.from(body).subarray(start, start + file.length).equals(Buffer.from(file))).toBe(true);
    expect(text.endsWith('--BOUNDARY--\r\n')).toBe(true);
  });
  it('merges history and live events by id, newest first, and filters them', () => {
    const n = (id: string, at: string, type: 'OPEN' | 'CLICK' = 'OPEN'): NotificationItem => ({ id, type, who: 'Ann', subject: 's', at, emailId: 'e', read: false });
    const merged = mergeFeed([n('1', '2026-01-01T00:00:00Z')], [n('2', '2026-01-02T00:00:00Z', 'CLICK'), n('1', '2026-01-01T00:00:00Z')]);
    expect(merged.map((x) => x.id)).toEqual(['2', '1']);
    expect(filterFeed(merged, { opens: false, clicks: true }).map((x) => x.id)).toEqual(['2']);
  });
  it('validates the settings lists', () => {
    expect(neverLogProblem('acme.com')).toBeNull();
    expect(neverLogProblem('ann@acme.com')).toBeNull();
    expect(neverLogProblem('not a domain')).toMatch(/address/);
    expect(ipProblem('203.0.113.0/24')).toBeNull();
    expect(ipProblem('2001:db8::1')).toBeNull();
    expect(ipProblem('300.1.1.1')).toMatch(/IP/);
  });
  it('fills settings a cache does not have yet from the defaults', () => {
    expect(effectiveSettings({ defaultLog: false } as never)).toMatchObject({ defaultLog: false, defaultTrack: true, notifications: { opens: true } });
  });
});
