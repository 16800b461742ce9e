// @vitest-environment jsdom
// The task pane while reading (tracked status, self-view, Log this email, timeline), the Activity tab
// (live feed, filters, desktop notifications), Settings (saved on change), theme and pinned panes.
import './setup-dom.js';
import { describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { webDarkTheme } from '@fluentui/react-components';
import { SESSION_KEY } from '../../src/addin/models/session.js';
import { TRACKING_HEADER } from '../../src/addin/helpers/ids.js';
import type { NotificationItem, TimelineEntry, TrackedEmailView } from '../../src/shared/api.js';
import { ANN, FakeHost, ME, composeItem, readItem } from './fake-host.js';
import { contact, fakeApi } from './fake-api.js';
import { renderApp, signIn } from './render-app.js';

const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();

function trackedView(over: Partial<TrackedEmailView> = {}): TrackedEmailView {
  return {
    id: 'te-1',
    subject: 'Pricing for Acme',
    recipients: ['ann@acme.test'],
    createdAt: ago(600),
    sentAt: ago(600),
    internetMessageId: '<real-1@mail.acme.test>',
    opens: 3,
    uniqueOpens: 1,
    clicks: 1,
    events: [
      { id: 'e1', type: 'OPEN', at: ago(300), who: 'Ann Lee', verdict: 'HUMAN', counted: true, reasons: ['Desktop browser'], inferred: false },
      { id: 'e2', type: 'OPEN', at: ago(200), who: 'Ann Lee', verdict: 'PRIVACY_PREFETCH', counted: false, reasons: ['Apple Mail Privacy Protection proxy'], inferred: false },
      { id: 'e3', type: 'CLICK', at: ago(100), who: 'Ann Lee', url: 'https://acme.test/pricing', verdict: 'HUMAN', counted: true, reasons: [], inferred: false },
    ],
    ...over,
  };
}

const entry = (id: string, over: Partial<TimelineEntry> = {}): TimelineEntry => ({ id, type: 'OPEN', at: ago(Number(id) * 10), subject: `Mail ${id}`, ...over });

describe('reading', () => {
  it('shows the user\'s own tracked mail with verdict chips and reports the self-view', async () => {
    const host = new FakeHost(readItem({ from: ME, recipients: { to: [ANN], cc: [], bcc: [] }, headers: { [TRACKING_HEADER]: 'tid-1' } }));
    signIn(host);
    const api = fakeApi({ tracked: [trackedView({ id: 'te-tid-1' })], contacts: [contact()] });
    renderApp(host, api);
    expect(await screen.findByRole('heading', { name: 'Tracked · opened 3 times · clicked 1 link' })).toBeTruthy();
    const items = within(screen.getByRole('region', { name: /Tracked/ })).getAllByRole('listitem');
    expect(items[0].textContent).toContain('Ann Lee clicked acme.test/pricing');
    expect(items[1].textContent).toContain('Apple privacy — not counted');
    await waitFor(() => expect(api.state.selfViews).toEqual(['te-tid-1']));
    const chip = within(items[1]).getByRole('button', { name: 'Apple privacy — not counted' });
    await userEvent.setup().click(chip);
    expect(chip.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByText('Apple Mail Privacy Protection proxy')).toBeTruthy();
  });

  it('finds tracked mail by its Message-ID when it carries no header', async () => {
    const host = new FakeHost(readItem({ from: ME }));
    signIn(host);
    const api = fakeApi({ tracked: [trackedView()] });
    renderApp(host, api);
    expect(await screen.findByText('Tracked · opened 3 times · clicked 1 link')).toBeTruthy();
    expect(api.state.calls).toContain('findTrackedByMessageId');
  });

  it('does not look for tracking on mail from someone else, and shows the sender\'s timeline', async () => {
    const host = new FakeHost(readItem({ from: ANN, recipients: { to: [ME], cc: [], bcc: [] } }));
    signIn(host);
    const att = { id: 'f1', filename: 'quote.pdf', contentType: 'application/pdf', size: 2048, url: '/api/v1/attachments/f1' };
    const api = fakeApi({
      contacts: [contact()],
      timeline: { 'c-ann': [entry('1', { type: 'LOGGED_EMAIL', loggedEmail: { id: 'l', from: 'me', to: [], cc: [], attachments: [att], snippet: 'Hi Ann' } }), entry('2'), entry('3', { type: 'CLICK', engagement: { url: 'https://acme.test/a', verdict: 'SCANNER', counted: false, inferred: false } })] },
    });
    renderApp(host, api);
    const timeline = within(await screen.findByRole('region', { name: 'Timeline' }));
    expect(await timeline.findByText('Email logged: Mail 1')).toBeTruthy();
    expect(timeline.getByText(/quote\.pdf · 2 KB/)).toBeTruthy();
    expect(api.state.calls).not.toContain('getTracked');
    expect(api.state.calls).not.toContain('findTrackedByMessageId');
    // Two per page in the fake: the third entry comes with the next page.
    await userEvent.setup().click(await timeline.findByRole('button', { name: 'Load more' }));
    expect(await timeline.findByText('Clicked acme.test/a in Mail 3')).toBeTruthy();
    expect(timeline.getByRole('button', { name: 'Security scanner — not counted' })).toBeTruthy();
  });

  it('logs this email with its attachments and the real Message-ID, then says where it went', async () => {
    const host = new FakeHost(
      readItem({ from: ANN, attachments: [{ id: 'a', name: 'spec.txt', contentType: 'text/plain', size: 2, isInline: false, kind: 'file', content: { format: 'base64', content: Buffer.from('hi').toString('base64') } }] }),
    );
    signIn(host);
    const api = fakeApi();
    api.logEmail = async (email, files) => {
      api.state.logged.push({ email, files });
      return { id: 'l', duplicate: false, contacts: [{ id: 'c', email: 'ann@acme.test', name: 'Ann Lee', created: true }, { id: 'd', email: 'b@x.test', name: null, created: true }, { id: 'e', email: 'c@x.test', name: null, created: false }], skipped: [], attachments: [] };
    };
    renderApp(host, api);
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Log this email' }));
    expect(await screen.findByText('Logged to Ann Lee and 2 others')).toBeTruthy();
    const [{ email, files }] = api.state.logged;
    expect(email).toMatchObject({ internetMessageId: '<real-1@mail.acme.test>', from: 'ann@acme.test', sentAt: '2026-11-20T10:00:00.000Z' });
    expect(email.trackingId).toBeUndefined();
    expect(files.map((f) => [f.filename, Buffer.from(f.bytes).toString()])).toEqual([['spec.txt', 'hi']]);
  });

  it('logs our own tracked mail under the same synthetic Message-ID as its send-time copy', async () => {
    const host = new FakeHost(readItem({ from: ME, headers: { [TRACKING_HEADER]: 'tid-9' } }));
    signIn(host);
    const api = fakeApi();
    renderApp(host, api);
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Log this email' }));
    await screen.findByText(/Logged to/);
    expect(api.state.logged[0].email).toMatchObject({ internetMessageId: '<tid-9@mailbeacon>', trackingId: 'tid-9' });
  });

  it('a pinned pane follows the selected item', async () => {
    const host = new FakeHost(readItem({ from: ANN }));
    signIn(host);
    renderApp(host, fakeApi());
    await screen.findByRole('button', { name: 'Log this email' });
    act(() => host.changeItem(composeItem()));
    expect(await screen.findByRole('switch', { name: 'Track' })).toBeTruthy();
  });
});

describe('activity', () => {
  const n = (id: string, over: Partial<NotificationItem> = {}): NotificationItem => ({ id, type: 'OPEN', who: 'Ann Lee', subject: 'Pricing for Acme', at: ago(3), emailId: 'te-1', read: false, ...over });

  it('lists history, adds live events at the top and announces them politely', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi({ notifications: [n('1')] });
    const { stream } = renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Activity' }));
    expect(stream.opened[0].url).toBe('https://mb.example.test/api/v1/notifications/stream?access_token=t');
    const list = await screen.findByRole('list', { name: 'Opens and clicks' });
    expect(list.textContent).toContain('Ann Lee opened Pricing for Acme · 3 min ago');
    act(() => stream.push(n('2', { type: 'CLICK', who: 'Someone', url: 'https://acme.test/pricing', subject: 'Renewal', at: new Date().toISOString() })));
    await waitFor(() => expect(within(list).getAllByRole('listitem')[0].textContent).toBe('Someone clicked acme.test/pricing in Renewal · just now'));
    const live = document.querySelector('[aria-live="polite"]')!;
    expect(live.textContent).toBe('Someone clicked acme.test/pricing in Renewal');
    await user.click(screen.getByRole('button', { name: 'Clicks' }));
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    expect(within(list).getByText(/opened/, { exact: false })).toBeTruthy();
  });

  it('shows the empty state and opens the web app\'s Activity page for desktop notifications', async () => {
    const host = new FakeHost();
    signIn(host);
    renderApp(host, fakeApi());
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Activity' }));
    expect(await screen.findByText("No opens or clicks yet. Tracked emails show up here the moment they're opened.")).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Open the notifications page' }));
    expect(host.opened).toEqual(['https://mb.example.test/app/activity']);
  });
});

