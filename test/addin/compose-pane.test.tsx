// @vitest-environment jsdom
// The task pane while composing: sign-in, Log/Track from defaults, the summary, recipients, the
// unreachable banner, and templates (insert, send now).
import './setup-dom.js';
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SESSION_KEY } from '../../src/addin/models/session.js';
import { STATE_KEY } from '../../src/addin/models/item-state.js';
import { DEFAULT_SETTINGS } from '../../src/shared/api.js';
import { ANN, FakeHost, composeItem } from './fake-host.js';
import { contact, fakeApi, template } from './fake-api.js';
import { renderApp, signIn } from './render-app.js';

describe('signed out', () => {
  it('shows only the sign-in form, then signs in with the token and keeps the session in roaming settings', async () => {
    const host = new FakeHost();
    const api = fakeApi({ settings: { ...DEFAULT_SETTINGS, defaultLog: false } });
    renderApp(host, api);
    expect(screen.queryByRole('tab')).toBeNull();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Use an access token instead' }));
    expect(screen.getByText(/mailbeacon user token/)).toBeTruthy();
    expect((screen.getByLabelText(/Server address/) as HTMLInputElement).value).toBe('https://mb.example.test');
    await user.type(screen.getByLabelText(/Access token/), 'mb_token_1234567890');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('tab', { name: 'Email' })).toBeTruthy();
    expect(host.roaming.get(SESSION_KEY)).toMatchObject({ backendUrl: 'https://mb.example.test', accessToken: 'mb_token_1234567890', user: { email: 'me@mailbeacon.test' }, settings: { defaultLog: false } });
  });

  it('says when the token is refused', async () => {
    const host = new FakeHost();
    const api = fakeApi();
    api.me = async () => {
      const { ApiError } = await import('../../src/ui/api/client.js');
      throw new ApiError('nope', 'unauthorized', 401);
    };
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Use an access token instead' }));
    await user.type(screen.getByLabelText(/Access token/), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/was not accepted/)).toBeTruthy();
    expect(host.roaming.has(SESSION_KEY)).toBe(false);
  });
});

describe('Sign in with Mailbeacon', () => {
  it('opens the sign-in page in an Office dialog and signs in with the token it hands back', async () => {
    const host = new FakeHost();
    host.dialogAnswer = { message: JSON.stringify({ backendUrl: 'https://mb.example.test', accessToken: 'mb_from_dialog' }) };
    const api = fakeApi();
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Sign in with Mailbeacon' }));
    expect(await screen.findByRole('tab', { name: 'Email' })).toBeTruthy();
    expect(host.calls.find((c) => c.method === 'signInDialog')?.args).toEqual(['https://mb.example.test/app/addin-login']);
    expect(host.roaming.get(SESSION_KEY)).toMatchObject({ backendUrl: 'https://mb.example.test', accessToken: 'mb_from_dialog' });
  });

  it.each([
    [12006, /closed before signing in finished/],
    [12007, /already open/],
    [12009, /blocked/],
  ])('says what happened when the dialog fails with %i, and stays signed out', async (code, message) => {
    const host = new FakeHost();
    host.dialogAnswer = { error: code };
    renderApp(host, fakeApi());
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Sign in with Mailbeacon' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(message);
    expect(host.roaming.has(SESSION_KEY)).toBe(false);
    expect(screen.getByRole('button', { name: 'Sign in with Mailbeacon' })).toBeTruthy();
  });
});

