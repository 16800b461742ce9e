// Tracked email lists the person's sends too (docs/product.md §10, "one-to-one and sends they made"):
// a single send they requested and an SMTP API message sent with a token they created appear beside
// their one-to-one tracked email, marked as sends, searchable, paged by the same cursor, with their
// opens; nobody else's sends appear, and another person's send answers 404. Then the page in Chromium.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, TrackedEmailView } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { get, imageHeaders } from '../helpers/tracking.js';
import { smtpLogin, transport } from '../helpers/smtp-clients.js';
import { appUser, axeIssues, openApp, shot } from '../helpers/app-browser.js';
import { mailTo } from '../people/helpers.js';
import { makeTemplate } from '../send/fixtures.js';

/** A one-to-one tracked email, a single send and an SMTP API message, all made with `token`. */
async function makeMail(server: RunningServer, token: string, tag: string) {
  const tracked = (await (
    await server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject: `Pricing ${tag}`, from: 'rep@acme.test', to: [`ann-${tag}@example.test`], cc: [], bcc: [], html: '<p>Hi</p>' } })
  ).json()) as { id: string };
  const template = await makeTemplate(server, token, { name: `Order ${tag}` });
  const single = await server.api('/marketing/v3/transactional/single-email/send', { method: 'POST', token, json: { emailId: template.id, message: { to: `bo-${tag}@example.test` }, customProperties: { order_id: tag } } });
  expect(single.status, await single.clone().text()).toBeLessThan(300);
  const { creds } = await smtpLogin(server, token, `Campaign ${tag}`);
  await transport(creds).sendMail({ from: 'rep@acme.test', to: `cy-${tag}@example.test`, subject: `SMTP hello ${tag}`, html: '<p>Hello <a href="https://acme.test/x">there</a></p>' });
  return { trackedId: tracked.id };
}

