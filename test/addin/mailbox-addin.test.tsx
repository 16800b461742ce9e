// @vitest-environment jsdom
// The add-in's side of the connected mailbox: the X-Mailbeacon-Id stamp (Mailbox 1.8, feature-detected),
// Remind me if no reply in "This email" (default from the setting; sent with the tracked email),
// Settings › Connect your mailbox (Test and save with the server's own answer, status and last error,
// Disconnect), and replies and reminders in the feed.
import './setup-dom.js';
import { describe, expect, it } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DEFAULT_SETTINGS, type NotificationItem } from '../../src/shared/api.js';
import { MAILBEACON_ID_HEADER, TRACKING_HEADER } from '../../src/addin/helpers/ids.js';
import { STATE_KEY } from '../../src/addin/models/item-state.js';
import { FakeHost } from './fake-host.js';
import { fakeApi } from './fake-api.js';
import { renderApp, signIn } from './render-app.js';

describe('composing with a connected mailbox', () => {
  it('stamps X-Mailbeacon-Id where Mailbox 1.8 is supported, and not where it is missing', async () => {
    const host = new FakeHost();
    signIn(host);
    renderApp(host, fakeApi());
    await screen.findByRole('switch', { name: 'Log' });
    await waitFor(() => expect(host.item.headers[MAILBEACON_ID_HEADER]).toBeTruthy());
    expect(host.item.headers[MAILBEACON_ID_HEADER]).toBe(host.item.headers[TRACKING_HEADER]);

    const old = new FakeHost();
    old.supported.delete('Mailbox 1.8');
    signIn(old);
    document.body.innerHTML = '';
    renderApp(old, fakeApi());
    await waitFor(() => expect(old.item.headers[TRACKING_HEADER]).toBeTruthy());
    expect(old.item.headers[MAILBEACON_ID_HEADER]).toBeUndefined();
  });

  it('Remind me if no reply starts from defaultRemindDays, can be switched, and needs Track', async () => {
    const host = new FakeHost();
    const settings = { ...DEFAULT_SETTINGS, defaultRemindDays: 5 };
    signIn(host, { settings });
    renderApp(host, fakeApi({ settings }));
    const remind = (await screen.findByRole('switch', { name: 'Remind me if no reply' })) as HTMLInputElement;
    await waitFor(() => expect(remind.checked).toBe(true));
    expect(screen.getByText(/within 5 days/)).toBeTruthy();
    const user = userEvent.setup();
    await user.click(remind);
    await waitFor(() => expect(JSON.parse(host.sessionData.get(STATE_KEY)!).remindDays ?? null).toBeNull());
    await user.click(remind);
    await waitFor(() => expect(JSON.parse(host.sessionData.get(STATE_KEY)!)).toMatchObject({ remindDays: 5 }));
    await user.click(screen.getByRole('switch', { name: 'Track' }));
    await waitFor(() => expect(remind.disabled).toBe(true));
    expect(screen.getByText('Turn on Track to be reminded')).toBeTruthy();
  });

  it('is off by default when the user chose no default', async () => {
    const host = new FakeHost();
    signIn(host);
    renderApp(host, fakeApi());
    const remind = (await screen.findByRole('switch', { name: 'Remind me if no reply' })) as HTMLInputElement;
    await waitFor(() => expect(JSON.parse(host.sessionData.get(STATE_KEY) ?? '{}')).toHaveProperty('trackingId'));
    expect(remind.checked).toBe(false);
  });
});

