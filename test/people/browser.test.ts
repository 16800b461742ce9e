// People and sign-in in headless Chromium against the real server (from the CLI's invite link to a
// signed-in Outlook pane): an admin sets a password from `inviteUrl` and signs in; a member invited
// from the API opens the link from the email in the dev mailbox, sets a password, signs out; a
// password reset through the email link ends the other session; a script in a dev-mailbox message
// does not run; the add-in's Sign in with Mailbeacon goes through the dialog page to the compose
// view, and its sign-out revokes the token. Pages load with no CSP violation and no serious axe issue.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { axeIssues as axeOf } from '../helpers/app-browser.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { linkIn, mailTo } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts', 'people');
const OFFICE_JS = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
const STUB = fs.readFileSync(path.join(ROOT, 'test', 'addin', 'office-stub.js'), 'utf8');
const ADMIN_PASSWORD = 'admin chooses a long passphrase';

let browser: Browser;

/** A browser profile; CSP violations it reports are collected (there must be none). */
async function profile(violations: string[], opts: { width?: number; dark?: boolean } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: 800 }, colorScheme: opts.dark ? 'dark' : 'light' });
  ctx.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  return ctx;
}

/** axe-core's serious and critical findings on the page as it stands (test/helpers/app-browser.ts). */
const axeIssues = (page: Page) => axeOf(browser, page);

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

