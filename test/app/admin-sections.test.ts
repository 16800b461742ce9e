// Settings → Users and Settings → Webhooks in headless Chromium, signed in for real: an admin invites
// a person (the invitation arrives in the dev mailbox), changes roles, sees the server refuse to demote
// the last admin, removes a user; creates a webhook to a real local receiver, sees its secret once,
// sends a test that arrives signed, finds the delivery listed and retries it. A member sees neither.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountUser, Webhook } from '../../src/shared/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { appUser, axeIssues, openApp, shot, type AppUser } from '../helpers/app-browser.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { mailTo } from '../people/helpers.js';

describe('Settings: users and webhooks (admins)', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let browser: Browser;
  let receiver: Receiver;
  let admin: AppUser;
  let member: AppUser;

  const asAdmin = async <T>(path: string): Promise<T> => (await server.api(path, { token: admin.accessToken })).json() as Promise<T>;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL: '50ms' });
    browser = await launchChromium();
    receiver = await startReceiver();
    admin = await appUser(server, 'ada@acme.test', { name: 'Ada Admin', role: 'admin', account: 'Acme' });
    member = await appUser(server, 'mo@acme.test', { name: 'Mo Member', role: 'member', account: 'Acme' });
  });
  afterAll(async () => {
    await receiver?.close();
    await browser?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  async function says(page: Page, text: string | RegExp) {
    await page.getByText(text).first().waitFor();
  }

  it('invites a person by email, changes roles, shows the last-admin refusal, resends and removes', async () => {
    const { page, ctx } = await openApp(browser, server, admin, '/app/settings');
    const users = page.getByRole('region', { name: 'Users' });
    await users.getByRole('cell', { name: 'mo@acme.test' }).waitFor();

    const before = Date.now();
    await users.getByLabel('Email').fill('nia@acme.test');
    await users.getByLabel('Name').fill('Nia Néw 🚀');
    await users.getByRole('button', { name: 'Invite' }).click();
    await says(page, 'Invitation emailed to nia@acme.test. The link works once, for 7 days.');
    const invitation = await mailTo(server, 'nia@acme.test', /invited/i, before - 1000);
    expect(invitation.text).toContain('/app/invite/');
    await users.getByRole('row', { name: /nia@acme\.test/ }).getByRole('cell', { name: 'Invited' }).waitFor();

    // A second invitation of the same address is refused in the server's words, and nothing is added.
    await users.getByLabel('Email').fill('nia@acme.test');
    await users.getByRole('button', { name: 'Invite' }).click();
    await says(page, /Could not invite nia@acme\.test: nia@acme\.test already has a Mailbeacon user/);
    expect((await asAdmin<{ results: AccountUser[] }>('/api/v1/users')).results.filter((u) => u.email === 'nia@acme.test')).toHaveLength(1);

    await users.getByLabel('Role of Mo Member').selectOption('admin');
    await says(page, 'Mo Member is now an admin.');
    await users.getByLabel('Role of Mo Member').selectOption('member');
    await says(page, 'Mo Member is now a member.');
    expect((await asAdmin<{ results: AccountUser[] }>('/api/v1/users')).results.find((u) => u.email === 'mo@acme.test')?.role).toBe('member');

    // Ada is the only admin: demoting her is refused with the server's sentence, and her role stays.
    await users.getByLabel('Role of Ada Admin').selectOption('member');
    await says(page, 'Could not change Ada Admin’s role: ada@acme.test is the account\'s last admin; make someone else an admin first.');
    await expect.poll(() => users.getByLabel('Role of Ada Admin').inputValue()).toBe('admin');
    expect((await asAdmin<{ results: AccountUser[] }>('/api/v1/users')).results.find((u) => u.email === 'ada@acme.test')?.role).toBe('admin');

    const resent = Date.now();
    await users.getByRole('button', { name: 'Resend invitation to nia@acme.test' }).click();
    await says(page, 'A new invitation link was emailed to nia@acme.test; the earlier link no longer works.');
    const again = await mailTo(server, 'nia@acme.test', /invited/i, resent - 1000);
    expect(again.text).not.toBe(invitation.text);

    await shot(page, 'settings', 'users-light');
    expect(await axeIssues(browser, page)).toEqual([]);

    await users.getByRole('button', { name: 'Remove Nia Néw 🚀' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove Nia Néw 🚀?' });
    await dialog.getByText(/their connected mailbox is disconnected/).waitFor();
    await shot(page, 'settings', 'users-remove-light');
    expect(await axeIssues(browser, page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await asAdmin<{ results: AccountUser[] }>('/api/v1/users')).results.some((u) => u.email === 'nia@acme.test')).toBe(true);
    await users.getByRole('button', { name: 'Remove Nia Néw 🚀' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove user' }).click();
    await says(page, 'Nia Néw 🚀 was removed.');
    expect((await asAdmin<{ results: AccountUser[] }>('/api/v1/users')).results.some((u) => u.email === 'nia@acme.test')).toBe(false);
    await ctx.close();
  }, 120_000);

  it('creates a webhook to a real receiver: secret once, a signed test, the delivery listed, Retry, off, rotate, delete', async () => {
    const { page, ctx } = await openApp(browser, server, admin, '/app/settings');
    const hooks = page.getByRole('region', { name: 'Webhooks' });
    await hooks.getByText('No webhooks yet.', { exact: false }).waitFor();

    // Bad input says what to do and creates nothing.
    await hooks.getByLabel('Endpoint URL').fill('not a url');
    await hooks.getByRole('button', { name: 'Add webhook' }).click();
    await says(page, /Could not create the webhook: /);
    expect((await asAdmin<{ results: Webhook[] }>('/api/v1/webhooks')).results).toHaveLength(0);

    await hooks.getByLabel('Endpoint URL').fill(receiver.url);
    await hooks.getByRole('button', { name: 'Add webhook' }).click();
    await says(page, `Webhook to ${receiver.url} created. Copy its signing secret now.`);
    const secret = (await hooks.getByTestId('webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    receiver.secret = secret;
    const [made] = (await asAdmin<{ results: Webhook[] }>('/api/v1/webhooks')).results;
    expect(made).toMatchObject({ url: receiver.url, enabled: true });
    expect(made.secret).toBeUndefined();

    await hooks.getByRole('button', { name: 'Send test' }).click();
    await says(page, `A webhook.test event is on its way to ${receiver.url}; it shows under Recent deliveries.`);
    const [first] = await receiver.waitFor((r) => r.length === 1, 20_000, 'the test event');
    expect(first).toMatchObject({ verified: true, json: { type: 'webhook.test' } });
    const deliveries = hooks.getByRole('table', { name: `Deliveries to ${receiver.url}` });
    await deliveries.getByRole('row', { name: /webhook\.test DELIVERED HTTP 200/ }).waitFor();
    await shot(page, 'settings', 'webhooks-light');
    expect(await axeIssues(browser, page)).toEqual([]);

    await deliveries.getByRole('button', { name: 'Retry' }).click();
    const requests = await receiver.waitFor((r) => r.length === 2, 20_000, 'the retried test');
    expect(requests[1]).toMatchObject({ id: first.id, verified: true });

    // Shown once: a fresh page has no secret on it.
    await page.reload();
    await hooks.getByText(receiver.url).first().waitFor();
    expect(await hooks.getByTestId('webhook-secret').count()).toBe(0);

    await hooks.getByRole('switch', { name: `Enabled: ${receiver.url}` }).click();
    await says(page, `${receiver.url} is off; its events wait until you turn it on.`);
    expect((await asAdmin<Webhook>(`/api/v1/webhooks/${made.id}`)).enabled).toBe(false);
    await expect.poll(() => hooks.getByRole('button', { name: 'Send test' }).isDisabled()).toBe(true);
    await hooks.getByRole('switch', { name: `Enabled: ${receiver.url}` }).click();
    await says(page, `${receiver.url} is on; what waited is sent now.`);

    await hooks.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
    await says(page, `New signing secret for ${receiver.url}; copy it now.`);
    const rotated = (await hooks.getByTestId('webhook-secret').textContent())!.trim();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);

    await hooks.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete webhook' }).click();
    await says(page, `Webhook to ${receiver.url} deleted.`);
    expect((await asAdmin<{ results: Webhook[] }>('/api/v1/webhooks')).results).toHaveLength(0);
    await ctx.close();
  }, 120_000);

  it('looks right light, dark and at 360 px, with no serious axe finding', async () => {
    await server.api('/api/v1/webhooks', { method: 'POST', token: admin.accessToken, json: { url: receiver.url + '/screens', events: ['email.opened', 'email.clicked'] } });
    for (const [name, opts] of [
      ['admin-dark', { dark: true }],
      ['admin-360', { width: 360 }],
      ['admin-360-dark', { width: 360, dark: true }],
    ] as const) {
      const { page, ctx } = await openApp(browser, server, admin, '/app/settings', opts);
      await page.getByRole('region', { name: 'Webhooks' }).getByText(receiver.url + '/screens').waitFor();
      await page.getByRole('region', { name: 'Users' }).getByRole('cell', { name: 'mo@acme.test' }).waitFor();
      await shot(page, 'settings', name);
      expect(await axeIssues(browser, page)).toEqual([]);
      // Nothing widens the page at 360 px: tables scroll inside their box.
      if (opts.width === 360) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await ctx.close();
    }
  }, 120_000);

  it('shows a member neither section, and the API refuses them', async () => {
    const { page, ctx } = await openApp(browser, server, member, '/app/settings');
    await page.getByRole('heading', { name: 'Your settings' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Users' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Webhooks' }).count()).toBe(0);
    expect((await server.api('/api/v1/webhooks', { token: member.accessToken })).status).toBe(403);
    expect((await server.api('/api/v1/users', { method: 'POST', token: member.accessToken, json: { email: 'x@acme.test', role: 'admin' } })).status).toBe(403);
    await shot(page, 'settings', 'member');
    await ctx.close();
  }, 120_000);
});