describe('settings', () => {
  it('saves each change at once, quietly, and refreshes the cache the event handlers read', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi();
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Settings' }));
    expect(screen.getByText('https://mb.example.test')).toBeTruthy();
    await user.click(screen.getByRole('switch', { name: 'Log by default' }));
    expect(await screen.findByText('Saved')).toBeTruthy();
    expect(api.state.settings.defaultLog).toBe(false);
    await waitFor(() => expect((host.roaming.get(SESSION_KEY) as { settings: { defaultLog: boolean } }).settings.defaultLog).toBe(false));

    const neverLog = screen.getByRole('textbox', { name: /Never log/ });
    await user.type(neverLog, 'not a domain{Enter}');
    expect(screen.getByText(/Enter an address/)).toBeTruthy();
    await user.clear(neverLog);
    await user.type(neverLog, 'Partner.test{Enter}');
    await waitFor(() => expect(api.state.settings.neverLog).toEqual(['partner.test']));
    await user.click(screen.getByRole('button', { name: 'Remove partner.test' }));
    await waitFor(() => expect(api.state.settings.neverLog).toEqual([]));

    await user.type(screen.getByRole('textbox', { name: /Blocked IP/ }), '203.0.113.7{Enter}');
    await waitFor(() => expect(api.state.settings.blockedIps).toEqual(['203.0.113.7']));
    await user.click(screen.getByRole('radio', { name: /Top/ }));
    await waitFor(() => expect(api.state.settings.pixelPosition).toBe('top'));
    await user.click(screen.getByRole('switch', { name: 'Only the first open of each email' }));
    await waitFor(() => expect(api.state.settings.notifications.firstOpenOnly).toBe(true));
  });

  it('puts the change back and says so when saving fails', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi();
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Settings' }));
    await screen.findByRole('switch', { name: 'Track by default' });
    api.state.mode = 'error';
    await user.click(screen.getByRole('switch', { name: 'Track by default' }));
    expect(await screen.findByText('Not saved: Internal error')).toBeTruthy();
    expect((screen.getByRole('switch', { name: 'Track by default' }) as HTMLInputElement).checked).toBe(true);
  });

  it('signs out, revoking its token on the server first, back to the sign-in form', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi();
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Settings' }));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('button', { name: 'Sign in with Mailbeacon' })).toBeTruthy();
    expect(api.state.calls).toContain('revokeOwnToken');
    await waitFor(() => expect(host.roaming.has(SESSION_KEY)).toBe(false));
  });
});

describe('theme', () => {
  it('follows a dark Outlook theme, and a change of theme', async () => {
    const host = new FakeHost();
    host.theme = '#1f1f1f';
    renderApp(host, fakeApi());
    await screen.findByRole('button', { name: 'Sign in with Mailbeacon' });
    const styles = () => [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules].map((r) => r.cssText)).join('\n');
    expect(styles()).toContain(`--colorNeutralBackground1: ${webDarkTheme.colorNeutralBackground1}`);
    act(() => host.changeTheme('#ffffff'));
    await waitFor(() => expect(styles()).toContain('--colorNeutralBackground1: #ffffff'));
  });
});