describe.each(BACKENDS)('people in the browser (%s)', { timeout: 90_000 }, (backend) => {
  let db: TestDatabase;
  let server: RunningServer;
  let admin: { accessToken: string; inviteUrl: string };
  const violations: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'app.html'))) execFileSync(process.execPath, ['scripts/build.mjs', '--if-needed'], { cwd: ROOT, stdio: 'inherit' });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    db = await createTestDatabase(backend);
    server = await startServer(db);
    const r = await server.cli(['user', 'add', 'ada@acme.test', '--name', 'Ada Admin']);
    admin = JSON.parse(r.stdout);
    browser ??= await launchChromium();
  }, 120_000);
  afterAll(async () => {
    if (backend === BACKENDS.at(-1)) await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('invite link → password → signed in; a member invited from the API does the same from the email, and signs out', async () => {
    const ctx = await profile(violations);
    const page = await ctx.newPage();
    // The CLI's link is to PUBLIC_URL (localhost); the browser opens the same path on the server.
    await page.goto(server.url + new URL(admin.inviteUrl).pathname);
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();
    await page.getByText('ada@acme.test').waitFor();
    if (backend === 'sqlite') {
      await shot(page, 'set-password-light');
      expect(await axeIssues(page)).toEqual([]);
    }
    await page.getByLabel('New password').fill('password1');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('alert').getByText(/at least 10|commonly used/).waitFor();
    await page.getByLabel('New password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/activity');
    const nav = page.getByRole('navigation');
    for (const name of ['Activity', 'Tracked email', 'Contacts', 'Templates', 'Transactional', 'Settings']) expect(await nav.getByRole('link', { name, exact: true }).count()).toBe(1);
    await nav.getByText('Ada Admin').waitFor();
    const cookie = (await ctx.cookies()).find((c) => c.name === 'mb_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    if (backend === 'sqlite') {
      await shot(page, 'activity-wide');
      expect(await axeIssues(page)).toEqual([]);
    }
    // A deep link works, and the nav marks it.
    await nav.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor();

    // The admin invites a member from the API; the email arrives in the dev mailbox.
    const before = Date.now();
    const invited = await server.api('/api/v1/users', { token: admin.accessToken, method: 'POST', json: { email: 'max@acme.test', name: 'Max Member' } });
    expect(invited.status).toBe(201);
    await mailTo(server, 'max@acme.test', /invited/, before);
    await page.goto(server.url + '/dev/mailbox');
    await page.getByRole('link', { name: /You are invited to Mailbeacon/ }).first().click();
    const frame = page.frameLocator('iframe[title="Message"]');
    const href = await frame.getByRole('link', { name: 'Set your password' }).getAttribute('href');
    const { token } = linkIn(href!, 'invite');

    const memberCtx = await profile(violations, { width: 360, dark: true });
    const member = await memberCtx.newPage();
    await member.goto(`${server.url}/app/invite/${token}`);
    await member.getByLabel('Your name').waitFor();
    if (backend === 'sqlite') await shot(member, 'set-password-dark-360');
    await member.getByLabel('New password').fill('max picks his own passphrase');
    await member.getByRole('button', { name: 'Set password' }).click();
    await member.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    // Narrow: the nav is behind the menu button.
    await member.getByRole('button', { name: 'Menu' }).click();
    if (backend === 'sqlite') await shot(member, 'menu-dark-360');
    await member.getByRole('button', { name: 'Sign out' }).click();
    await member.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await member.getByLabel('Email').count()).toBe(1);
    if (backend === 'sqlite') {
      await shot(member, 'sign-in-dark-360');
      expect(await axeIssues(member)).toEqual([]);
    }
    // Signed out for real: the API refuses the old cookie.
    expect((await member.request.get(server.url + '/api/v1/me')).status()).toBe(401);
    await memberCtx.close();
    await ctx.close();
  });

  it('a password reset through the email link ends the other session, which returns to sign-in and then to its page', async () => {
    const desk = await profile(violations);
    const deskPage = await desk.newPage();
    await deskPage.goto(server.url + '/app');
    await deskPage.getByLabel('Email').fill('ada@acme.test');
    await deskPage.getByLabel('Password').fill(ADMIN_PASSWORD);
    await deskPage.getByRole('button', { name: 'Sign in' }).click();
    await deskPage.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await deskPage.getByRole('navigation').getByRole('link', { name: 'Templates' }).click();
    await deskPage.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();

    const laptop = await profile(violations);
    const page = await laptop.newPage();
    await page.goto(server.url + '/app');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    const before = Date.now();
    await page.getByLabel('Email').fill('ada@acme.test');
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByRole('status').waitFor();
    const { token } = linkIn((await mailTo(server, 'ada@acme.test', /Reset/, before)).text, 'reset');
    await page.goto(`${server.url}/app/reset/${token}`);
    await page.getByLabel('New password').fill('ada resets to this passphrase');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();

    // The desk's session has ended: a reload shows sign-in, and signing in returns to Templates.
    await deskPage.reload();
    await deskPage.getByRole('button', { name: 'Sign in' }).waitFor();
    await deskPage.getByLabel('Email').fill('ada@acme.test');
    await deskPage.getByLabel('Password').fill('ada resets to this passphrase');
    await deskPage.getByRole('button', { name: 'Sign in' }).click();
    await deskPage.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
    // The used link is dead.
    await page.goto(`${server.url}/app/reset/${token}`);
    await page.getByRole('alert').getByText(/used|expired/).waitFor();
    await desk.close();
    await laptop.close();
  });

  it('a script in a dev-mailbox message does not run, and cannot reach the session', async () => {
    const dir = path.join(db.dataDir, 'mailbox');
    fs.mkdirSync(dir, { recursive: true });
    const eml = [
      'From: attacker@evil.test',
      'To: ada@acme.test',
      'Subject: Script test',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><body><p id="p">hello</p><script>document.getElementById("p").textContent = "ran"; try { parent.document.title = "pwned" } catch (e) {}</script>',
      '<img src="data:," onerror="document.body.dataset.onerror = 1" onload="document.body.dataset.onload = 1"></body></html>',
      '',
    ].join('\r\n');
    fs.writeFileSync(path.join(dir, `${Date.now()}-scripttest.eml`), eml);
    const ctx = await profile(violations);
    const page = await ctx.newPage();
    await page.goto(server.url + '/app');
    await page.getByLabel('Email').fill('ada@acme.test');
    await page.getByLabel('Password').fill('ada resets to this passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await page.goto(server.url + '/dev/mailbox');
    await page.getByRole('link', { name: /Script test/ }).click();
    const iframe = page.locator('iframe[title="Message"]');
    const sandbox = (await iframe.getAttribute('sandbox')) ?? '';
    expect(sandbox).not.toMatch(/allow-scripts|allow-same-origin/);
    const frame = page.frameLocator('iframe[title="Message"]');
    await frame.locator('#p').waitFor();
    expect(await frame.locator('#p').textContent()).toBe('hello');
    expect(await frame.locator('body').getAttribute('data-onerror')).toBeNull();
    expect(await frame.locator('body').getAttribute('data-onload')).toBeNull();
    expect(await page.title()).not.toBe('pwned');
    // Its origin is opaque: not the one the session cookie belongs to.
    const frameOrigin: string = await page.frames().find((f) => f.url().includes('/html'))!.evaluate(() => window.origin);
    expect(frameOrigin).toBe('null');
    await ctx.close();
  });

  it('Outlook: Sign in with Mailbeacon → the dialog signs in → the compose view; Sign out revokes the token', async () => {
    const ctx = await browser.newContext({ viewport: { width: 350, height: 800 } });
    await ctx.route(OFFICE_JS, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: STUB }));
    await ctx.addInitScript((c) => Object.assign(window, { __officeStubConfig: c }), { id: `dialog-${backend}`, mode: 'compose', user: { emailAddress: 'ada@acme.test', displayName: 'Ada' }, item: { subject: 'Hello', to: [] } });
    ctx.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const pane = await ctx.newPage();
    await pane.goto(server.url + '/taskpane.html');
    const opened = ctx.waitForEvent('page');
    await pane.getByRole('button', { name: 'Sign in with Mailbeacon' }).click();
    const dialog = await opened;
    await dialog.getByRole('heading', { name: 'Sign in to Mailbeacon for Outlook' }).waitFor();
    await dialog.getByLabel('Email').fill('ada@acme.test');
    await dialog.getByLabel('Password').fill('ada resets to this passphrase');
    if (backend === 'sqlite') await shot(dialog, 'addin-dialog');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await pane.getByRole('tab', { name: 'Email' }).waitFor({ timeout: 15_000 });
    await pane.getByRole('switch', { name: 'Track' }).waitFor();
    if (backend === 'sqlite') await shot(pane, 'addin-signed-in');
    const session = (await pane.evaluate(() => (window as unknown as { __officeStub: { state(): { roaming: Record<string, { accessToken: string; backendUrl: string }> } } }).__officeStub.state().roaming)) as Record<string, { accessToken: string; backendUrl: string }>;
    const saved = Object.values(session).find((v) => v && typeof v === 'object' && 'accessToken' in v)!;
    expect(saved.backendUrl).toBe(server.url);
    expect((await server.api('/api/v1/me', { token: saved.accessToken })).status).toBe(200);
    // The token is listed as "Outlook" among the devices.
    const devices = (await (await server.api('/api/v1/sessions', { token: saved.accessToken })).json()).results as Array<{ name: string; current: boolean }>;
    expect(devices.find((d) => d.current)?.name).toBe('Outlook');

    await pane.getByRole('tab', { name: 'Settings' }).click();
    await pane.getByRole('button', { name: 'Sign out' }).click();
    await pane.getByRole('button', { name: 'Sign in with Mailbeacon' }).waitFor();
    expect((await server.api('/api/v1/me', { token: saved.accessToken })).status).toBe(401);

    // Closing the dialog by hand says so, and the pane stays signed out.
    const again = ctx.waitForEvent('page');
    await pane.getByRole('button', { name: 'Sign in with Mailbeacon' }).click();
    await (await again).close();
    await pane.getByRole('alert').getByText(/closed before signing in finished/).waitFor();
    await ctx.close();
  });

  it('no page reported a Content-Security-Policy violation', () => {
    expect(violations).toEqual([]);
  });
});
