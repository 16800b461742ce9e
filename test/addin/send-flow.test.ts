// OnMessageSend through the typed fake: exactly one `allowEvent: true` on every path (backend up,
// down, slow, erroring, Office failing), links rewritten only when tracked, log copies with attachments.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type UserSettings } from '../../src/shared/api.js';
import { STATE_KEY, type ComposeState } from '../../src/addin/models/item-state.js';
import { failureNotice, handleSend, NOTICE_KEY } from '../../src/addin/flows/send-flow.js';
import { FakeHost, composeItem, fakeEvent, type FakeAttachment } from './fake-host.js';
import { fakeApi, type Mode } from './fake-api.js';

const settings = (over: Partial<UserSettings> = {}): UserSettings => ({ ...DEFAULT_SETTINGS, ...over });
const TID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function hostWith(state: Partial<ComposeState> | null, attachments: FakeAttachment[] = []) {
  const host = new FakeHost(composeItem({ attachments }));
  if (state) host.sessionData.set(STATE_KEY, JSON.stringify({ log: true, track: true, trackingId: TID, pixel: 'append', ...state }));
  return host;
}

const pdf: FakeAttachment = { id: 'a1', name: 'quote.pdf', contentType: 'application/pdf', size: 5, isInline: false, kind: 'file', content: { format: 'base64', content: Buffer.from('%PDF-').toString('base64') } };
const logo: FakeAttachment = { id: 'a2', name: 'logo.png', contentType: 'image/png', size: 3, isInline: true, kind: 'file', content: { format: 'base64', content: 'AAAA' } };
const cloud: FakeAttachment = { id: 'a3', name: 'deck', contentType: '', size: 0, isInline: false, kind: 'cloud', content: { format: 'url', content: 'https://share.test/deck' } };
const mail: FakeAttachment = { id: 'a4', name: 'Fwd thread', contentType: '', size: 10, isInline: false, kind: 'item', content: { format: 'eml', content: 'Subject: hi\r\n\r\nbody' } };

