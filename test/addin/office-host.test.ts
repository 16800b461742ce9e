// @vitest-environment jsdom
// The Office.js wrapper itself, against a scripted `Office` global: callbacks become promises,
// failures become rejections, compose and read items answer the same interface.
import { describe, expect, it, vi } from 'vitest';
import { createOfficeHost, OfficeCallError } from '../../src/addin/office/office-host.js';

type Cb = (r: { status: string; value?: unknown; error?: { message: string; code: number } }) => void;
const ok = (value?: unknown) => ({ status: 'succeeded', value });
const lastCb = (args: unknown[]) => args[args.length - 1] as Cb;
/** A callback-style method answering `value`. */
const answers = (value?: unknown) => vi.fn((...args: unknown[]) => lastCb(args)(ok(value)));

function fakeOffice(item: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const store = new Map<string, unknown>();
  const handlers: Array<[string, () => void]> = [];
  const associated = new Map<string, (e: unknown) => unknown>();
  const office = {
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    CoercionType: { Html: 'html', Text: 'text' },
    EventType: { ItemChanged: 'olkItemSelectedChanged', OfficeThemeChanged: 'officeThemeChanged' },
    MailboxEnums: { ItemNotificationMessageType: { ErrorMessage: 'errorMessage', InformationalMessage: 'informationalMessage' } },
    context: {
      mailbox: {
        item,
        userProfile: { emailAddress: 'me@mailbeacon.test', displayName: 'Me' },
        addHandlerAsync: vi.fn((type: string, h: () => void, cb: Cb) => {
          handlers.push([type, h]);
          cb(ok());
        }),
      },
      roamingSettings: {
        get: (k: string) => store.get(k),
        set: (k: string, v: unknown) => store.set(k, v),
        remove: (k: string) => store.delete(k),
        saveAsync: answers(),
      },
      requirements: { isSetSupported: (name: string, v: string) => name === 'Mailbox' && Number(v.split('.')[1]) <= 14 },
      ui: { openBrowserWindow: vi.fn() },
      officeTheme: { bodyBackgroundColor: '#1f1f1f' },
      ...extra,
    },
    actions: { associate: (name: string, fn: (e: unknown) => unknown) => associated.set(name, fn) },
  };
  return { office: office as unknown as typeof Office, store, handlers, associated };
}

function composeItem() {
  const headers: Record<string, string> = {};
  return {
    subject: { getAsync: answers('Hello'), setAsync: answers() },
    from: { getAsync: answers({ emailAddress: 'shared@acme.test', displayName: 'Shared' }) },
    to: { getAsync: answers([{ emailAddress: 'ann@acme.test', displayName: 'Ann' }]) },
    cc: { getAsync: answers([]) },
    bcc: { getAsync: answers([{ emailAddress: 'b@x.test', displayName: '' }]) },
    body: {
      getTypeAsync: answers('html'),
      getAsync: vi.fn((type: string, cb: Cb) => cb(ok(`<p>${type}</p>`))),
      setAsync: answers(),
      setSelectedDataAsync: answers(),
      appendOnSendAsync: answers(),
      prependOnSendAsync: answers(),
    },
    sessionData: { getAllAsync: answers({ k: 'v' }), setAsync: answers() },
    internetHeaders: {
      getAsync: vi.fn((names: string[], cb: Cb) => cb(ok(Object.fromEntries(names.filter((n) => n in headers).map((n) => [n, headers[n]]))))),
      setAsync: vi.fn((h: Record<string, string>, cb: Cb) => {
        Object.assign(headers, h);
        cb(ok());
      }),
    },
    getAttachmentsAsync: answers([{ id: 'x', name: 'a.pdf', contentType: 'application/pdf', size: 3, attachmentType: 'file', isInline: false }]),
    getAttachmentContentAsync: answers({ format: 'base64', content: 'AAAA' }),
    loadCustomPropertiesAsync: answers({ get: () => undefined, set: vi.fn(), saveAsync: answers() }),
    notificationMessages: { replaceAsync: answers() },
  };
}

function readItem() {
  return {
    displayReplyForm: () => undefined,
    subject: 'Re: Hello',
    from: { emailAddress: 'ann@acme.test', displayName: 'Ann' },
    to: [{ emailAddress: 'me@mailbeacon.test', displayName: 'Me' }],
    cc: [],
    internetMessageId: '<m1@acme.test>',
    dateTimeCreated: new Date('2026-11-20T10:00:00Z'),
    attachments: [{ id: 'y', name: 'inline.png', contentType: 'image/png', size: 1, attachmentType: 'file', isInline: true }],
    body: { getAsync: vi.fn((type: string, cb: Cb) => cb(ok('<p>read</p>'))) },
    getAllInternetHeadersAsync: answers('Received: from x\r\nX-Mailbeacon-Tracking-Id:\r\n  abc-123\r\nSubject: Re: Hello\r\n'),
    getAttachmentContentAsync: answers({ format: 'base64', content: 'AA' }),
    loadCustomPropertiesAsync: answers({ get: () => undefined }),
  };
}

