// @vitest-environment jsdom
// The Settings tab's Notification channels: Slack and Teams incoming-webhook URLs saved when the field
// is left or Enter is pressed (https only, cleared to turn a channel off), and the daily digest switch.
import './setup-dom.js';
import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHost } from './fake-host.js';
import { fakeApi } from './fake-api.js';
import { renderApp, signIn } from './render-app.js';

describe('notification channels in settings', () => {
  it('saves Slack and Teams URLs on Enter or when leaving the field, refuses non-https, clears with an empty field', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi();
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Settings' }));
    expect(screen.getByRole('heading', { name: 'Notification channels' })).toBeTruthy();

    const slack = screen.getByRole('textbox', { name: /Slack webhook URL/ });
    await user.type(slack, 'http://hooks.slack.com/services/T1/B2/x{Enter}');
    expect(screen.getByText(/https:\/\/ address Slack or Teams gave you/)).toBeTruthy();
    expect(api.state.settings.channels.slackWebhookUrl).toBeNull();

    await user.clear(slack);
    await user.type(slack, 'https://hooks.slack.com/services/T1/B2/xyz{Enter}');
    await waitFor(() => expect(api.state.settings.channels.slackWebhookUrl).toBe('https://hooks.slack.com/services/T1/B2/xyz'));
    expect(await screen.findByText('Saved')).toBeTruthy();

    // Keyboard only: Tab leaves the Teams field, which saves it.
    const teams = screen.getByRole('textbox', { name: /Teams webhook URL/ });
    await user.click(teams);
    await user.keyboard('https://acme.webhook.office.com/webhookb2/abc');
    await user.tab();
    await waitFor(() => expect(api.state.settings.channels.teamsWebhookUrl).toBe('https://acme.webhook.office.com/webhookb2/abc'));
    expect(api.state.settings.channels.slackWebhookUrl).toBe('https://hooks.slack.com/services/T1/B2/xyz');

    await user.clear(slack);
    await user.tab();
    await waitFor(() => expect(api.state.settings.channels.slackWebhookUrl).toBeNull());
    expect(api.state.settings.channels.teamsWebhookUrl).toBe('https://acme.webhook.office.com/webhookb2/abc');
  });

  it('turns the daily digest on and off, and shows the server\'s refusal', async () => {
    const host = new FakeHost();
    signIn(host);
    const api = fakeApi();
    renderApp(host, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('tab', { name: 'Settings' }));
    const digest = screen.getByRole('switch', { name: 'Daily email digest' });
    await user.click(digest);
    await waitFor(() => expect(api.state.settings.channels.emailDigest).toBe('daily'));
    api.state.mode = 'error';
    await user.click(digest);
    expect(await screen.findByText('Not saved: Internal error')).toBeTruthy();
    expect((screen.getByRole('switch', { name: 'Daily email digest' }) as HTMLInputElement).checked).toBe(true);
  });
});