describe.each(BACKENDS)('GET /api/v1/tracked-emails with sends (%s)', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let rep: { accessToken: string };
  let other: { accessToken: string };
  let outsider: { accessToken: string };

  const list = async (token: string, query = '') => {
    const res = await server.api(`/api/v1/tracked-emails${query}`, { token });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Page<TrackedEmailView>;
  };

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    rep = await server.addUser('rep@acme.test', { account: 'Acme' });
    other = await server.addUser('other@acme.test', { account: 'Acme' });
    outsider = await server.addUser('out@globex.test', { account: 'Globex' });
    await makeMail(server, rep.accessToken, 'r');
    await makeMail(server, other.accessToken, 'o');
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('lists the person’s one-to-one email and their sends, marked, and no one else’s', async () => {
    const { results } = await list(rep.accessToken);
    expect(results.map((t) => [t.subject, t.recipients, t.sentVia ?? null]).sort()).toEqual([
      ['Pricing r', ['ann-r@example.test'], null],
      ['SMTP hello r', ['cy-r@example.test'], 'SMTP_API'],
      ['Your order r', ['bo-r@example.test'], 'SINGLE_SEND'],
    ]);
    // Newest first, as one list.
    const times = results.map((t) => Date.parse(t.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect((await list(outsider.accessToken)).results).toEqual([]);
  });

  it('pages through both kinds with one cursor, and searches subject and recipients of sends', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await list(rep.accessToken, `?limit=1${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      seen.push(...page.results.map((t) => t.subject));
      after = page.paging?.next?.after;
    } while (after && seen.length < 10);
    expect(seen).toEqual((await list(rep.accessToken)).results.map((t) => t.subject));
    expect(seen).toHaveLength(3);

    expect((await list(rep.accessToken, '?q=CY-R@')).results.map((t) => t.subject)).toEqual(['SMTP hello r']);
    expect((await list(rep.accessToken, '?q=your%20order')).results.map((t) => t.subject)).toEqual(['Your order r']);
    expect((await list(rep.accessToken, '?q=%25')).results).toEqual([]);
    expect((await list(rep.accessToken, '?q=ünïcødé 🚀')).results).toEqual([]);
    // The read pane's lookup by Message-ID stays with Outlook's own tracked mail.
    const sent = (await list(rep.accessToken)).results.find((t) => t.sentVia === 'SINGLE_SEND')!;
    expect(sent.internetMessageId).toBeTruthy();
    expect((await list(rep.accessToken, `?internetMessageId=${encodeURIComponent(sent.internetMessageId!)}`)).results).toEqual([]);
  });

  it('shows one send with its opens to its sender, and 404 to anyone else', async () => {
    const single = (await list(rep.accessToken)).results.find((t) => t.sentVia === 'SINGLE_SEND')!;
    const mail = await mailTo(server, 'bo-r@example.test', /order/);
    const pixel = /src="([^"]+\/t\/o\/[^"]+)"/.exec(mail.html)![1].replace(/&amp;/g, '&').replace('localhost', '127.0.0.1');
    await get(pixel, imageHeaders);
    await expect
      .poll(async () => (await (await server.api(`/api/v1/tracked-emails/${single.id}`, { token: rep.accessToken })).json()).events.map((e: { type: string }) => e.type), { timeout: 10_000 })
      .toEqual(['OPEN']);
    const detail = (await (await server.api(`/api/v1/tracked-emails/${single.id}`, { token: rep.accessToken })).json()) as TrackedEmailView;
    expect(detail).toMatchObject({ id: single.id, subject: 'Your order r', recipients: ['bo-r@example.test'], sentVia: 'SINGLE_SEND' });
    expect(detail.opens).toBe(detail.events.filter((e) => e.counted).length);
    expect(detail.sentAt).toBeTruthy();
    expect((await server.api(`/api/v1/tracked-emails/${single.id}`, { token: other.accessToken })).status).toBe(404);
    expect((await server.api(`/api/v1/tracked-emails/${single.id}`, { token: outsider.accessToken })).status).toBe(404);
  });

  it('gives each row of a page its own recipients and events', async () => {
    const track = async (subject: string, to: string) =>
      (await (await server.api('/api/v1/tracked-emails', { method: 'POST', token: rep.accessToken, json: { subject, from: 'rep@acme.test', to: [to], cc: [], bcc: [], html: '<p>Hi</p>' } })).json()) as { id: string; pixelUrl: string };
    const opened = await track('Row opened', 'xa@example.test');
    const quiet = await track('Row quiet', 'xb@example.test');
    await get(opened.pixelUrl.replace('localhost', '127.0.0.1'), imageHeaders);
    await get(opened.pixelUrl.replace('localhost', '127.0.0.1'), imageHeaders);
    const byId = async () => new Map((await list(rep.accessToken, '?limit=100')).results.map((t) => [t.id, t]));
    await expect.poll(async () => (await byId()).get(opened.id)?.events.length, { timeout: 10_000 }).toBe(2);
    const rows = await byId();
    expect(rows.get(opened.id)).toMatchObject({ recipients: ['xa@example.test'], events: [{ type: 'OPEN' }, { type: 'OPEN' }] });
    expect(rows.get(quiet.id)).toMatchObject({ recipients: ['xb@example.test'], events: [], opens: 0 });
    // The single send was opened (the test before); the SMTP send and the one-to-one email were not.
    const [single, smtp, pricing] = ['Your order r', 'SMTP hello r', 'Pricing r'].map((s) => [...rows.values()].find((t) => t.subject === s)!);
    expect(single).toMatchObject({ recipients: ['bo-r@example.test'], events: [{ type: 'OPEN' }] });
    expect(smtp).toMatchObject({ recipients: ['cy-r@example.test'], events: [] });
    expect(pricing).toMatchObject({ recipients: ['ann-r@example.test'], events: [] });
    // The detail answers the same as its row.
    for (const t of rows.values()) expect((await (await server.api(`/api/v1/tracked-emails/${t.id}`, { token: rep.accessToken })).json()) as TrackedEmailView).toEqual(t);
  });

  it('does not give a removed person’s sends to someone added again under the same address', async () => {
    const before = (await list(other.accessToken)).results;
    expect(before.map((t) => t.subject).sort()).toEqual(['Pricing o', 'SMTP hello o', 'Your order o']);
    const smtpSend = before.find((t) => t.sentVia === 'SMTP_API')!;
    expect((await server.cli(['user', 'remove', 'other@acme.test'])).code).toBe(0);
    const again = await server.addUser('other@acme.test', { account: 'Acme' });
    expect((await list(again.accessToken)).results).toEqual([]);
    expect((await server.api(`/api/v1/tracked-emails/${smtpSend.id}`, { token: again.accessToken })).status).toBe(404);
    // The token still says who made it, as HubSpot does: by address.
    const tokens = (await (await server.api('/marketing/v3/transactional/smtp-tokens', { token: rep.accessToken })).json()) as { results: Array<{ campaignName: string; createdBy: string }> };
    expect(tokens.results.find((t) => t.campaignName === 'Campaign o')?.createdBy).toBe('other@acme.test');
    // Their own new SMTP send is theirs.
    const { creds } = await smtpLogin(server, again.accessToken, 'Campaign again');
    await transport(creds).sendMail({ from: 'rep@acme.test', to: 'dee@example.test', subject: 'SMTP again', text: 'Hi' });
    expect((await list(again.accessToken)).results.map((t) => t.subject)).toEqual(['SMTP again']);
    expect((await list(rep.accessToken)).results.map((t) => t.subject)).not.toContain('SMTP again');
  });
});

describe('Tracked email with sends in Chromium', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('marks sends in the list, searches them, and opens one', async () => {
    const rep = await appUser(server, 'rep@acme.test', { name: 'Rita Rep', account: 'Acme' });
    await makeMail(server, rep.accessToken, 'b');
    for (const [name, opts] of [
      ['with-sends-light', {}],
      ['with-sends-dark', { dark: true }],
      ['with-sends-360', { width: 360 }],
    ] as const) {
      const { page, ctx } = await openApp(browser, server, rep, '/app/tracked', opts);
      await page.getByRole('row', { name: /Your order b · Single send/ }).waitFor();
      await page.getByRole('row', { name: /SMTP hello b · SMTP API/ }).waitFor();
      expect(await page.getByRole('row', { name: /Pricing b/ }).textContent()).not.toMatch(/Single send|SMTP API/);
      await shot(page, 'tracked', name);
      expect(await axeIssues(browser, page)).toEqual([]);
      await ctx.close();
    }
    const { page, ctx } = await openApp(browser, server, rep, '/app/tracked');
    await page.getByRole('searchbox', { name: 'Search tracked email' }).fill('cy-b@');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('row').count()).toBe(2); // the header and the SMTP message
    await page.getByRole('row', { name: /SMTP hello b/ }).waitFor();
    await page.getByRole('searchbox', { name: 'Search tracked email' }).fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Your order b' }).click();
    await page.getByRole('heading', { name: 'Your order b', level: 1 }).waitFor();
    await page.getByText(/a single send/).waitFor();
    await page.getByText('bo-b@example.test').first().waitFor();
    await shot(page, 'tracked', 'send-detail');
    await ctx.close();
  }, 120_000);
});