describe('composing', () => {
  it('starts Log and Track from the defaults and shows what tracking will do', async () => {
    const host = new FakeHost();
    signIn(host, { settings: { ...DEFAULT_SETTINGS, defaultLog: false } });
    renderApp(host, fakeApi({ settings: { ...DEFAULT_SETTINGS, defaultLog: false } }));
    const log = await screen.findByRole('switch', { name: 'Log' });
    const track = screen.getByRole('switch', { name: 'Track' });
    await waitFor(() => expect((track as HTMLInputElement).checked).toBe(true));
    expect((log as HTMLInputElement).checked).toBe(false);
    expect(track.getAttribute('aria-describedby')).toBe('mb-track-hint');
    expect(await screen.findByText('1 link will be tracked')).toBeTruthy();
    expect(host.onSend.append).toContain('/t/o/');
  });

  it('turning Track off clears the pixel and is kept for this email only', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi();
    renderApp(host, api);
    const track = await screen.findByRole('switch', { name: 'Track' });
    await waitFor(() => expect(host.onSend.append).toContain('/t/o/'));
    await userEvent.setup().click(track);
    await waitFor(() => expect(host.onSend.append).toBeNull());
    expect(JSON.parse(host.sessionData.get(STATE_KEY)!)).toMatchObject({ track: false });
    expect(await screen.findByText(/Not tracked/)).toBeTruthy();
    expect(api.state.calls).not.toContain('updateSettings');
  });

  it('shows each recipient as a contact card', async () => {
    const host = new FakeHost(composeItem({ recipients: { to: [ANN, { address: 'pat@mailbeacon.test', name: 'Pat' }], cc: [{ address: 'new@other.test', name: '' }], bcc: [{ address: 'x@partner.test', name: '' }] } }));
    signIn(host, { settings: { ...DEFAULT_SETTINGS, neverLog: ['partner.test'] } });
    renderApp(host, fakeApi({ contacts: [contact()], settings: { ...DEFAULT_SETTINGS, neverLog: ['partner.test'] } }));
    const list = within(await screen.findByRole('region', { name: 'Recipients' }));
    expect(await list.findByText('Opened your email 2 days ago')).toBeTruthy();
    expect(list.getByText('ann@acme.test · Acme')).toBeTruthy();
    expect(list.getByText('Internal — not logged')).toBeTruthy();
    expect(await list.findByText('New contact will be created')).toBeTruthy();
    expect(list.getByText('Not logged (never-log list)')).toBeTruthy();
    expect(await screen.findByText('Several recipients — opens will show as Someone.')).toBeTruthy();
  });

  it('warns when the server cannot be reached, and Retry tries again', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi({ mode: 'down' });
    renderApp(host, api);
    expect(await screen.findByText("Mailbeacon can't reach the server. Your email will still send, untracked and unlogged.")).toBeTruthy();
    expect(screen.getByRole('img', { name: /Offline/ }).getAttribute('data-status')).toBe('offline');
    api.state.mode = 'up';
    await userEvent.setup().click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByText(/can't reach the server/)).toBeNull());
    await waitFor(() => expect(screen.getByRole('img', { name: 'Connected' })).toBeTruthy());
  });

  it('signs out when the token stops being accepted', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi();
    const { ApiError } = await import('../../src/ui/api/client.js');
    api.getSettings = async () => {
      throw new ApiError('revoked', 'unauthorized', 401);
    };
    renderApp(host, api);
    expect(await screen.findByText(/no longer accepted/)).toBeTruthy();
    expect(host.roaming.has(SESSION_KEY)).toBe(false);
  });
});

describe('templates', () => {
  it('previews a published template personalised for the first recipient, then inserts it', async () => {
    const host = new FakeHost(composeItem({ subject: '' }));
    signIn(host);
    const api = fakeApi({ contacts: [contact()], templates: [template(), template({ id: 8, name: 'Old draft', state: 'DRAFT' })] });
    renderApp(host, api);
    const user = userEvent.setup();
    const pick = await screen.findByRole('button', { name: /Pricing follow-up/ });
    expect(screen.queryByText('Old draft')).toBeNull();
    await user.type(screen.getByRole('searchbox', { name: 'Search templates' }), 'pricing');
    await user.click(pick);
    expect(await screen.findByText('Personalised for Ann Lee')).toBeTruthy();
    expect(await screen.findByText('Missing: custom.order_id')).toBeTruthy();
    await user.type(screen.getByRole('textbox', { name: 'order id' }), 'A-42');
    const frame = await screen.findByTitle('Preview of Pricing follow-up');
    await waitFor(() => expect(frame.getAttribute('srcdoc')).toBe('<p>Hi Ann, your order A-42.</p>'));
    expect(frame.getAttribute('sandbox')).toBe('');
    await user.click(screen.getByRole('button', { name: 'Insert' }));
    expect(await screen.findByText('Inserted into your email.')).toBeTruthy();
    expect(host.callsTo('insertHtml')).toEqual([['<p>Hi Ann, your order A-42.</p>']]);
    expect(host.item.subject).toBe('Pricing for Acme');
  });

  it('sends now through the single-send API after a confirmation naming the recipient', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi({ contacts: [contact()], templates: [template()] });
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: /Pricing follow-up/ }));
    await screen.findByTitle('Preview of Pricing follow-up');
    await user.click(screen.getByRole('button', { name: 'Send now' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Send now?' });
    expect(within(dialog).getByText(/ann@acme.test right away/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Send to ann@acme.test' }));
    expect(await screen.findByText('Sent to ann@acme.test.')).toBeTruthy();
    expect(api.state.sends).toEqual([
      { emailId: 7, message: { to: 'ann@acme.test', sendId: expect.stringMatching(/^[0-9a-f-]{36}$/) }, contactProperties: expect.objectContaining({ email: 'ann@acme.test', firstname: 'Ann', company: 'Acme' }), customProperties: {} },
    ]);
  });

  it('does not offer Send now for templates the single-send API refuses', async () => {
    const host = new FakeHost();
    signIn(host);
    renderApp(host, fakeApi({ templates: [template({ subscriptionType: 'MARKETING', sendMethod: 'REGULAR' })] }));
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: /Pricing follow-up/ }));
    await screen.findByTitle('Preview of Pricing follow-up');
    expect((screen.getByRole('button', { name: 'Send now' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/Only transactional templates/)).toBeTruthy();
  });
});
