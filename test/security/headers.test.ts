// Security headers on the real server: nosniff and a Referrer-Policy on every answer (the tracker's
// included; its click redirect sends no referrer, so the tracking token does not reach the
// destination), frame protection everywhere but the add-in pages Outlook frames, HSTS on the HTTPS
// listener only, and no source maps nor build-info.json unless SERVE_SOURCE_MAPS asks for them.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/ports.js';
import { startServer, type RunningServer } from '../helpers/server.js';

const DIST = path.resolve(import.meta.dirname, '../../dist');
const ADDIN_HOST = 'addin.example.test:8443';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/** A request with exactly these headers (Host included), over HTTP or HTTPS; the body is dropped. */
function request(secure: boolean, port: number, pathname: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({ host: '127.0.0.1', port, path: pathname, headers, rejectUnauthorized: false, servername: 'localhost' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The head of the answer to bytes that are not HTTP (Node's parser refuses them before any route). */
function garbage(secure: boolean, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = secure ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }) : net.connect(port, '127.0.0.1');
    socket.on(secure ? 'secureConnect' : 'connect', () => socket.write('NOT HTTP\r\n\r\n'));
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('close', () => resolve(got.split('\r\n\r\n')[0]));
    socket.on('error', reject);
  });
}

/** What every answer carries, whatever it is. */
function expectBaseline(a: Answer, referrerPolicy = 'strict-origin-when-cross-origin') {
  expect(a.headers['x-content-type-options']).toBe('nosniff');
  expect(a.headers['referrer-policy']).toBe(referrerPolicy);
}

function expectNotFrameable(a: Answer) {
  expect(a.headers['x-frame-options']).toBe('DENY');
  expect(a.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
}

describe('security headers', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let port: number;
  let httpsPort: number;
  let token: string;
  let pixel: string;
  let click: string;
  const get = (pathname: string, headers: Record<string, string> = {}) => request(false, port, pathname, headers);
  const getTls = (pathname: string, headers: Record<string, string> = {}) => request(true, httpsPort, pathname, headers);

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { ADDIN_URL: `https://${ADDIN_HOST}` }); // no RELAY_URL: the dev mailbox is on
    port = Number(server.env.PORT);
    httpsPort = Number(server.env.HTTPS_PORT);
    token = (await server.addUser('rep@acme.test')).accessToken;
    const res = await server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject: 's', from: 'rep@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p><a href="https://acme.test/offer">offer</a></p>' } });
    const tracked = await res.json();
    const local = (u: string) => u.replace(/^https?:\/\/[^/]+/, '');
    pixel = local(tracked.pixelUrl);
    click = local(/href="([^"]*\/t\/c\/[^"]+)"/.exec(tracked.html)![1].replace(/&amp;/g, '&'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('sends nosniff, a Referrer-Policy and frame protection on API answers, errors and the live feed', async () => {
    for (const a of [await get('/health'), await get('/api/v1/me', { authorization: `Bearer ${token}` }), await get('/api/v1/me'), await get('/api/v1/nothing-here')]) {
      expectBaseline(a);
      expectNotFrameable(a);
      expect(a.headers['strict-transport-security']).toBeUndefined();
    }
    const stream = await fetch(`${server.url}/api/v1/notifications/stream`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
    await stream.body?.cancel();
    for (const head of [await garbage(false, port), await garbage(true, httpsPort)]) {
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
      expect(head).toMatch(/^X-Content-Type-Options: nosniff$/m);
      expect(head).toMatch(/^X-Frame-Options: DENY$/m);
    }
  });

  it('keeps HTML pages out of frames: the dev mailbox, the web app, the tracker’s pages', async () => {
    for (const pathname of ['/dev/mailbox', '/app/activity', '/t/c/not-a-token']) {
      const a = await get(pathname, { host: `localhost:${port}` });
      expect(a.headers['content-type']).toMatch(/^text\/html/);
      expectBaseline(a, pathname.startsWith('/t/c/') ? 'no-referrer' : undefined);
      expectNotFrameable(a);
    }
  });

  it('lets Outlook frame the add-in’s pages: no DENY, no frame-ancestors on taskpane.html and commands.html', async () => {
    for (const pathname of ['/taskpane.html', '/commands.html']) {
      for (const a of [await get(pathname), await getTls(pathname, { host: ADDIN_HOST })]) {
        expect(a.status).toBe(200);
        expectBaseline(a);
        expect(a.headers['x-frame-options']).toBeUndefined();
        expect(a.headers['content-security-policy'] ?? '').not.toMatch(/frame-ancestors/);
      }
    }
  });

  it('sends them on the tracking pixel and the click, whose redirect sends no referrer', async () => {
    const open = await get(pixel);
    expect(open.status).toBe(200);
    expect(open.headers['content-type']).toBe('image/gif');
    expectBaseline(open);
    const redirect = await get(click);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('https://acme.test/offer');
    expectBaseline(redirect, 'no-referrer');
  });

  it('sends HSTS on the HTTPS listener only, and not for localhost (RFC 6797)', async () => {
    for (const pathname of ['/health', '/taskpane.html', pixel, click, '/api/v1/me']) {
      const tls = await getTls(pathname, { host: ADDIN_HOST });
      expect(tls.headers['strict-transport-security'], pathname).toMatch(/^max-age=31536000$/);
      expect(tls.headers['x-content-type-options']).toBe('nosniff');
      const plain = await get(pathname, { host: ADDIN_HOST });
      expect(plain.headers['strict-transport-security'], pathname).toBeUndefined();
      const local = await getTls(pathname, { host: `localhost:${httpsPort}` });
      expect(local.headers['strict-transport-security'], pathname).toBeUndefined();
    }
  });

  it('does not serve source maps or build-info.json, however the path is spelled', async () => {
    const maps = fs.readdirSync(DIST).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(DIST, 'build-info.json'))).toBe(true);
    const spellings = [
      ...maps.map((f) => `/${f}`),
      '/build-info.json',
      '/build-info%2Ejson',
      '/%62uild-info.json',
      '/assets/../build-info.json',
      '/assets/%2E%2E/build-info.json',
      '//build-info.json',
      '/./build-info.json',
      '/build-info.json?x=1',
      '/build-info.json/',
      `/${maps[0].replace(/\.map$/, '%2Emap')}`,
      `/${maps[0].replace(/\.map$/, '.MAP')}`,
    ];
    for (const pathname of spellings) {
      for (const a of [await get(pathname), await getTls(pathname, { host: ADDIN_HOST })]) expect([pathname, a.status >= 400]).toEqual([pathname, true]);
    }
    const head = await new Promise<number>((resolve, reject) => http.request({ host: '127.0.0.1', port, path: '/build-info.json', method: 'HEAD' }, (r) => resolve(r.statusCode!)).on('error', reject).end());
    expect(head).toBe(404);
    // The bundles themselves are still served.
    const js = fs.readdirSync(DIST).find((f) => f.endsWith('.js'))!;
    expect((await get(`/${js}`)).status).toBe(200);
  });
});

