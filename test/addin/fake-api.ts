// A typed fake of the backend client with switchable behaviour: up, down (unreachable), slow (answers
// after a delay), erroring (500), for the send handler's paths and for component tests.
import { ApiError, type MailbeaconApi } from '../../src/ui/api/client.js';
import type { FilePart } from '../../src/ui/helpers/multipart.js';
import {
  DEFAULT_SETTINGS,
  type Contact,
  type LoggedEmailInput,
  type NotificationItem,
  type Template,
  type TimelineEntry,
  type TrackedEmailInput,
  type TrackedEmailView,
  type UserSettings,
  type MailboxView,
} from '../../src/shared/api.js';

export type Mode = 'up' | 'down' | 'slow' | 'error';

export interface FakeApiState {
  mode: Mode;
  slowMs: number;
  settings: UserSettings;
  /** The connected mailbox, if any. */
  mailbox?: MailboxView | null;
  contacts: Contact[];
  templates: Template[];
  timeline: Record<string, TimelineEntry[]>;
  tracked: TrackedEmailView[];
  notifications: NotificationItem[];
  registered: TrackedEmailInput[];
  logged: Array<{ email: LoggedEmailInput; files: FilePart[] }>;
  selfViews: string[];
  sends: unknown[];
  calls: string[];
}

export function contact(over: Partial<Contact> = {}): Contact {
  return {
    id: 'c-ann',
    email: 'ann@acme.test',
    name: 'Ann Lee',
    properties: { company: 'Acme', firstname: 'Ann' },
    legalBasis: null,
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    lastActivity: { type: 'OPEN', at: new Date(Date.now() - 2 * 86_400_000).toISOString(), summary: 'Opened your email' },
    ...over,
  };
}

export function template(over: Partial<Template> = {}): Template {
  return {
    id: 7,
    name: 'Pricing follow-up',
    subject: 'Pricing for {{ contact.company }}',
    html: '<p>Hi {{ contact.firstname | default: "there" }}, your order {{ custom.order_id }}.</p>',
    text: null,
    subscriptionType: 'TRANSACTIONAL',
    sendMethod: 'API',
    state: 'PUBLISHED',
    hasUnpublishedChanges: false,
    publishedAt: '2026-11-01T00:00:00Z',
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    ...over,
  };
}

