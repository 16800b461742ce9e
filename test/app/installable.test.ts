// The installable web app in headless Chromium, signed in for real: the manifest linked from the page
// and valid (name, start_url, scope, 192 and 512 px icons that load), the service worker at /app/sw.js
// registered with scope /app/ and controlling the app's pages, /notifications sent to /app/activity,
// and Turn on desktop notifications subscribing to Web Push: the subscription reaches the server, which
// pushes the next open, encrypted, to the push service (a local https server here — headless Chromium
// has no push service, so the page's PushManager hands out a subscription of the test's making). The
// worker shows what a push brings (delivered through the DevTools protocol).
import crypto from 'node:crypto';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { get, imageHeaders } from '../helpers/tracking.js';
import { appUser, axeIssues, shot, signedIn, type AppUser } from '../helpers/app-browser.js';
import { loadCertificate } from '../../src/server/tls/certificate.js';

const ece = createRequire(import.meta.url)('http_ece') as { decrypt(buf: Buffer, opts: Record<string, unknown>): Buffer };

declare global {
  interface Window {
    __applicationServerKey?: number[];
  }
}

/** A PNG's width and height from its IHDR chunk. */
const pngSize = (b: Buffer) => ({ png: b.subarray(1, 4).toString('latin1') === 'PNG', width: b.readUInt32BE(16), height: b.readUInt32BE(20) });