describe('SERVE_SOURCE_MAPS=true', () => {
  let tdb: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { SERVE_SOURCE_MAPS: 'true' });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('serves the source maps and build-info.json', async () => {
    const map = fs.readdirSync(DIST).find((f) => f.endsWith('.map'))!;
    const r = await server.api(`/${map}`);
    expect(r.status).toBe(200);
    expect((await r.json()).version).toBe(3);
    const info = await server.api('/build-info.json');
    expect(info.status).toBe(200);
    expect(await info.json()).toHaveProperty('addinUrl');
  });
});

describe('framing in a real browser', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let browser: Browser;
  let outside: http.Server;
  let outsideUrl: string;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb);
    browser = await launchChromium();
    // Another origin (another port) framing two of the server's pages.
    const port = await freePort();
    const frames = ['/taskpane.html', '/notifications'].map((p) => `<iframe title="${p}" src="${server.url}${p}"></iframe>`).join('');
    outside = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Outside</title>${frames}`));
    await new Promise<void>((r) => outside.listen(port, '127.0.0.1', r));
    outsideUrl = `http://127.0.0.1:${port}/`;
  });
  afterAll(async () => {
    await browser?.close();
    outside?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('shows the task pane inside another origin’s frame, and refuses the web app there (reached through the old /notifications address)', async () => {
    const context = await browser.newContext();
    await context.route('https://appsforoffice.microsoft.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: '' }));
    const page = await context.newPage();
    await page.goto(outsideUrl);
    const frameOf = async (title: string) => (await page.locator(`iframe[title="${title}"]`).elementHandle())!.contentFrame();
    const pane = await frameOf('/taskpane.html');
    await expect.poll(async () => (await pane?.content()) ?? '').toContain('id="root"');
    // A frame the browser refused holds Chromium's error page instead of the web app.
    const companion = await frameOf('/notifications');
    await expect.poll(() => companion?.url()).toBe('chrome-error://chromewebdata/');
    await context.close();
  });
});
