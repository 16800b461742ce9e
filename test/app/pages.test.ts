// The web app's journeys in headless Chromium, through real sign-in (docs/product.md §10): the built app
// from dist/, served at /app by the real server, each person signed in with the mb_session cookie their
// invite gave them (test/helpers/app-browser.ts).
// - Templates: create one, type in the editor and watch the preview follow, fill a custom value, send a
//   test and find it in the dev mailbox, open it there and watch the open arrive live on Activity, publish,
//   and see the add-in's template picker offer it.
// - Transactional: an SMTP token, a message sent with swaks and its delivery in Messages, a bounce from the
//   relay that suppresses the address, and removing the suppression.
// - A member sees no admin section.
// - Every page at 1280 and 360 px: no serious or critical axe-core violation, no sideways scrolling at
//   360 px, screenshots light and dark in test/artifacts/app/ (and the README's in test/artifacts/app/readme/).
// Two servers: one without a relay (the dev mailbox), one relaying to a test SMTP server that can refuse.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { devCertFile, sendWithSwaks, swaksCanTake } from '../helpers/smtp-clients.js';
import { CHROME, get, imageHeaders } from '../helpers/tracking.js';
import { appUser, axeIssues, openApp, shot, signedIn, type AppUser } from '../helpers/app-browser.js';
import { FAST_QUEUE } from '../send/fixtures.js';
import { createApi } from '../../src/ui/api/client.js';
import { searchTemplates } from '../../src/addin/helpers/template-fields.js';