describe('the installable web app', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let browser: Browser;
  let rep: AppUser;
  let pushService: https.Server;
  let pushUrl: string;
  const pushed: Buffer[] = [];

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    const tls = await loadCertificate({ dataDir: tdb.dataDir });
    server = await startServer(tdb, { NODE_EXTRA_CA_CERTS: tls.certFile });
    const port = await freePort();
    pushService = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        pushed.push(Buffer.concat(chunks));
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((r) => pushService.listen(port, '127.0.0.1', r));
    pushUrl = `https://localhost:${port}/push/app`;
    browser = await launchChromium();
    rep = await appUser(server, 'rep@acme.test', { name: 'Rita Rep' });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGKILL');
    pushService?.close();
    await tdb?.drop();
  });

  it('links a valid manifest whose icons load', async () => {
    const ctx = await signedIn(browser, server, rep);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/app/activity`);
    await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBe('/app/manifest.webmanifest');
    const res = await fetch(new URL(href!, server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    const manifest = (await res.json()) as { name: string; start_url: string; scope: string; display: string; icons: Array<{ src: string; sizes: string; type: string }> };
    expect(manifest).toMatchObject({ name: 'Mailbeacon', start_url: '/app/activity', scope: '/app/', display: 'standalone' });
    for (const size of [192, 512]) {
      const icon = manifest.icons.find((i) => i.sizes === `${size}x${size}`);
      expect(icon, `a ${size} px icon`).toMatchObject({ type: 'image/png' });
      const png = await fetch(new URL(icon!.src, server.url));
      expect(png.status).toBe(200);
      expect(pngSize(Buffer.from(await png.arrayBuffer()))).toEqual({ png: true, width: size, height: size });
    }
    await ctx.close();
  });

  it('registers /app/sw.js with scope /app/, and it controls the app’s pages', async () => {
    const sw = await fetch(`${server.url}/app/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toMatch(/javascript/);
    expect(sw.headers.get('cache-control')).toBe('no-cache');

    const ctx = await signedIn(browser, server, rep);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/app/activity`);
    const registration = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.ready;
      return { scope: r.scope, script: r.active?.scriptURL };
    });
    expect(registration).toEqual({ scope: `${server.url}/app/`, script: `${server.url}/app/sw.js` });
    await page.goto(`${server.url}/app/tracked`);
    await page.getByRole('heading', { name: 'Tracked email', level: 1 }).waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${server.url}/app/sw.js`);
    await ctx.close();
  });

  it('sends /notifications to /app/activity', async () => {
    const res = await fetch(`${server.url}/notifications`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/app/activity');
    const ctx = await signedIn(browser, server, rep);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/notifications`);
    await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/activity');
    await ctx.close();
  });

  it('Turn on desktop notifications subscribes to Web Push; the next open is pushed, and the worker shows a push', async () => {
    // The "browser's" subscription keys, as PushManager.subscribe makes them; the test decrypts with them.
    const keys = crypto.createECDH('prime256v1');
    keys.generateKeys();
    const authSecret = crypto.randomBytes(16);
    const subscription = { endpoint: pushUrl, keys: { p256dh: keys.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') } };

    for (const [name, opts] of [
      ['push-off-dark', { dark: true }],
      ['push-off-360', { width: 360 }],
    ] as const) {
      const ctx = await signedIn(browser, server, rep, opts);
      const page = await ctx.newPage();
      await page.goto(`${server.url}/app/activity`);
      await page.getByRole('button', { name: 'Turn on desktop notifications' }).waitFor();
      await shot(page, 'activity', name);
      expect(await axeIssues(browser, page)).toEqual([]);
      await ctx.close();
    }

    const ctx = await signedIn(browser, server, rep);
    await ctx.grantPermissions(['notifications'], { origin: server.url });
    await ctx.addInitScript((sub) => {
      PushManager.prototype.getSubscription = async () => null;
      PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
        window.__applicationServerKey = [...new Uint8Array(options!.applicationServerKey as ArrayBuffer)];
        return { endpoint: sub.endpoint, toJSON: () => sub } as unknown as PushSubscription;
      };
    }, subscription);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/app/activity`);
    // Permission alone (an earlier visit) is not push: the card says so and keeps the button.
    await page.getByText('Desktop notifications are on while Mailbeacon is open in a tab. Turn them on here to get them with the tab closed too.').waitFor();
    await page.getByRole('button', { name: 'Turn on desktop notifications' }).click();
    await page.getByText('Desktop notifications are on, even with this tab closed.').waitFor();
    expect(await page.getByRole('button', { name: 'Turn on desktop notifications' }).count()).toBe(0);
    await shot(page, 'activity', 'push-on');

    // The page subscribed with the server's VAPID key, and handed the subscription to the server.
    const { publicKey } = (await (await server.api('/api/v1/push/key', { token: rep.accessToken })).json()) as { publicKey: string };
    expect(Buffer.from(await page.evaluate(() => window.__applicationServerKey!)).toString('base64url')).toBe(publicKey);
    const mail = (await (
      await server.api('/api/v1/tracked-emails', { method: 'POST', token: rep.accessToken, json: { subject: 'Pricing for Acme', from: 'rep@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>Hi</p>' } })
    ).json()) as { id: string; pixelUrl: string };
    await get(mail.pixelUrl.replace('localhost', '127.0.0.1'), imageHeaders);
    await expect.poll(() => pushed.length, { timeout: 10_000 }).toBe(1);
    const item = JSON.parse(ece.decrypt(pushed[0], { version: 'aes128gcm', privateKey: keys, authSecret }).toString('utf8'));
    expect(item).toMatchObject({ type: 'OPEN', who: 'ann@example.test', subject: 'Pricing for Acme', emailId: mail.id });

    // What the push service would hand the browser, delivered to /app/sw.js: it shows the notification.
    const cdp = await ctx.newCDPSession(page);
    const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: Array<{ registrationId: string; scopeURL: string }> }) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    await expect.poll(() => registrations.find((r) => r.scopeURL === `${server.url}/app/`)?.registrationId).toBeTruthy();
    const { registrationId } = registrations.find((r) => r.scopeURL === `${server.url}/app/`)!;
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: JSON.stringify(item) });
    await expect
      .poll(() => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag }))))
      .toEqual([{ title: 'ann@example.test opened your email', body: 'Pricing for Acme', tag: item.id }]);
    await ctx.close();
  }, 120_000);
});
