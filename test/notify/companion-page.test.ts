// The companion page /notifications in headless Chromium: signed in, with notification permission
// granted, it receives a live event and raises a desktop notification (Notification API).
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { CHROME, get, imageHeaders } from '../helpers/tracking.js';

declare global {
  interface Window {
    __shown: Array<{ title: string; body?: string }>;
  }
}

describe('the companion notifications page', () => {
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

  it('shows a live open in the feed and as a desktop notification', async () => {
    const user = await server.addUser('rep@acme.test', { name: 'Rep' });
    const context = await browser.newContext({ userAgent: CHROME });
    await context.grantPermissions(['notifications'], { origin: server.url });
    await context.addInitScript(
      ([backendUrl, accessToken]) => {
        localStorage.setItem('mailbeacon.companion', JSON.stringify({ backendUrl, accessToken, user: null, settings: null }));
        window.__shown = [];
        // Record what the page asks the browser to show (headless Chromium draws nothing).
        const Original = window.Notification;
        class Recording extends Original {
          constructor(title: string, options?: NotificationOptions) {
            super(title, options);
            window.__shown.push({ title, body: options?.body });
          }
        }
        Object.defineProperty(window, 'Notification', { value: Recording });
        const show = ServiceWorkerRegistration.prototype.showNotification;
        ServiceWorkerRegistration.prototype.showNotification = function (title: string, options?: NotificationOptions) {
          window.__shown.push({ title, body: options?.body });
          return show.call(this, title, options);
        };
      },
      [server.url, user.accessToken],
    );
    const page = await context.newPage();
    await page.goto(`${server.url}/notifications`);
    await page.getByRole('heading', { name: 'Mailbeacon notifications' }).waitFor();
    await page.getByText('Desktop notifications are on.').waitFor();

    const mail = await (
      await server.api('/api/v1/tracked-emails', { method: 'POST', token: user.accessToken, json: { subject: 'Pricing for Acme', from: 'rep@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>Hi</p>' } })
    ).json();
    // Let the page's live feed connect before the hit.
    await new Promise((r) => setTimeout(r, 500));
    await get(mail.pixelUrl.replace('localhost', '127.0.0.1'), imageHeaders);

    await page.getByText('Pricing for Acme').first().waitFor({ timeout: 5000 });
    await expect.poll(() => page.evaluate(() => window.__shown)).toEqual([{ title: 'ann@example.test opened your email', body: 'Pricing for Acme' }]);
    fs.mkdirSync('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/companion-page.png' });
    await context.close();
  });
});