describe('the send handler completes exactly once', () => {
  it.each<[Mode, string | null]>([
    ['up', null],
    ['down', "Mailbeacon couldn't reach the server: this email was sent untracked and unlogged."],
    ['error', "Mailbeacon couldn't reach the server: this email was sent untracked and unlogged."],
    ['slow', "Mailbeacon couldn't reach the server: this email was sent untracked and unlogged."],
  ])('backend %s', async (mode, notice) => {
    const host = hostWith({});
    const api = fakeApi({ mode, slowMs: 5_000 });
    const { event, completions } = fakeEvent();
    const started = Date.now();
    await handleSend({ host, api, settings: settings(), deadlineMs: 300 }, event);
    expect(completions).toEqual([{ allowEvent: true }]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(host.notices.map((n) => n.message)).toEqual(notice ? [notice] : []);
    if (notice) expect(host.notices[0]).toMatchObject({ key: NOTICE_KEY, kind: 'error' });
    // Give late steps time to run: they must not complete twice or touch the mail.
    await new Promise((r) => setTimeout(r, 50));
    expect(completions).toHaveLength(1);
    if (mode !== 'up') expect(host.callsTo('setBody')).toEqual([]);
  });

  it('when nobody is signed in, lets the mail go without a word', async () => {
    const { event, completions } = fakeEvent();
    const host = hostWith({});
    await handleSend({ host, api: null, settings: settings() }, event);
    expect(completions).toEqual([{ allowEvent: true }]);
    expect(host.notices).toEqual([]);
  });

  it('with Log and Track off does nothing but allow', async () => {
    const api = fakeApi();
    const { event, completions } = fakeEvent();
    await handleSend({ host: hostWith({ log: false, track: false }), api, settings: settings() }, event);
    expect(completions).toEqual([{ allowEvent: true }]);
    expect(api.state.calls).toEqual([]);
  });

  it('when Office itself fails to read the item, still allows and says so', async () => {
    const host = hostWith({});
    host.failing.add('getBody');
    const { event, completions } = fakeEvent();
    const outcome = await handleSend({ host, api: fakeApi(), settings: settings() }, event);
    expect(completions).toEqual([{ allowEvent: true }]);
    expect(outcome).toEqual({ track: 'failed', log: 'failed' });
  });

  it('when the notification itself hangs, still allows within the budget', async () => {
    const host = hostWith({});
    host.notify = () => new Promise(() => undefined);
    const { event, completions } = fakeEvent();
    const started = Date.now();
    await handleSend({ host, api: fakeApi({ mode: 'down' }), settings: settings(), deadlineMs: 200 }, event);
    expect(completions).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('when the item state is unreadable, uses the defaults', async () => {
    const host = hostWith(null);
    const api = fakeApi();
    const { event, completions } = fakeEvent();
    const outcome = await handleSend({ host, api, settings: settings({ defaultTrack: false }) }, event);
    expect(completions).toHaveLength(1);
    expect(outcome).toEqual({ track: 'skipped', log: 'done' });
  });
});

describe('Track on send', () => {
  it('rewrites links through the backend with the compose-time tracking id, pixel already placed', async () => {
    const host = hostWith({ log: false });
    const api = fakeApi();
    const { event } = fakeEvent();
    const outcome = await handleSend({ host, api, settings: settings() }, event);
    expect(outcome).toEqual({ track: 'done', log: 'skipped' });
    expect(api.state.registered).toHaveLength(1);
    expect(api.state.registered[0]).toMatchObject({ trackingId: TID, placePixel: false, to: ['ann@acme.test'], subject: 'Pricing for Acme' });
    expect(api.state.registered[0].html).toContain('href="https://acme.test/pricing"');
    expect(host.item.body).toContain('href="https://mb.example.test/t/c/');
    expect(host.item.body).not.toContain('/t/o/');
  });

  it('leaves a body without trackable links untouched', async () => {
    const host = hostWith({ log: false });
    host.item.body = '<html><body><p>No links</p></body></html>';
    await handleSend({ host, api: fakeApi(), settings: settings() }, fakeEvent().event);
    expect(host.callsTo('setBody')).toEqual([]);
  });

  it('places the pixel in the body when compose could not (backend was down then)', async () => {
    const host = hostWith({ log: false, pixel: null });
    host.item.body = '<html><body><p>No links</p></body></html>';
    const api = fakeApi();
    await handleSend({ host, api, settings: settings() }, fakeEvent().event);
    expect(api.state.registered[0].placePixel).toBe(true);
    expect(host.item.body).toContain(`/t/o/${TID}.gif`);
  });

  it('does not track plain-text mail', async () => {
    const host = hostWith({ log: false });
    host.item.bodyType = 'text';
    host.item.body = 'Hi https://acme.test';
    const api = fakeApi();
    expect(await handleSend({ host, api, settings: settings() }, fakeEvent().event)).toEqual({ track: 'skipped', log: 'skipped' });
    expect(api.state.registered).toEqual([]);
  });
});

describe('Log on send', () => {
  it('posts the copy with its attached files (not inline images or cloud links) and the synthetic Message-ID', async () => {
    const host = hostWith({ track: false }, [pdf, logo, cloud, mail]);
    host.item.recipients.cc = [{ address: 'bob@acme.test', name: 'Bob' }];
    const api = fakeApi();
    const now = new Date('2026-11-22T09:30:00Z');
    const outcome = await handleSend({ host, api, settings: settings(), now: () => now }, fakeEvent().event);
    expect(outcome).toEqual({ track: 'skipped', log: 'done' });
    const [{ email, files }] = api.state.logged;
    expect(email).toEqual({
      subject: 'Pricing for Acme',
      html: host.item.body,
      text: 'Hi Ann, see pricing.',
      from: 'me@mailbeacon.test',
      to: ['ann@acme.test'],
      cc: ['bob@acme.test'],
      bcc: [],
      sentAt: '2026-11-22T09:30:00.000Z',
      internetMessageId: `<${TID}@mailbeacon>`,
      trackingId: TID,
    });
    expect(files.map((f) => [f.filename, f.contentType, Buffer.from(f.bytes).toString()])).toEqual([
      ['quote.pdf', 'application/pdf', '%PDF-'],
      ['Fwd thread.eml', 'message/rfc822', 'Subject: hi\r\n\r\nbody'],
    ]);
  });

  it('logs the original body while Track rewrites the outgoing one', async () => {
    const host = hostWith({});
    const original = host.item.body;
    const api = fakeApi();
    expect(await handleSend({ host, api, settings: settings() }, fakeEvent().event)).toEqual({ track: 'done', log: 'done' });
    expect(api.state.logged[0].email.html).toBe(original);
    expect(host.item.body).not.toBe(original);
  });

  it('a plain-text mail is logged with a readable HTML copy', async () => {
    const host = hostWith({ track: false });
    host.item.bodyType = 'text';
    host.item.body = 'Hi <Ann>';
    const api = fakeApi();
    await handleSend({ host, api, settings: settings() }, fakeEvent().event);
    expect(api.state.logged[0].email).toMatchObject({ html: '<pre>Hi &lt;Ann&gt;</pre>', text: 'Hi <Ann>' });
  });
});

describe('failure notices', () => {
  it('name what was lost', () => {
    expect(failureNotice({ track: 'failed', log: 'skipped' })).toBe("Mailbeacon couldn't reach the server: this email was sent untracked.");
    expect(failureNotice({ track: 'done', log: 'failed' })).toBe("Mailbeacon couldn't reach the server: this email was sent but not logged.");
    expect(failureNotice({ track: 'done', log: 'done' })).toBeNull();
  });
});