describe('Settings › Connect your mailbox', () => {
  it('tests and saves, showing the server’s refusal in its words, then the status; Disconnect forgets it', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi();
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Settings' }));
    const section = screen.getByRole('region', { name: 'Connect your mailbox' });
    const form = within(section);
    await user.click(form.getByRole('button', { name: 'Test and save' }));
    expect(form.getByRole('alert').textContent).toBe('Fill in the host, username and password first.');
    await user.type(form.getByRole('textbox', { name: 'Host' }), 'imap.example.test');
    await user.type(form.getByRole('textbox', { name: 'Username' }), 'me@example.test');
    await user.type(form.getByLabelText('Password'), 'wrong');
    await user.click(form.getByRole('radio', { name: /STARTTLS/ }));
    await user.clear(form.getByRole('textbox', { name: 'Port' }));
    await user.type(form.getByRole('textbox', { name: 'Port' }), '143');
    await user.click(form.getByRole('button', { name: 'Test and save' }));
    await waitFor(() => expect(form.getByRole('alert').textContent).toBe('The mail server did not let us in: Authentication failed.'));
    expect(api.state.mailbox ?? null).toBeNull();

    await user.clear(form.getByLabelText('Password'));
    await user.type(form.getByLabelText('Password'), 'right');
    await user.click(form.getByRole('button', { name: 'Test and save' }));
    await waitFor(() => expect(form.getByRole('alert').textContent).toMatch(/^Connected/));
    expect(api.state.mailbox).toMatchObject({ host: 'imap.example.test', port: 143, security: 'starttls', username: 'me@example.test' });
    expect(form.getByRole('status', { name: 'Mailbox status' }).textContent).toContain('Connecting…');
    expect((form.getByLabelText('Password') as HTMLInputElement).value).toBe('');

    await user.click(form.getByRole('button', { name: 'Disconnect' }));
    await waitFor(() => expect(api.state.mailbox).toBeNull());
    expect(form.queryByRole('status', { name: 'Mailbox status' })).toBeNull();
  });

  it('shows the last error of a mailbox that stopped syncing, and saves the reply settings', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi({ mailbox: { host: 'imap.example.test', port: 993, security: 'tls', username: 'me@example.test', status: 'ERROR', lastError: '[AUTHENTICATIONFAILED] Invalid credentials', sentFolder: 'Sent', inboxFolder: 'INBOX' } });
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Settings' }));
    const status = await screen.findByRole('status', { name: 'Mailbox status' });
    expect(status.textContent).toContain('Not syncing');
    expect(status.textContent).toContain('Last error: [AUTHENTICATIONFAILED] Invalid credentials');
    await user.click(screen.getByRole('switch', { name: 'Log replies' }));
    await waitFor(() => expect(api.state.settings.logReplies).toBe(false));
    await user.click(screen.getByRole('switch', { name: 'Remind me if no reply, by default' }));
    await waitFor(() => expect(api.state.settings.defaultRemindDays).toBe(3));
  });
});

describe('the feed', () => {
  it('shows replies and reminders, whatever the opens/clicks filters say', async () => {
    const host = new FakeHost();
    signIn(host);
    const at = new Date().toISOString();
    const n = (id: string, over: Partial<NotificationItem>): NotificationItem => ({ id, type: 'OPEN', who: 'Bob Stone', subject: 'Renewal', at, emailId: 'te-1', read: false, ...over });
    const { stream } = renderApp(host, fakeApi({ notifications: [n('1', { type: 'REPLY' })] }));
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Activity' }));
    const list = await screen.findByRole('list', { name: 'Opens and clicks' });
    expect(list.textContent).toContain('Bob Stone replied to Renewal');
    act(() => stream.push(n('2', { type: 'REMINDER', who: 'hank@acme.test', subject: 'Proposal' })));
    await waitFor(() => expect(list.textContent).toContain('No reply yet from hank@acme.test: follow up on Proposal'));
    await user.click(screen.getByRole('button', { name: 'Opens' }));
    await user.click(screen.getByRole('button', { name: 'Clicks' }));
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
  });
});

describe('the read pane', () => {
  it('counts replies in the headline and lists them', async () => {
    const { trackedHeadline, eventLine } = await import('../../src/ui/helpers/labels.js');
    expect(trackedHeadline({ opens: 1, clicks: 0, replies: 2 })).toBe('Tracked · opened once · 2 replies');
    expect(trackedHeadline({ opens: 0, clicks: 0 })).toBe('Tracked · not opened yet');
    expect(eventLine({ id: 'r', type: 'REPLY', at: '', who: 'Bob Stone', verdict: 'HUMAN', counted: true, reasons: [], inferred: false })).toBe('Bob Stone replied');
    expect(eventLine({ id: 'o', type: 'OPEN', at: '', who: 'Bob Stone', verdict: 'HUMAN', counted: true, reasons: ['reply received'], inferred: true })).toBe('Bob Stone opened (inferred from a reply)');
  });
});

describe('sending with Remind me if no reply', () => {
  it('registers the tracked email with remindAfterDays, and without it when the switch is off', async () => {
    const { handleSend } = await import('../../src/addin/flows/send-flow.js');
    const { composeItem, fakeEvent } = await import('./fake-host.js');
    for (const [remindDays, expected] of [[4, 4], [null, undefined]] as const) {
      const host = new FakeHost(composeItem({}));
      host.sessionData.set(STATE_KEY, JSON.stringify({ log: false, track: true, trackingId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', pixel: 'append', remindDays }));
      const api = fakeApi();
      await handleSend({ host, api, settings: DEFAULT_SETTINGS }, fakeEvent().event);
      expect(api.state.registered).toHaveLength(1);
      expect(api.state.registered[0].remindAfterDays).toBe(expected);
    }
  });
});
