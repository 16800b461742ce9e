// The web app's pages in headless Chromium against the real backend (docs/product.md §10), through a
// stand-in for the app shell (harness/entry.tsx) with the test user's access token: the template editor
// and the transactional journeys, Activity receiving an open live, what a member does not see, and
// every page at desktop and 360 px in light and dark, checked with axe-core and saved as screenshots
// in test/artifacts/app/.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { devCertFile, sendWithSwaks } from '../helpers/smtp-clients.js';
import { get, imageHeaders } from '../helpers/tracking.js';
import { FAST_QUEUE } from '../send/fixtures.js';
import { startHarness, type Harness } from './harness/serve.js';

const ARTIFACTS = path.resolve('test/artifacts/app');
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const ME = { email: 'rep@shop.test', name: 'Ren Park' };

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the web app pages in Chromium', { timeout: 90_000 }, () => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;
  let token: string;
  let harness: Harness;
  let memberHarness: Harness;
  let browser: Browser;
  const seeded: Record<string, string> = {};

  const api = async <T>(pathname: string, init: Parameters<RunningServer['api']>[1] = {}): Promise<T> => {
    const res = await server.api(pathname, { token, ...init });
    const text = await res.text();
    if (!res.ok) throw new Error(`${pathname} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  async function open(route: string, opts: { width?: number; dark?: boolean; member?: boolean } = {}): Promise<{ page: Page; ctx: BrowserContext }> {
    const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, colorScheme: opts.dark ? 'dark' : 'light' });
    const page = await ctx.newPage();
    await page.goto((opts.member ? memberHarness : harness).url + route);
    await page.locator('h1').first().waitFor();
    return { page, ctx };
  }

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    tdb = await createTestDatabase('sqlite');
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE });
    const user = await server.addUser(ME.email, { name: ME.name });
    token = user.accessToken;
    const member = await server.addUser('member@shop.test', { name: 'Mo Member' });
    const base = { backendUrl: server.url };
    [harness, memberHarness, browser] = await Promise.all([
      startHarness({ ...base, accessToken: token, user: { id: user.id, email: ME.email, name: ME.name, role: 'admin' } }),
      startHarness({ ...base, accessToken: member.accessToken, user: { id: member.id, email: 'member@shop.test', name: 'Mo Member', role: 'member' } }),
      launchChromium(),
    ]);
    // One of everything the pages show: a contact with a logged email and its attachment, a tracked
    // email opened once, a template.
    const contact = await api<{ id: string }>('/api/v1/contacts', { method: 'POST', json: { email: 'ann@acme.test', name: 'Ann Lee', properties: { company: 'Acme' }, legalBasis: 'CONSENT' } });
    seeded.contact = contact.id;
    const form = new FormData();
    form.append('email', JSON.stringify({ subject: 'Quote for Acme', html: '<p>Quote attached</p>', text: 'Quote attached', from: ME.email, to: ['ann@acme.test'], cc: [], bcc: [], sentAt: new Date().toISOString(), internetMessageId: '<quote@shop.test>' }));
    form.append('attachments', new Blob(['%PDF-1.4 quote'], { type: 'application/pdf' }), 'quote.pdf');
    await api('/api/v1/logged-emails', { method: 'POST', body: form });
    const tracked = await api<{ id: string; pixelUrl: string }>('/api/v1/tracked-emails', { method: 'POST', json: { subject: 'Pricing for Acme', from: ME.email, to: ['ann@acme.test'], cc: [], bcc: [], html: '<p><a href="https://acme.test/pricing">Pricing</a></p>' } });
    seeded.tracked = tracked.id;
    seeded.pixel = tracked.pixelUrl.replace(/^https?:\/\/[^/]+/, server.url);
    expect((await get(seeded.pixel, imageHeaders)).status).toBe(200);
    expect((await get(seeded.pixel, { 'user-agent': 'curl/8.5.0', accept: '*/*' })).status).toBe(200); // filtered: not a person
    const t = await api<{ id: number }>('/api/v1/emails', { method: 'POST', json: { name: 'Order shipped', subject: 'Order {{ custom.order_id }} shipped', html: '<p>Hi {{ contact.firstname | default: "there" }}</p>', subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' } });
    seeded.template = String(t.id);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    await memberHarness?.close();
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  it('template editor: create, type and see the preview follow, fill a value, send a test, publish', async () => {
    const { page, ctx } = await open('/app/templates');
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByRole('heading', { level: 1, name: 'Untitled template' }).waitFor();
    const id = /\/app\/templates\/(\d+)$/.exec(page.url())![1];
    const preview = page.frameLocator('iframe[title="Email preview"]');
    await preview.getByText('Hello there,').waitFor();

    // Typing in the code editor re-renders the preview through the server, which finds the new token.
    const editor = page.locator('.cm-content');
    await expect(editor.getAttribute('aria-labelledby')).resolves.toBeTruthy();
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('Ship to {{ custom.city ');
    await preview.getByText('Ship to').waitFor();
    const city = page.getByLabel('custom.city');
    await city.fill('Zürich');
    await preview.getByText('Ship to Zürich').waitFor();
    await page.getByLabel('custom.order_id').fill('A-42');
    await preview.getByText('Your order A-42 is on its way.').waitFor();
    await expect(page.getByTestId('preview-subject').textContent()).resolves.toBe('Hello there');

    // Send test: to the signed-in person, with the typed values, through the queue.
    const before = sink.messages.length;
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText(`Test sent to ${ME.email}.`).waitFor();
    const [mail] = (await sink.waitFor(before + 1)).slice(before);
    expect(mail.to).toEqual([ME.email]);
    const { simpleParser } = await import('mailparser');
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toBe('[Test] Hello there');
    expect(parsed.html).toContain('Ship to Zürich');
    expect(parsed.html).toContain('A-42');

    // Publish, confirmed: saved first, then published; the add-in's picker lists published templates.
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.getByText('Published: single sends use this version from now on.').waitFor({ timeout: 10_000 }).catch(async (e) => {
      throw new Error(`${(e as Error).message}\nthe page says: ${await page.locator('[aria-live="polite"]').allTextContents()}`);
    });
    const published = await api<{ results: Array<{ id: number; html: string }> }>('/api/v1/emails?state=PUBLISHED');
    const mine = published.results.find((t) => String(t.id) === id)!;
    expect(mine.html).toContain('Ship to {{ custom.city }}');
    expect(await page.getByText('Unpublished changes').count()).toBe(0);
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' more');
    await page.getByText('Unpublished changes').waitFor();
    await ctx.close();
  });

  it('transactional: create an SMTP token (password once), send with swaks, see the delivery; a bounce suppresses, Remove lifts it', async () => {
    const { page, ctx } = await open('/app/transactional');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByLabel('Campaign name').fill('Receipts ✓');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText("You won't see this password again.", { exact: false }).waitFor();
    const password = await dialog.getByLabel('Password').inputValue();
    const username = await dialog.locator('code').nth(2).textContent();
    expect(password.length).toBeGreaterThanOrEqual(22);
    await expect(dialog.locator('code').first().textContent()).resolves.toBe('localhost');
    await expect(dialog.locator('code').nth(1).textContent()).resolves.toContain(String(server.smtpPort));
    // A click outside does not dismiss it.
    await page.mouse.click(5, 5);
    await expect(dialog.isVisible()).resolves.toBe(true);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Receipts ✓ creates contacts' }).waitFor();

    let pass = password;
    if (pass.startsWith('-')) pass = (await api<{ password: string }>(`/marketing/v3/transactional/smtp-tokens/${username}/password-reset`, { method: 'POST' })).password; // swaks reads it as an option
    const creds = { port: server.smtpPort, user: username!, pass, caFile: devCertFile(server) };
    const sent = await sendWithSwaks(creds, 'shop@shop.test', ['buyer@customer.test'], 'From: shop@shop.test\r\nTo: buyer@customer.test\r\nSubject: Receipt 1001\r\n\r\nThanks.\r\n');
    expect(sent.code, sent.stderr).toBe(0);
    await until('the delivery', async () => (await api<{ results: Array<{ status: string }> }>('/api/v1/messages?recipient=buyer@customer.test')).results[0]?.status === 'SENT');
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.getByRole('row', { name: /buyer@customer\.test/ });
    await row.getByText('SENT').waitFor();
    await row.getByRole('button', { name: 'buyer@customer.test' }).click();
    await page.getByText('Delivery attempts').waitFor();
    await page.getByText(/DELIVERED: 250/).waitFor();

    sink.mode = 'permfail-rcpt';
    await sendWithSwaks(creds, 'shop@shop.test', ['gone@customer.test'], 'From: shop@shop.test\r\nTo: gone@customer.test\r\nSubject: Receipt 1002\r\n\r\nThanks.\r\n');
    await until('the suppression', async () => (await api<{ results: unknown[] }>('/api/v1/suppressions')).results.length === 1);
    sink.mode = 'accept';
    await page.reload();
    await page.getByRole('button', { name: 'Remove suppression of gone@customer.test' }).click();
    await page.getByRole('button', { name: 'Remove suppression', exact: true }).click();
    await page.getByText('gone@customer.test is no longer suppressed.').waitFor();
    expect((await api<{ results: unknown[] }>('/api/v1/suppressions')).results).toEqual([]);
    await ctx.close();
  });

  it('Activity shows an open the moment it arrives', async () => {
    const { page, ctx } = await open('/app/activity');
    await page.getByText('Pricing for Acme').first().waitFor(); // the first open, from history
    const t = await api<{ pixelUrl: string }>('/api/v1/tracked-emails', { method: 'POST', json: { subject: 'Renewal for Acme', from: ME.email, to: ['ann@acme.test'], cc: [], bcc: [], html: '<p>Renewal</p>' } });
    expect(await page.getByText('Renewal for Acme').count()).toBe(0);
    await get(t.pixelUrl.replace(/^https?:\/\/[^/]+/, server.url), imageHeaders);
    await page.getByRole('list', { name: 'Opens and clicks' }).getByText('Renewal for Acme').waitFor();
    await page.getByText('Today').first().waitFor();
    // Filtered events only with Show filtered, each with its verdict chip and reasons.
    const chips = page.getByRole('list', { name: 'Opens and clicks' }).getByRole('button', { name: /not counted/ });
    expect(await chips.count()).toBe(0);
    await page.getByRole('button', { name: 'Show filtered' }).click();
    await chips.first().click();
    await page.getByRole('note').first().waitFor();
    expect((await page.getByRole('note').first().textContent())!.length).toBeGreaterThan(3);
    await ctx.close();
  });

  it('shows the account section and sending domains to admins only', async () => {
    const admin = await open('/app/settings');
    await admin.page.getByRole('heading', { name: 'Sending domains' }).waitFor();
    await admin.page.getByLabel('Domain', { exact: true }).fill('mail.shop.test');
    await admin.page.getByRole('button', { name: 'Add domain' }).click();
    await admin.page.getByText('mb' + new Date().getFullYear() + '._domainkey.mail.shop.test').waitFor();
    await admin.ctx.close();
    const member = await open('/app/settings', { member: true });
    await member.page.getByRole('heading', { name: 'Your settings' }).waitFor();
    expect(await member.page.getByRole('heading', { name: 'Sending domains' }).count()).toBe(0);
    expect(await member.page.getByRole('heading', { name: 'Account' }).count()).toBe(0);
    await member.ctx.close();
    const activity = await open('/app/activity', { member: true });
    await activity.page.getByRole('button', { name: 'Turn on desktop notifications' }).waitFor();
    expect(await activity.page.getByText('Get started').count()).toBe(0);
    await activity.ctx.close();
  });

  it('every page: no serious or critical axe violation, no sideways scrolling at 360 px, screenshots in light and dark', async () => {
    const pages: Array<[string, string, string]> = [
      ['activity', '/app/activity', 'Activity'],
      ['tracked', '/app/tracked', 'Tracked email'],
      ['tracked-email', `/app/tracked/${seeded.tracked}`, 'Pricing for Acme'],
      ['contacts', '/app/contacts', 'Contacts'],
      ['contact', `/app/contacts/${seeded.contact}`, 'Ann Lee'],
      ['templates', '/app/templates', 'Templates'],
      ['template', `/app/templates/${seeded.template}`, 'Order shipped'],
      ['transactional', '/app/transactional', 'Transactional'],
      ['settings', '/app/settings', 'Settings'],
    ];
    const problems: string[] = [];
    for (const [name, route, title] of pages) {
      for (const width of [1280, 360]) {
        for (const dark of [false, true]) {
          const { page, ctx } = await open(route, { width, dark });
          await page.getByRole('heading', { level: 1, name: title }).waitFor();
          // Loaded: no spinner left (every list and resource shows one while it loads).
          await page.waitForFunction(() => !document.querySelector('[role="progressbar"]'), undefined, { timeout: 10_000 });
          await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}-${dark ? 'dark' : 'light'}.png`), fullPage: true });
          if (!dark) {
            await page.addScriptTag({ content: AXE });
            const violations = (await page.evaluate(async () => {
              const axe = (window as unknown as { axe: { run(o?: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
              // Fluent's focus management (tabster) puts focusable aria-hidden sentinels around dialogs
              // and tab lists on purpose: they hand focus on, and are not content.
              return (await axe.run({ exclude: [['[data-tabster-dummy]']] })).violations;
            })) as Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
            for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
              problems.push(`${name} at ${width}px: ${v.id} (${v.impact}) on ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
            }
            if (width === 360) {
              const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
              if (overflow > 360) problems.push(`${name} at 360px is ${overflow}px wide`);
            }
          }
          await ctx.close();
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
