// The web app (docs/product.md §10), as a person gets it: the built app (dist/) served at /app by the real
// server, signed in with the mb_session cookie an accepted invite gives.
// - Sizes: the gzipped JavaScript each page loads in Chromium (the files it asks for, read from dist/):
//   the first page (Activity) whole, and for every other page what it loads beyond Activity.
// - Speed: navigation → first meaningful content in headless Chromium, in a fresh profile (nothing
//   cached), for Activity (heading and the feed), Tracked email (heading and the table) and the template
//   editor (heading and the code editor showing the template's HTML; the server's preview on a line of
//   its own), next to a page of server-rendered HTML without scripts from the same server (the empty dev
//   mailbox) in the same run.
// Targets: first page ≤ 300 KB gzipped; each navigation < 1 s.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { BIN, ROOT, median, startServer } from './lib.mjs';

const RUNS = 7;
const DIST = path.join(ROOT, 'dist');
const PASSWORD = 'a long bench passphrase for the app';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const kb = (bytes) => bytes / 1024;
const gzipped = new Map();
const gz = (name) => {
  if (!gzipped.has(name)) gzipped.set(name, zlib.gzipSync(fs.readFileSync(path.join(DIST, name)), { level: 9 }).length);
  return gzipped.get(name);
};
const size = (names) => [...names].reduce((n, f) => n + gz(f), 0);

/** A user made with the CLI who accepts their invite: their access token and session cookie. */
async function signedInUser(server) {
  const made = JSON.parse(execFileSync(process.execPath, [BIN, 'user', 'add', 'bench@shop.test', '--name', 'Bench'], { env: server.env }).toString());
  const token = new URL(made.inviteUrl).pathname.split('/').pop();
  const res = await fetch(`${server.url}/api/v1/auth/invitations/${token}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ password: PASSWORD, name: 'Bench' }),
  });
  if (!res.ok) throw new Error(`accepting the invite failed: ${res.status} ${await res.text()}`);
  const [name, value] = /^mb_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')[0].split('=');
  return { accessToken: made.accessToken, cookie: { name, value } };
}

export async function run({ log }) {
  // The app must be built from this tree (npm run bench builds only the backend).
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-needed'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const server = await startServer();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const rows = [];
  try {
    const user = await signedInUser(server);
    const api = (p, body) =>
      fetch(server.url + p, { method: 'POST', headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const html = '<!doctype html>\n<html>\n  <body>\n    <p>Hello {{ contact.firstname | default: "there" }},</p>\n    <p>Your order {{ custom.order_id }} is on its way.</p>\n  </body>\n</html>\n';
    const template = await api('/api/v1/emails', { name: 'Bench', subject: 'Hi {{ contact.firstname }}', html, subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' });
    for (let i = 0; i < 20; i++) {
      const t = await api('/api/v1/tracked-emails', { subject: `Pricing ${i}`, from: 'bench@shop.test', to: ['ann@acme.test'], cc: [], bcc: [], html: '<p>x</p>' });
      if (i % 4 === 0) await fetch(t.pixelUrl.replace(/^https?:\/\/[^/]+/, server.url), { headers: { 'user-agent': CHROME, accept: 'image/avif,image/webp,image/*,*/*;q=0.8', 'accept-language': 'en' } });
    }

    /** A fresh signed-in profile (nothing cached): the page, and the app's script files it asked for. */
    const visit = async (url, ready) => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await ctx.addCookies([{ ...user.cookie, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Lax' }]);
      const page = await ctx.newPage();
      const scripts = new Set();
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (r.resourceType() === 'script' && u.origin === server.url) scripts.add(u.pathname.slice(1));
      });
      const t0 = performance.now();
      await page.goto(url);
      await ready(page);
      const ms = performance.now() - t0;
      await ctx.close();
      return { ms, scripts };
    };
    const settled = (page) => page.waitForFunction(() => !document.querySelector('[role="progressbar"]'));
    const feed = async (page) => {
      await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
      await page.getByRole('list', { name: 'Opens and clicks' }).getByText('Pricing').first().waitFor();
    };
    const table = async (page) => {
      await page.getByRole('heading', { level: 1, name: 'Tracked email' }).waitFor();
      await page.getByRole('cell', { name: /Pricing/ }).first().waitFor();
    };
    // The editor's first meaningful content: its heading and the code editor showing the template's HTML.
    const editor = async (page) => {
      await page.getByRole('heading', { level: 1, name: 'Bench' }).waitFor();
      await page.locator('.cm-content').getByText('Your order {{ custom.order_id }} is on its way.').waitFor();
    };
    const preview = async (page) => {
      await editor(page);
      await page.frameLocator('iframe[title="Email preview"]').getByText('Your order').waitFor();
    };

    // Sizes, from what each page asked for once everything on it had loaded.
    const routes = [
      ['activity', '/app/activity', feed],
      ['tracked', '/app/tracked', table],
      ['contacts', '/app/contacts', (p) => p.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor().then(() => settled(p))],
      ['templates', '/app/templates', (p) => p.getByRole('heading', { level: 1, name: 'Templates' }).waitFor().then(() => settled(p))],
      ['template editor', `/app/templates/${template.id}`, (p) => preview(p).then(() => settled(p))],
      ['transactional', '/app/transactional', (p) => p.getByRole('heading', { level: 1, name: 'Transactional' }).waitFor().then(() => settled(p))],
      ['settings', '/app/settings', (p) => p.getByRole('heading', { level: 1, name: 'Settings' }).waitFor().then(() => settled(p))],
    ];
    let first;
    for (const [name, route, ready] of routes) {
      const { scripts } = await visit(server.url + route, ready);
      if (name === 'activity') {
        first = scripts;
        rows.push({ figure: `first page (Activity): JS gzipped, ${scripts.size} files`, value: kb(size(scripts)), unit: 'KB', target: '≤ 300 KB', met: kb(size(scripts)) <= 300 });
        continue;
      }
      const own = [...scripts].filter((f) => !first.has(f));
      rows.push({ figure: `  ${name}: JS beyond Activity's, gzipped, ${own.length} files`, value: kb(size(own)), unit: 'KB' });
    }

    // Speed.
    const timeOf = async (url, ready) => {
      const times = [];
      for (let i = 0; i < RUNS; i++) times.push((await visit(url, ready)).ms);
      return times;
    };
    const staticTimes = await timeOf(`${server.url}/dev/mailbox`, (p) => p.getByRole('heading', { level: 1, name: /Dev mailbox/ }).waitFor());
    const baseline = median(staticTimes);
    log(`static page: ${staticTimes.map((t) => t.toFixed(0)).join(', ')} ms`);
    rows.push({ figure: `server-rendered page without scripts (/dev/mailbox), median of ${RUNS}`, value: baseline, unit: 'ms' });
    for (const [name, route, ready, timed] of [
      ['Activity (heading and feed)', '/app/activity', feed, true],
      ['Tracked email (heading and table)', '/app/tracked', table, true],
      ['template editor (heading and the HTML in the code editor)', `/app/templates/${template.id}`, editor, true],
      ['template editor with the server preview shown', `/app/templates/${template.id}`, preview, false],
    ]) {
      const times = await timeOf(server.url + route, ready);
      const value = median(times);
      log(`${name}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
      rows.push({ figure: `${name}: navigation → content (median of ${RUNS})`, value, unit: 'ms', baseline, ratio: value / baseline, ...(timed ? { target: '< 1000 ms', met: value < 1000 } : {}) });
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  return rows;
}
