// A delivered message opened in a real browser (headless Chromium) from the dev mailbox: its pixel
// records one human open, and clicking a link records a click and lands on the destination.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { smtpLogin, transport } from '../helpers/smtp-clients.js';
import { launchChromium } from '../helpers/browser.js';
import { CHROME } from '../helpers/tracking.js';
import { freePort } from '../helpers/ports.js';

describe('a tracked message in a real browser', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let browser: Browser;
  let landing: http.Server;
  let landingUrl: string;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb); // no RELAY_URL: the dev mailbox
    const port = await freePort();
    landing = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Landed</title><h1>Landed</h1>'));
    await new Promise<void>((r) => landing.listen(port, '127.0.0.1', r));
    landingUrl = `http://127.0.0.1:${port}/welcome?from=mail&amp;id=7`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGKILL');
    landing?.close();
    await tdb?.drop();
  });

  it('records one HUMAN open when shown, and a click that lands where the link pointed', async () => {
    const { accessToken } = await server.addUser('dev@acme.test');
    const { creds } = await smtpLogin(server, accessToken);
    await transport(creds).sendMail({
      from: 'Acme <hello@acme.test>',
      to: 'ann@example.test',
      subject: 'Welcome aboard',
      html: `<html><body><h1>Welcome</h1><p>Start here: <a id="start" href="${landingUrl}">your dashboard</a></p></body></html>`,
    });
    const box = path.join(tdb.dataDir, 'mailbox');
    await expect.poll(() => fs.existsSync(box) && fs.readdirSync(box).filter((f) => f.endsWith('.eml')).length).toBe(1);

    const context = await browser.newContext({ userAgent: CHROME, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${server.url.replace('127.0.0.1', 'localhost')}/dev/mailbox`);
    await expect(page.locator('nav .item .subj').first().textContent()).resolves.toBe('Welcome aboard');
    const frame = page.frameLocator('iframe[title="Message"]');
    await frame.locator('h1').waitFor();

    const events = async () => (await (await server.api('/email/public/v1/events?recipient=ann@example.test', { token: accessToken })).json()).events as Array<Record<string, unknown>>;
    await expect.poll(async () => (await events()).filter((e) => e.type === 'OPEN').map((e) => e.verdict)).toEqual(['HUMAN']);

    const [popup] = await Promise.all([context.waitForEvent('page'), frame.locator('#start').click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(landingUrl.replace('&amp;', '&'));
    expect(await popup.title()).toBe('Landed');
    await expect.poll(async () => (await events()).filter((e) => e.type === 'CLICK').map((e) => [e.verdict, e.url])).toEqual([['HUMAN', landingUrl.replace('&amp;', '&')]]);
    fs.mkdirSync('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/dev-mailbox.png' });
    await context.close();
  });

  it('runs `mailbeacon demo`: the sample lands in the dev mailbox, and opening and clicking it are recorded', async () => {
    const demo = await server.cli(['demo']);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/^Sent "Welcome aboard, Ann" to ann\.lee@example\.com \(send status COMPLETE, SENT\)\./);
    const token = /Bearer (mb_[A-Za-z0-9_-]+)/.exec(demo.stdout)![1];
    const context = await browser.newContext({ userAgent: CHROME, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${server.url.replace('127.0.0.1', 'localhost')}/dev/mailbox`);
    await expect(page.locator('nav .item .subj').first().textContent()).resolves.toBe('Welcome aboard, Ann');
    const frame = page.frameLocator('iframe[title="Message"]');
    await expect(frame.locator('h1').textContent()).resolves.toBe('Hi Ann,');
    const events = async () => (await (await server.api('/email/public/v1/events?recipient=ann.lee@example.com', { token })).json()).events as Array<Record<string, unknown>>;
    await expect.poll(async () => (await events()).filter((e) => e.type === 'OPEN' && !e.filteredEvent).length).toBe(1);
    const [popup] = await Promise.all([context.waitForEvent('page'), frame.getByText('See your live feed of opens and clicks').click()]);
    await popup.waitForLoadState();
    // The tracked link leads to the web app's Activity (or its sign-in, for a browser not signed in).
    expect(new URL(popup.url()).pathname).toMatch(/^\/app\//);
    await expect.poll(async () => (await events()).filter((e) => e.type === 'CLICK').map((e) => e.verdict)).toEqual(['HUMAN']);
    await context.close();
  });
});
