// The web app's Settings page and the contact page's erasure in headless Chromium, signed in for real
// (docs/product.md §10, §11, §12, §13): change the password, end another session and revoke a token,
// connect a mailbox against a real Dovecot, set a Slack channel, change retention as admin, and delete a
// contact permanently; a member sees no account section. Each page is checked with axe-core and saved as
// screenshots in test/artifacts/settings/ (1280 light, dark, 360 px).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { startDns, type FakeDns } from '../helpers/dns.js';
import { appUser, axeIssues, openApp, PASSWORD, shot, type AppUser } from '../helpers/app-browser.js';

const MAILBOX_USER = 'ann@mail.test';

describe('Settings and erasure in the web app', { timeout: 120_000 }, () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let dovecot: Dovecot;
  let dns: FakeDns;
  let browser: Browser;
  let admin: AppUser;
  let member: AppUser;

  beforeAll(async () => {
    dovecot = await startDovecot();
    dovecot.addUser(MAILBOX_USER, 'right-password');
    dns = await startDns({ 'hooks.slack.test': '93.184.216.34', 'inside.slack.test': '127.0.0.1' });
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { MAILBOX_TLS_CA: dovecot.caFile, MAILBOX_ALLOW_PRIVATE: 'true', WEBHOOK_DNS_SERVERS: dns.server });
    admin = await appUser(server, 'admin@shop.test', { name: 'Ada Admin', role: 'admin', account: 'shop' });
    member = await appUser(server, 'mo@shop.test', { name: 'Mo Member', role: 'member', account: 'shop' });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGKILL');
    await dovecot?.stop();
    await dns?.close();
    await tdb?.drop();
  });

  const asCookie = (cookie: string, pathname: string, init: RequestInit & { json?: unknown } = {}) =>
    fetch(server.url + pathname, {
      ...init,
      headers: { cookie, origin: server.url, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string> | undefined) },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
  const login = (email: string, password: string) => fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ email, password }) });
  const cookieOf = (res: Response) => /^(mb_session=[^;]*)/.exec(res.headers.get('set-cookie') ?? '')![1];
  const section = (page: Page, heading: string) => page.locator('section', { has: page.getByRole('heading', { name: heading, exact: true }) });

  /** Screenshots and axe-core once `ready` (a heading that appears when the page has loaded) shows. */
  async function looks(route: string, user: AppUser, name: string, ready: string) {
    for (const opts of [{ name: `${name}-light` }, { name: `${name}-dark`, dark: true }, { name: `${name}-360`, width: 360 }]) {
      const { page, ctx } = await openApp(browser, server, user, route, opts);
      await page.getByRole('heading', { name: ready, exact: true }).waitFor();
      await page.getByText(/^Loading/).first().waitFor({ state: 'detached' });
      await shot(page, 'settings', opts.name);
      expect(await axeIssues(browser, page), opts.name).toEqual([]);
      // Nothing is wider than the window at 360 px.
      if (opts.width === 360) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await ctx.close();
    }
  }

  it('a member sees their own sections and no account section; the API refuses them too', async () => {
    const { page, ctx } = await openApp(browser, server, member, '/app/settings');
    for (const h of ['Your settings', 'Password', 'Devices and access tokens', 'Connect your mailbox', 'Notification channels']) {
      await expect(page.getByRole('heading', { name: h, exact: true }).isVisible()).resolves.toBe(true);
    }
    await page.getByRole('heading', { name: 'Notification channels' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Account', exact: true }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Sending domains', exact: true }).count()).toBe(0);
    const refused = await asCookie(member.cookie, '/api/v1/account', { method: 'PUT', json: { retentionDays: 5 } });
    expect(refused.status).toBe(403);
    await ctx.close();
  });

  it('changes the password: a wrong current one is refused with the server’s words, then the old password no longer signs in', async () => {
    const other = cookieOf(await login(admin.email, PASSWORD)); // another browser, ended by the change
    const { page, ctx } = await openApp(browser, server, admin, '/app/settings');
    const pw = section(page, 'Password');
    await pw.getByLabel('Current password').fill('not my password at all');
    await pw.getByLabel('New password').fill('a brand new passphrase 42');
    await pw.getByRole('button', { name: 'Change password' }).click();
    await pw.getByText('The current password is not right.').waitFor();
    await pw.getByLabel('Current password').fill(PASSWORD);
    await pw.getByLabel('New password').fill('password');
    await pw.getByRole('button', { name: 'Change password' }).click();
    await pw.getByText(/Password not changed: .*(10 characters|common)/).waitFor();
    expect((await login(admin.email, PASSWORD)).status, 'a refused change changes nothing').toBe(200);

    const fresh = cookieOf(await login(admin.email, PASSWORD));
    await pw.getByLabel('New password').fill('a brand new passphrase 42');
    await pw.getByRole('button', { name: 'Change password' }).click();
    await pw.getByText(/Password changed\. Your other browser sessions were signed out/).waitFor();
    expect((await login(admin.email, PASSWORD)).status).toBe(401);
    expect((await login(admin.email, 'a brand new passphrase 42')).status).toBe(200);
    expect((await asCookie(other, '/api/v1/settings')).status).toBe(401);
    expect((await asCookie(fresh, '/api/v1/settings')).status).toBe(401);
    expect((await asCookie(admin.cookie, '/api/v1/settings')).status, 'this browser stays signed in').toBe(200);
    await ctx.close();
  });

  it('lists this device, ends another session and revokes an access token', async () => {
    const other = cookieOf(await login(admin.email, 'a brand new passphrase 42'));
    const otherId = ((await (await asCookie(other, '/api/v1/sessions')).json()) as { results: Array<{ id: string; current: boolean }> }).results.find((d) => d.current)!.id;
    const made = (await (await asCookie(admin.cookie, '/api/v1/access-tokens', { method: 'POST', json: { name: 'CRM sync' } })).json()) as { id: string; accessToken: string };
    expect((await server.api('/api/v1/settings', { token: made.accessToken })).status).toBe(200);

    const { page, ctx } = await openApp(browser, server, admin, '/app/settings');
    const devices = section(page, 'Devices and access tokens');
    const list = devices.getByRole('list', { name: 'Devices and access tokens' });
    await list.waitFor();
    const mine = list.getByRole('listitem').filter({ hasText: 'This device' });
    expect(await mine.count()).toBe(1);
    expect(await mine.getByRole('button').count(), 'this device has no end button').toBe(0);

    // Another browser session: the one whose id the other cookie reports as current.
    const sessions = await (await asCookie(admin.cookie, '/api/v1/sessions')).json() as { results: Array<{ id: string; kind: string; current: boolean }> };
    const others = sessions.results.filter((d) => d.kind === 'session' && !d.current);
    expect(others.map((d) => d.id)).toContain(otherId);
    for (let i = 0; i < others.length; i++) {
      await list.getByRole('button', { name: /^End session/ }).first().click();
      await devices.getByText(/ended: that browser is signed out/).waitFor();
    }
    expect((await asCookie(other, '/api/v1/settings')).status).toBe(401);
    expect((await asCookie(admin.cookie, '/api/v1/settings')).status).toBe(200);

    // A new token is shown once and works.
    await devices.getByRole('button', { name: 'Create access token' }).click();
    await devices.getByText('Name the token after where it is used', { exact: false }).waitFor();
    await devices.getByLabel("New token's name").fill('Reports ✓');
    await devices.getByLabel("New token's name").press('Enter');
    await devices.getByText('Token "Reports ✓" created').waitFor();
    const shown = await devices.getByLabel('Access token', { exact: true }).inputValue();
    expect((await server.api('/api/v1/settings', { token: shown })).status).toBe(200);
    await list.getByText('Reports ✓').waitFor();
    await shot(page, 'settings', 'settings-token-created');
    await devices.getByRole('button', { name: 'Done' }).click();
    expect(await devices.getByLabel('Access token', { exact: true }).count()).toBe(0);

    await list.getByRole('button', { name: 'Revoke CRM sync' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Revoke the token "CRM sync"?').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await server.api('/api/v1/settings', { token: made.accessToken })).status, 'Cancel revokes nothing').toBe(200);
    await list.getByRole('button', { name: 'Revoke CRM sync' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await devices.getByText('Token "CRM sync" revoked: whatever used it is signed out.').waitFor();
    expect((await server.api('/api/v1/settings', { token: made.accessToken })).status).toBe(401);
    expect(await list.getByText('CRM sync').count()).toBe(0);
    await ctx.close();
  });

  it('connects a mailbox against a real Dovecot: the wrong password shows the server’s answer, the right one connects', async () => {
    const { page, ctx } = await openApp(browser, server, admin, '/app/settings');
    const box = page.locator('section', { has: page.getByRole('heading', { name: 'Connect your mailbox' }) });
    await box.getByText('Not connected.').waitFor();
    await box.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await box.getByLabel('Port', { exact: true }).fill(String(dovecot.port));
    await box.getByRole('radio', { name: /STARTTLS/ }).check();
    await box.getByLabel('Username', { exact: true }).fill(MAILBOX_USER);
    await box.getByLabel('Password', { exact: true }).fill('wrong-password');
    await box.getByRole('button', { name: 'Test and save' }).click();
    const answer = box.getByRole('alert');
    await answer.filter({ hasText: /AUTHENTICATIONFAILED|Authentication failed|login/i }).waitFor();
    expect((await asCookie(admin.cookie, '/api/v1/mailbox')).status, 'a failed login saves nothing').toBe(404);

    await box.getByLabel('Password', { exact: true }).fill('right-password');
    await box.getByRole('button', { name: 'Test and save' }).click();
    await box.getByText('Connected: the server accepted the login.', { exact: false }).waitFor();
    const status = box.getByRole('status', { name: 'Mailbox status' });
    await status.getByText(`${MAILBOX_USER} on 127.0.0.1`, { exact: false }).waitFor();
    const view = (await (await asCookie(admin.cookie, '/api/v1/mailbox')).json()) as { username: string; status: string };
    expect(view.username).toBe(MAILBOX_USER);

    // The reply switch of the same component saves the person's settings.
    await box.getByRole('switch', { name: 'Log replies' }).click();
    await page.getByText('Saved', { exact: true }).first().waitFor();
    expect(((await (await asCookie(admin.cookie, '/api/v1/settings')).json()) as { logReplies: boolean }).logReplies).toBe(false);
    await box.getByRole('switch', { name: 'Remind me if no reply, by default' }).click();
    const remind = box.getByLabel('Remind after (days)');
    await expect.poll(() => remind.inputValue()).toBe('3');
    await remind.fill('400');
    await remind.blur();
    await box.getByText('Type a whole number of days from 1 to 365.').waitFor();
    await remind.fill('5');
    await remind.blur();
    const mine = async () => ((await (await asCookie(admin.cookie, '/api/v1/settings')).json()) as { defaultRemindDays: number | null }).defaultRemindDays;
    await expect.poll(mine).toBe(5);
    await ctx.close();
  });

  it('sets a Slack channel URL: a non-https one and one leading inside are refused, a good one is saved', async () => {
    const { page, ctx } = await openApp(browser, server, admin, '/app/settings');
    const channels = page.locator('div', { has: page.getByRole('heading', { name: 'Notification channels' }) }).last();
    const slack = page.getByLabel('Slack webhook URL');
    const settings = async () => ((await (await asCookie(admin.cookie, '/api/v1/settings')).json()) as { channels: { slackWebhookUrl: string | null } }).channels;

    await slack.fill('http://hooks.slack.test/services/T1/B2/c3');
    await slack.press('Enter');
    await page.getByText('Paste the https:// address Slack or Teams gave you.').waitFor();
    await slack.fill('https://inside.slack.test/services/T1/B2/c3');
    await slack.press('Enter');
    await channels.getByText(/^Not saved: /).waitFor();
    expect((await settings()).slackWebhookUrl).toBeNull();

    await slack.fill('https://hooks.slack.test/services/T1/B2/c3');
    await slack.press('Enter');
    await expect.poll(async () => (await settings()).slackWebhookUrl).toBe('https://hooks.slack.test/services/T1/B2/c3');
    await channels.getByText('Saved', { exact: true }).waitFor();
    await ctx.close();
  });

  it('changes retentionDays as an admin; a value out of range is refused before it is sent', async () => {
    const { page, ctx } = await openApp(browser, server, admin, '/app/settings');
    const account = section(page, 'Account');
    const days = account.getByLabel('Keep data for (days)');
    await days.waitFor();
    expect(await days.inputValue()).toBe('365');
    await expect(account.getByText(/logged emails and their attachments older than this are deleted for good/).isVisible()).resolves.toBe(true);
    await days.fill('0');
    await days.blur();
    await account.getByText('Type a whole number of days from 1 to 3650.').waitFor();
    await days.fill('99999');
    await days.blur();
    const read = async () => ((await (await asCookie(admin.cookie, '/api/v1/account')).json()) as { retentionDays: number }).retentionDays;
    expect(await read()).toBe(365);
    await days.fill('30');
    await days.blur();
    await account.getByText('Saved', { exact: true }).waitFor();
    expect(await read()).toBe(30);
    await ctx.close();
  });

  it('deletes a contact permanently after the address is typed; a member cannot', async () => {
    const created = await server.api('/api/v1/contacts', { token: admin.accessToken, method: 'POST', json: { email: 'bob.stone@acme.test', name: 'Bob Stone' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const asMember = await openApp(browser, server, member, `/app/contacts/${id}`);
    await asMember.page.getByText('Only an admin of your account can erase a contact', { exact: false }).waitFor();
    expect(await asMember.page.getByRole('button', { name: 'Delete permanently' }).count()).toBe(0);
    const refused = await asCookie(member.cookie, '/crm/v3/objects/contacts/gdpr-delete', { method: 'POST', json: { objectId: id } });
    expect(refused.status).toBe(403);
    await asMember.ctx.close();

    const { page, ctx } = await openApp(browser, server, admin, `/app/contacts/${id}`);
    await page.getByRole('button', { name: 'Delete permanently' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Delete bob.stone@acme.test permanently?' }).waitFor();
    const confirm = dialog.getByRole('button', { name: 'Delete permanently' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type bob.stone@acme.test to confirm').fill('bob@acme.test');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await server.api(`/api/v1/contacts/${id}`, { token: admin.accessToken })).status, 'Cancel erases nothing').toBe(200);

    await page.getByRole('button', { name: 'Delete permanently' }).click();
    await dialog.getByLabel('Type bob.stone@acme.test to confirm').fill('Bob.Stone@acme.test');
    // The confirming button reads on one line (it once broke in two at 1280 px): its text's line boxes share one top.
    const lines = await confirm.evaluate((b) => {
      const range = document.createRange();
      range.selectNodeContents(b);
      return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
    });
    expect(lines).toBe(1);
    await shot(page, 'settings', 'contact-erase-dialog');

    // At 360 px in dark the dialog fits the screen and the confirming button still reads on one line.
    const narrow = await openApp(browser, server, admin, `/app/contacts/${id}`, { width: 360, dark: true });
    await narrow.page.getByRole('button', { name: 'Delete permanently' }).click();
    const small = narrow.page.getByRole('dialog');
    await small.getByLabel('Type bob.stone@acme.test to confirm').fill('bob.stone@acme.test');
    const fits = await small.evaluate((d) => d.scrollWidth <= d.clientWidth && d.getBoundingClientRect().right <= window.innerWidth);
    expect(fits).toBe(true);
    expect(
      await small.getByRole('button', { name: 'Delete permanently' }).evaluate((b) => {
        const range = document.createRange();
        range.selectNodeContents(b);
        return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
      }),
    ).toBe(1);
    await shot(narrow.page, 'settings', 'contact-erase-dialog-360-dark');
    await narrow.ctx.close();

    await dialog.getByRole('button', { name: 'Delete permanently' }).click();
    await page.waitForURL(/\/app\/contacts$/);
    await page.getByText('bob.stone@acme.test was erased', { exact: false }).waitFor();
    expect((await server.api(`/api/v1/contacts/${id}`, { token: admin.accessToken })).status).toBe(404);
    await ctx.close();
  });

  it('shows loading, then an error with Retry when a section cannot load, and works from the keyboard', async () => {
    const { page, ctx } = await openApp(browser, server, admin, '/app/settings');
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/v1/sessions', async (route) => {
      await held;
      await route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ status: 'error', message: 'The database is busy.', category: 'INTERNAL' }) });
    });
    await page.reload();
    const devices = section(page, 'Devices and access tokens');
    await devices.getByText('Loading your devices…').waitFor();
    release();
    await devices.getByRole('alert').getByText('Could not load your devices: The database is busy.', { exact: false }).waitFor();
    await shot(page, 'settings', 'settings-devices-error');
    await page.unroute('**/api/v1/sessions');
    await devices.getByRole('button', { name: 'Retry' }).click();
    await devices.getByRole('list', { name: 'Devices and access tokens' }).getByText('This device').waitFor();

    // Change the password from the keyboard alone: Tab between the fields, Enter submits.
    const pw = section(page, 'Password');
    await pw.getByLabel('Current password').focus();
    await page.keyboard.type('a brand new passphrase 42');
    await page.keyboard.press('Tab');
    await page.keyboard.type('short');
    await page.keyboard.press('Enter');
    await pw.getByText(/Password not changed: /).waitFor();
    expect((await login(admin.email, 'a brand new passphrase 42')).status).toBe(200);
    await ctx.close();
  });

  it('another account cannot end, revoke or erase what is not theirs; bad values change nothing', async () => {
    const outsider = await appUser(server, 'eve@elsewhere.test', { role: 'admin', account: 'elsewhere' });
    const devices = (await (await asCookie(admin.cookie, '/api/v1/sessions')).json()) as { results: Array<{ id: string; kind: string; current: boolean }> };
    const mySession = devices.results.find((d) => d.current)!;
    const myToken = devices.results.find((d) => d.kind === 'token')!;
    expect((await asCookie(outsider.cookie, `/api/v1/sessions/${mySession.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await asCookie(outsider.cookie, `/api/v1/access-tokens/${myToken.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await asCookie(admin.cookie, '/api/v1/settings')).status).toBe(200);
    expect((await server.api('/api/v1/settings', { token: admin.accessToken })).status).toBe(200);

    const made = await server.api('/api/v1/contacts', { token: admin.accessToken, method: 'POST', json: { email: 'zoe@acme.test', name: 'Zoë Ünïcode ✓' } });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    expect((await asCookie(outsider.cookie, '/crm/v3/objects/contacts/gdpr-delete', { method: 'POST', json: { objectId: id } })).status).toBe(404);
    expect((await server.api(`/api/v1/contacts/${id}`, { token: admin.accessToken })).status).toBe(200);

    for (const retentionDays of [0, 3651, 1.5, -1]) {
      expect((await asCookie(admin.cookie, '/api/v1/account', { method: 'PUT', json: { retentionDays } })).status, String(retentionDays)).toBe(400);
    }
    expect((await asCookie(admin.cookie, '/api/v1/auth/password', { method: 'POST', json: { currentPassword: 'a brand new passphrase 42', newPassword: 'x'.repeat(100_000) } })).status).toBe(400);
    expect((await login(admin.email, 'a brand new passphrase 42')).status).toBe(200);
    // Cookie-authenticated changes from another site are refused.
    expect((await asCookie(admin.cookie, '/api/v1/auth/password', { method: 'POST', headers: { origin: 'https://evil.test' }, json: { currentPassword: 'a brand new passphrase 42', newPassword: 'another long passphrase 7' } })).status).toBe(403);
  });

  it('Settings and the contact page pass axe-core at 1280 light, dark and 360 px', async () => {
    await looks('/app/settings', admin, 'settings-admin', 'Sending domains');
    await looks('/app/settings', member, 'settings-member', 'Notification channels');
    const created = await server.api('/api/v1/contacts', { token: admin.accessToken, method: 'POST', json: { email: 'carol@acme.test', name: 'Carol Diaz' } });
    const { id } = (await created.json()) as { id: string };
    await looks(`/app/contacts/${id}`, admin, 'contact', 'Erase');
  });
});