const README_SHOTS = path.resolve('test/artifacts/app/readme');

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An API call as `user` (their access token), failing loudly. */
async function call<T>(server: RunningServer, user: AppUser, pathname: string, init: Parameters<RunningServer['api']>[1] = {}): Promise<T> {
  const res = await server.api(pathname, { token: user.accessToken, ...init });
  const text = await res.text();
  if (!res.ok) throw new Error(`${pathname} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Every list and resource shows a spinner while it loads: none left means the page has its content. The
 * admin's first-run checklist and the SMTP tokens' statistics show none: they are waited for by what they
 * show once loaded.
 */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('[role="progressbar"]'), undefined, { timeout: 15_000 });
  if ((await page.getByText('Get started').count()) > 0) await page.getByRole('button', { name: 'Copy manifest URL' }).and(page.locator(':enabled')).waitFor();
  // Each SMTP token's statistics arrive on their own ("…" until then).
  if ((await page.getByRole('region', { name: 'SMTP tokens table' }).count()) > 0) await page.getByText(/\d+ sent · /).first().waitFor();
}

/** A PNG as WebP (quality 0.9), encoded by Chromium's own canvas: small enough to commit, no image tool needed. */
async function webp(page: Page, png: Buffer): Promise<Buffer> {
  const url = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    canvas.getContext('2d')!.drawImage(img, 0, 0);
    return canvas.toDataURL('image/webp', 0.9);
  }, png.toString('base64'));
  if (!url.startsWith('data:image/webp;base64,')) throw new Error('this Chromium cannot encode WebP');
  return Buffer.from(url.slice('data:image/webp;base64,'.length), 'base64');
}

describe('the web app in Chromium, signed in for real', { timeout: 120_000 }, () => {
  let tdb: TestDatabase;
  let relayDb: TestDatabase;
  let sink: Sink;
  let server: RunningServer; // no relay: the dev mailbox
  let relayed: RunningServer; // relays to `sink`
  let admin: AppUser;
  let member: AppUser;
  let relayAdmin: AppUser;
  let browser: Browser;
  const seeded: Record<string, string> = {};

  beforeAll(async () => {
    [tdb, relayDb, sink, browser] = await Promise.all([createTestDatabase('sqlite'), createTestDatabase('sqlite'), startSink(), launchChromium()]);
    [server, relayed] = await Promise.all([startServer(tdb, FAST_QUEUE), startServer(relayDb, { RELAY_URL: sink.url, ...FAST_QUEUE })]);
    admin = await appUser(server, 'rep@shop.test', { name: 'Ren Park' });
    [member, relayAdmin] = await Promise.all([appUser(server, 'mo@shop.test', { name: 'Mo Member', role: 'member' }), appUser(relayed, 'ops@shop.test', { name: 'Ops Admin' })]);
    expect([admin.role, member.role, relayAdmin.role]).toEqual(['admin', 'member', 'admin']);

    // One of everything the pages show: a contact with a logged email and its attachment, a tracked
    // email opened by a person and by a script (filtered), a template.
    const contact = await call<{ id: string }>(server, admin, '/api/v1/contacts', { method: 'POST', json: { email: 'ann@acme.test', name: 'Ann Lee', properties: { company: 'Acme' }, legalBasis: 'CONSENT' } });
    seeded.contact = contact.id;
    const form = new FormData();
    form.append('email', JSON.stringify({ subject: 'Quote for Acme', html: '<p>Quote attached</p>', text: 'Quote attached', from: admin.email, to: ['ann@acme.test'], cc: [], bcc: [], sentAt: new Date().toISOString(), internetMessageId: '<quote@shop.test>' }));
    form.append('attachments', new Blob(['%PDF-1.4 quote'], { type: 'application/pdf' }), 'quote.pdf');
    await call(server, admin, '/api/v1/logged-emails', { method: 'POST', body: form });
    const tracked = await call<{ id: string; pixelUrl: string }>(server, admin, '/api/v1/tracked-emails', {
      method: 'POST',
      json: { subject: 'Pricing for Acme', from: admin.email, to: ['ann@acme.test'], cc: [], bcc: [], html: '<p><a href="https://acme.test/pricing">Pricing</a></p>' },
    });
    seeded.tracked = tracked.id;
    const pixel = tracked.pixelUrl.replace(/^https?:\/\/[^/]+/, server.url);
    expect((await get(pixel, imageHeaders)).status).toBe(200);
    expect((await get(pixel, { 'user-agent': 'curl/8.5.0', accept: '*/*' })).status).toBe(200); // filtered: not a person
    const t = await call<{ id: number }>(server, admin, '/api/v1/emails', {
      method: 'POST',
      json: { name: 'Order shipped', subject: 'Order {{ custom.order_id }} shipped', html: '<p>Hi {{ contact.firstname | default: "there" }}, order {{ custom.order_id }} is on its way.</p>', subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' },
    });
    seeded.template = String(t.id);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.stop('SIGKILL'), relayed?.stop('SIGKILL')]);
    await sink?.close();
    await Promise.all([tdb?.drop(), relayDb?.drop()]);
  });

  it('templates: create, type and see the preview follow, fill a value, send a test to the dev mailbox, open it and see the open live on Activity, publish, and the add-in picker offers it', async () => {
    // Activity stays open beside the editor, to hear the test mail's open arrive.
    const activity = await openApp(browser, server, admin, '/app/activity');
    await activity.page.getByRole('list', { name: 'Opens and clicks' }).getByText('Pricing for Acme').first().waitFor();

    const { page, ctx } = await openApp(browser, server, admin, '/app/templates');
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
    await page.getByLabel('custom.city').fill('Zürich');
    await preview.getByText('Ship to Zürich').waitFor();
    await page.getByLabel('custom.order_id').fill('A-42');
    await preview.getByText('Your order A-42 is on its way.').waitFor();
    await expect(page.getByTestId('preview-subject').textContent()).resolves.toBe('Hello there');

    // Send test: to the signed-in person's own address, through the queue, into the dev mailbox.
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText(`Test sent to ${admin.email}.`).waitFor();
    // The dev mailbox shows its newest message at once, so it is polled without a browser (which would
    // load the pixel) until the test mail is there.
    await until('the test mail in the dev mailbox', async () => (await (await fetch(`${server.url}/dev/mailbox`)).text()).includes('[Test] Hello there'));
    expect(await activity.page.getByText('[Test] Hello there').count()).toBe(0);
    // Opening it renders the message as a mail client would: its pixel loads, and Activity hears it live.
    const viewer = await browser.newContext({ viewport: { width: 1280, height: 900 }, userAgent: CHROME });
    const mailbox = await viewer.newPage();
    await mailbox.goto(`${server.url}/dev/mailbox`);
    await mailbox.getByRole('link', { name: /\[Test\] Hello there/ }).first().click();
    const message = mailbox.frameLocator('iframe[title="Message"]');
    await message.getByText('Ship to Zürich').waitFor();
    await message.getByText('Your order A-42 is on its way.').waitFor();
    await activity.page.getByRole('list', { name: 'Opens and clicks' }).getByText('[Test] Hello there').first().waitFor({ timeout: 15_000 });
    await viewer.close();
    await shot(activity.page, 'app', 'journey-activity-live-open');
    await activity.ctx.close();

    // Publish, confirmed: saved first, then published; the add-in's picker (its own API client and
    // search) lists it.
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.getByText('Published: single sends use this version from now on.').waitFor();
    const addinApi = createApi({ backendUrl: server.url, accessToken: admin.accessToken });
    const offered = searchTemplates(await addinApi.listTemplates(), 'untitled');
    expect(offered.map((t) => String(t.id))).toEqual([id]);
    expect(offered[0].html).toContain('Ship to {{ custom.city }}');
    expect(searchTemplates(await addinApi.listTemplates(), 'order shipped')).toEqual([]); // a draft is not offered
    expect(await page.getByText('Unpublished changes').count()).toBe(0);
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' more');
    await page.getByText('Unpublished changes').waitFor();
    await ctx.close();
  });

  it('transactional: create an SMTP token (password once), send with swaks, see the message and its delivery; a bounce from the relay suppresses, Remove lifts it', async () => {
    const { page, ctx } = await openApp(browser, relayed, relayAdmin, '/app/transactional');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByLabel('Campaign name').fill('Receipts ✓');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText("You won't see this password again.", { exact: false }).waitFor();
    const password = await dialog.getByLabel('Password').inputValue();
    const username = (await dialog.locator('code').nth(2).textContent())!;
    expect(password.length).toBeGreaterThanOrEqual(22);
    await expect(dialog.locator('code').first().textContent()).resolves.toBe('localhost');
    await expect(dialog.locator('code').nth(1).textContent()).resolves.toContain(String(relayed.smtpPort));
    // A click outside does not dismiss it.
    await page.mouse.click(5, 5);
    await expect(dialog.isVisible()).resolves.toBe(true);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Receipts ✓ creates contacts' }).waitFor();

    const creds = await swaksCanTake(relayed, relayAdmin.accessToken, { port: relayed.smtpPort, user: username, pass: password, caFile: devCertFile(relayed) });
    const sent = await sendWithSwaks(creds, 'shop@shop.test', ['buyer@customer.test'], 'From: shop@shop.test\r\nTo: buyer@customer.test\r\nSubject: Receipt 1001\r\n\r\nThanks.\r\n');
    expect(sent.code, sent.stderr).toBe(0);
    await sink.waitFor(1);
    await until('the delivery', async () => (await call<{ results: Array<{ status: string }> }>(relayed, relayAdmin, '/api/v1/messages?recipient=buyer@customer.test')).results[0]?.status === 'SENT');
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.getByRole('row', { name: /buyer@customer\.test/ });
    await row.getByText('SENT').waitFor();
    await row.getByText('Receipt 1001').waitFor();
    await row.getByRole('button', { name: 'buyer@customer.test' }).click();
    await page.getByText('Delivery attempts').waitFor();
    await page.getByText(/DELIVERED: 250/).waitFor();

    sink.mode = 'permfail-rcpt';
    const bounced = await sendWithSwaks(creds, 'shop@shop.test', ['gone@customer.test'], 'From: shop@shop.test\r\nTo: gone@customer.test\r\nSubject: Receipt 1002\r\n\r\nThanks.\r\n');
    expect(bounced.code, bounced.stderr).toBe(0);
    await until('the suppression', async () => (await call<{ results: unknown[] }>(relayed, relayAdmin, '/api/v1/suppressions')).results.length === 1);
    sink.mode = 'accept';
    await page.reload();
    await page.getByRole('row', { name: /gone@customer\.test/ }).getByText('BOUNCE', { exact: true }).waitFor();
    await page.getByRole('row', { name: /gone@customer\.test/ }).getByText('Hard bounce').waitFor();
    await shot(page, 'app', 'journey-transactional-bounce');
    await page.getByRole('button', { name: 'Remove suppression of gone@customer.test' }).click();
    await page.getByRole('button', { name: 'Remove suppression', exact: true }).click();
    await page.getByText('gone@customer.test is no longer suppressed.').waitFor();
    expect((await call<{ results: unknown[] }>(relayed, relayAdmin, '/api/v1/suppressions')).results).toEqual([]);
    await ctx.close();
  });

  it('a member sees no admin section; an admin does', async () => {
    const asAdmin = await openApp(browser, server, admin, '/app/settings');
    await asAdmin.page.getByRole('heading', { name: 'Sending domains' }).waitFor();
    await asAdmin.page.getByRole('heading', { name: 'Account' }).waitFor();
    await asAdmin.ctx.close();

    const asMember = await openApp(browser, server, member, '/app/settings');
    await asMember.page.getByRole('heading', { name: 'Your settings' }).waitFor();
    await settled(asMember.page);
    expect(await asMember.page.getByRole('heading', { name: 'Sending domains' }).count()).toBe(0);
    expect(await asMember.page.getByRole('heading', { name: 'Account' }).count()).toBe(0);
    await asMember.page.goto(`${server.url}/app/activity`);
    await asMember.page.getByRole('button', { name: 'Turn on desktop notifications' }).waitFor();
    expect(await asMember.page.getByText('Get started').count()).toBe(0);
    await asMember.ctx.close();
    // And the server agrees: the account's routes are not the member's.
    expect((await server.api('/api/v1/domains', { token: member.accessToken, method: 'POST', json: { domain: 'x.shop.test' } })).status).toBe(403);
  });

  it('every page: no serious or critical axe violation at 1280 and 360 px, no sideways scrolling at 360 px, screenshots light and dark', async () => {
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
    // The journeys above left a token and messages on the relayed server; a suppression too, for the table.
    await call(relayed, relayAdmin, '/api/v1/suppressions', { method: 'POST', json: { email: 'complained@customer.test', detail: 'Asked us to stop' } });
    const problems: string[] = [];
    // One profile per width and scheme for each server, reused page after page.
    for (const width of [1280, 360]) {
      for (const dark of [false, true]) {
        const profiles = new Map<RunningServer, Page>();
        for (const [srv, who] of [[server, admin], [relayed, relayAdmin]] as const) profiles.set(srv, await (await signedIn(browser, srv, who, { width, dark })).newPage());
        for (const [name, route, title] of pages) {
          // The transactional page shows its tables with the relayed server's token, messages and suppressions.
          const srv = name === 'transactional' ? relayed : server;
          const page = profiles.get(srv)!;
          await page.goto(srv.url + route);
          await page.getByRole('heading', { level: 1, name: title }).waitFor();
          await settled(page);
          await shot(page, 'app', `${name}-${width}-${dark ? 'dark' : 'light'}`);
          if (!dark) for (const v of await axeIssues(browser, page)) problems.push(`${name} at ${width}px: ${v}`);
          if (width === 360) {
            const wide = await page.evaluate(() => document.documentElement.scrollWidth);
            if (wide > 360) problems.push(`${name} at 360px is ${wide}px wide`);
          }
          // Wide tables scroll inside a labelled region a keyboard can reach, not the page.
          if (name === 'transactional' && width === 360) {
            for (const label of ['SMTP tokens table', 'Messages table', 'Suppressions table']) {
              const region = page.getByRole('region', { name: label });
              if ((await region.count()) !== 1) problems.push(`transactional: no region "${label}"`);
              else if ((await region.getAttribute('tabindex')) !== '0') problems.push(`transactional: region "${label}" cannot be focused`);
            }
          }
        }
        for (const page of profiles.values()) await page.context().close();
      }
    }
    expect(problems).toEqual([]);
  });

  it('README screenshots: small images of Activity, the template editor, Transactional and a 360 px dark page', async () => {
    fs.mkdirSync(README_SHOTS, { recursive: true });
    const shots: Array<[string, RunningServer, AppUser, string, { width: number; height: number; dark?: boolean; show?: string }]> = [
      ['app-activity', server, admin, '/app/activity', { width: 1024, height: 640, show: 'Opens and clicks' }],
      ['app-template-editor', server, admin, `/app/templates/${seeded.template}`, { width: 1024, height: 640 }],
      ['app-transactional', relayed, relayAdmin, '/app/transactional', { width: 1024, height: 640 }],
      ['app-tracked-360-dark', server, admin, `/app/tracked/${seeded.tracked}`, { width: 360, height: 720, dark: true }],
    ];
    for (const [name, srv, who, route, o] of shots) {
      const { page, ctx } = await openApp(browser, srv, who, route, o);
      await page.setViewportSize({ width: o.width, height: o.height });
      await settled(page);
      // The part worth showing, at the foot of the picture (the feed sits below the first-run checklist).
      if (o.show) await page.getByRole('list', { name: o.show }).evaluate((el) => el.scrollIntoView({ block: 'end' }));
      const file = path.join(README_SHOTS, `${name}.webp`);
      fs.writeFileSync(file, await webp(page, await page.screenshot()));
      expect(fs.statSync(file).size).toBeGreaterThan(5_000);
      expect(fs.statSync(file).size).toBeLessThanOrEqual(80 * 1024);
      await ctx.close();
    }
  });
});