export function fakeApi(over: Partial<FakeApiState> = {}): MailbeaconApi & { state: FakeApiState } {
  const state: FakeApiState = {
    mode: 'up',
    slowMs: 10_000,
    settings: structuredClone(DEFAULT_SETTINGS),
    contacts: [],
    templates: [],
    timeline: {},
    tracked: [],
    notifications: [],
    registered: [],
    logged: [],
    selfViews: [],
    sends: [],
    calls: [],
    ...over,
  };
  async function answer<T>(name: string, fn: () => T): Promise<T> {
    state.calls.push(name);
    if (state.mode === 'down') throw new ApiError('The server cannot be reached.', 'offline');
    if (state.mode === 'error') throw new ApiError('Internal error', 'http', 500);
    if (state.mode === 'slow') await new Promise((r) => setTimeout(r, state.slowMs));
    else await Promise.resolve();
    return fn();
  }
  const api: MailbeaconApi & { state: FakeApiState } = {
    state,
    backendUrl: 'https://mb.example.test',
    me: () => answer('me', () => ({ user: { id: 'u1', email: 'me@mailbeacon.test', name: 'Me', createdAt: '2026-01-01T00:00:00Z' }, account: { id: 'a1', name: 'default' } })),
    getSettings: () => answer('getSettings', () => structuredClone(state.settings)),
    getMailbox: () => answer('getMailbox', () => (state.mailbox ? structuredClone(state.mailbox) : null)),
    connectMailbox: (input) =>
      answer('connectMailbox', () => {
        if (input.password === 'wrong') throw new ApiError('The mail server did not let us in: Authentication failed.', 'http', 422);
        state.mailbox = { host: input.host, port: input.port, security: input.security, username: input.username, status: 'CONNECTING', sentFolder: 'Sent', inboxFolder: 'INBOX' };
        return structuredClone(state.mailbox);
      }),
    disconnectMailbox: () =>
      answer('disconnectMailbox', () => {
        state.mailbox = null;
      }),
    updateSettings: (u) =>
      answer('updateSettings', () => {
        state.settings = { ...state.settings, ...u, notifications: { ...state.settings.notifications, ...u.notifications }, channels: { ...state.settings.channels, ...u.channels } };
        return structuredClone(state.settings);
      }),
    findContact: (email) => answer('findContact', () => state.contacts.find((c) => c.email === email.toLowerCase()) ?? null),
    timeline: (id, after) =>
      answer('timeline', () => {
        const all = state.timeline[id] ?? [];
        const start = after ? Number(after) : 0;
        const results = all.slice(start, start + 2);
        return { results, paging: start + 2 < all.length ? { next: { after: String(start + 2) } } : undefined };
      }),
    listTemplates: () => answer('listTemplates', () => state.templates),
    previewTemplate: (id, input) =>
      answer('previewTemplate', () => {
        const t = state.templates.find((x) => x.id === id)!;
        const fill = (s: string) =>
          s.replace(/\{\{\s*(contact|custom)\.(\w+)[^}]*\}\}/g, (_, scope: string, name: string) =>
            String((scope === 'contact' ? input.contactProperties : input.customProperties)?.[name] ?? ''),
          );
        return { subject: fill(t.subject), html: fill(t.html), text: '', missing: input.customProperties?.order_id ? [] : ['custom.order_id'], tokens: ['custom.order_id'] };
      }),
    singleSend: (input) =>
      answer('singleSend', () => {
        state.sends.push(input);
        return { statusId: 's1', status: 'PENDING' as const, requestedAt: new Date().toISOString() };
      }),
    registerTracked: (input) =>
      answer('registerTracked', () => {
        state.registered.push(input);
        const tracked = (input.html.match(/href="https?:/g) ?? []).length;
        const html = input.html.replace(/href="(https?:[^"]+)"/g, (_, u: string) => `href="https://mb.example.test/t/c/${encodeURIComponent(u)}"`);
        const pixelHtml = `<img src="https://mb.example.test/t/o/${input.trackingId}.gif" width="1" height="1" alt="">`;
        return {
          id: `te-${input.trackingId}`,
          html: input.placePixel === false ? html : html.replace('</body>', `${pixelHtml}</body>`),
          pixelUrl: `https://mb.example.test/t/o/${input.trackingId}.gif`,
          pixelHtml,
          links: { tracked, skipped: [] },
          sharedPixel: input.to.length + input.cc.length + input.bcc.length > 1,
        };
      }),
    getTracked: (id) => answer('getTracked', () => state.tracked.find((t) => t.id === id || t.id === `te-${id}`) ?? null),
    findTrackedByMessageId: (imid) => answer('findTrackedByMessageId', () => state.tracked.find((t) => t.internetMessageId === imid) ?? null),
    reportSelfView: (id) => answer('reportSelfView', () => void state.selfViews.push(id)),
    logEmail: (email, files) =>
      answer('logEmail', () => {
        state.logged.push({ email, files });
        return {
          id: 'l1',
          duplicate: false,
          contacts: email.to.map((a, i) => ({ id: `c${i}`, email: a, name: a === 'ann@acme.test' ? 'Ann Lee' : null, created: true })),
          skipped: [],
          attachments: [],
        };
      }),
    notifications: () => answer('notifications', () => state.notifications),
    streamUrl: () => 'https://mb.example.test/api/v1/notifications/stream?access_token=t',
    pushKey: () => answer('pushKey', () => ({ publicKey: 'BKey' })),
    subscribePush: () => answer('subscribePush', () => undefined),
    revokeOwnToken: () => answer('revokeOwnToken', () => undefined),
  };
  return api;
}