describe('the Office wrapper on a compose item', () => {
  it('reads the envelope, body and attachments as promises', async () => {
    const { office } = fakeOffice(composeItem());
    const host = createOfficeHost(office);
    expect(host.itemKind()).toBe('compose');
    expect(await host.getSubject()).toBe('Hello');
    expect(await host.getFrom()).toEqual({ address: 'shared@acme.test', name: 'Shared' });
    expect(await host.getRecipients()).toEqual({ to: [{ address: 'ann@acme.test', name: 'Ann' }], cc: [], bcc: [{ address: 'b@x.test', name: '' }] });
    expect(await host.getBodyType()).toBe('html');
    expect(await host.getBody('html')).toBe('<p>html</p>');
    expect(await host.getAttachments()).toEqual([{ id: 'x', name: 'a.pdf', contentType: 'application/pdf', size: 3, isInline: false, kind: 'file' }]);
    expect(await host.getAttachmentContent('x')).toEqual({ format: 'base64', content: 'AAAA' });
    expect(await host.getSessionData('k')).toBe('v');
    expect(await host.getSessionData('missing')).toBeNull();
    expect(host.internetMessageId()).toBeNull();
  });

  it('writes HTML with the Html coercion and clears append-on-send with null', async () => {
    const item = composeItem();
    const host = createOfficeHost(fakeOffice(item).office);
    await host.setBody('<p>x</p>');
    await host.insertHtml('<b>t</b>');
    await host.appendOnSend('<img>');
    await host.appendOnSend(null);
    expect(item.body.setAsync.mock.calls[0].slice(0, 2)).toEqual(['<p>x</p>', { coercionType: 'html' }]);
    expect(item.body.setSelectedDataAsync.mock.calls[0].slice(0, 2)).toEqual(['<b>t</b>', { coercionType: 'html' }]);
    expect(item.body.appendOnSendAsync.mock.calls[0].slice(0, 2)).toEqual(['<img>', { coercionType: 'html' }]);
    expect(item.body.appendOnSendAsync.mock.calls[1][0]).toBeNull();
    await host.setInternetHeader('X-Mailbeacon-Tracking-Id', 't1');
    expect(await host.getInternetHeader('X-Mailbeacon-Tracking-Id')).toBe('t1');
  });

  it('turns a failed async result into a rejection with Office\'s code', async () => {
    const item = composeItem();
    item.body.setAsync = vi.fn((...args: unknown[]) => lastCb(args)({ status: 'failed', error: { message: 'Body too long', code: 9020 } }));
    const host = createOfficeHost(fakeOffice(item).office);
    const err = await host.setBody('x').catch((e) => e);
    expect(err).toBeInstanceOf(OfficeCallError);
    expect(err).toMatchObject({ message: 'Body too long', code: 9020 });
  });

  it('shows an error notification and an informational one with the manifest icon', async () => {
    const item = composeItem();
    const host = createOfficeHost(fakeOffice(item).office);
    await host.notify('k', 'Down', 'error');
    await host.notify('k', 'FYI', 'info');
    expect(item.notificationMessages.replaceAsync.mock.calls.map((c) => c.slice(0, 2))).toEqual([
      ['k', { type: 'errorMessage', message: 'Down' }],
      ['k', { type: 'informationalMessage', message: 'FYI', icon: 'Icon.16', persistent: false }],
    ]);
  });
});

describe('the Office wrapper on a read item', () => {
  it('reads properties directly and parses a folded internet header', async () => {
    const host = createOfficeHost(fakeOffice(readItem()).office);
    expect(host.itemKind()).toBe('read');
    expect(await host.getSubject()).toBe('Re: Hello');
    expect(await host.getFrom()).toEqual({ address: 'ann@acme.test', name: 'Ann' });
    expect((await host.getRecipients()).to).toEqual([{ address: 'me@mailbeacon.test', name: 'Me' }]);
    expect(await host.getBodyType()).toBe('html');
    expect(await host.getInternetHeader('x-mailbeacon-tracking-id')).toBe('abc-123');
    expect(await host.getInternetHeader('X-Missing')).toBeNull();
    expect(host.internetMessageId()).toBe('<m1@acme.test>');
    expect(host.createdAt()?.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect((await host.getAttachments())[0]).toMatchObject({ isInline: true, kind: 'file' });
  });
});

describe('the Office wrapper around the mailbox', () => {
  it('keeps roaming settings and saves them to the mailbox', async () => {
    const { office, store } = fakeOffice(composeItem());
    const host = createOfficeHost(office);
    await host.setRoaming('mailbeacon', { a: 1 });
    expect(host.getRoaming('mailbeacon')).toEqual({ a: 1 });
    await host.setRoaming('mailbeacon', null);
    expect(store.has('mailbeacon')).toBe(false);
    expect(host.getRoaming('mailbeacon')).toBeNull();
    expect(office.context.roamingSettings.saveAsync).toHaveBeenCalledTimes(2);
  });

  it('reads the theme, registers item and theme handlers, and opens a browser window when supported', async () => {
    const { office, handlers } = fakeOffice(composeItem());
    const host = createOfficeHost(office);
    expect(host.themeBackground()).toBe('#1f1f1f');
    await host.onItemChanged(() => undefined);
    await host.onThemeChanged(() => undefined);
    expect(handlers.map((h) => h[0])).toEqual(['olkItemSelectedChanged', 'officeThemeChanged']);
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    host.openBrowserWindow('https://mb.test/notifications');
    expect(open).toHaveBeenCalledWith('https://mb.test/notifications', '_blank', 'noopener');
    expect(office.context.ui.openBrowserWindow).not.toHaveBeenCalled();
  });

  it('associates event handlers and completes Outlook\'s event through them', () => {
    const { office, associated } = fakeOffice(composeItem());
    const host = createOfficeHost(office);
    const completed = vi.fn();
    host.associate('onMessageSend', (e) => e.complete({ allowEvent: true }));
    associated.get('onMessageSend')!({ completed });
    expect(completed).toHaveBeenCalledWith({ allowEvent: true });
  });
});
