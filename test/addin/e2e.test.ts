// End to end in headless Chromium: the built task pane served by the real backend, Office.js replaced
// by a stub host (office-stub.js) with a compose item. Sign in, toggle Log/Track, insert a template,
// fire the send handler from commands.html, then check the backend: tracked email registered, links
// rewritten, the logged copy on the contact's timeline; then a pixel hit shows up live in Activity.
// Screenshots of each pane go to test/artifacts/.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { SESSION_KEY } from '../../src/addin/models/session.js';
import { STATE_KEY } from '../../src/addin/models/item-state.js';
import { TRACKING_HEADER } from '../../src/addin/helpers/ids.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const OFFICE_JS = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
const STUB = fs.readFileSync(path.join(import.meta.dirname, 'office-stub.js'), 'utf8');
const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const ME = { emailAddress: 'rita@mailbeacon.test', displayName: 'Rita Rep' };
const ANN = { emailAddress: 'ann@acme.test', displayName: 'Ann Lee' };
const PDF = Buffer.from('%PDF-1.4\n% Mailbeacon test quote\n%%EOF\n');

interface StubState {
  item: { body: string; subject: string; headers: Record<string, string> };
  sessionData: Record<string, string>;
  onSend: { append: string | null; prepend: string | null };
  notifications: Record<string, { message: string }>;
  roaming: Record<string, unknown>;
  calls: Array<{ method: string; args: unknown[] }>;
}

let tdb: TestDatabase;
let server: RunningServer;
let browser: Browser;
let token: string;
/** API calls from the pages that the backend refused: the report names them when a step fails. */
const failedCalls: string[] = [];
const metrics: Record<string, number> = {};

function watch(page: Page) {
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (r.status() >= 400 && /^\/(api|marketing|email)\//.test(u.pathname)) failedCalls.push(`${r.request().method()} ${u.pathname} → ${r.status()}`);
  });
  page.on('requestfailed', (r) => {
    const u = new URL(r.url());
    if (/^\/(api|marketing|email)\//.test(u.pathname) && !r.failure()?.errorText.includes('ABORTED')) failedCalls.push(`${r.method()} ${u.pathname} → ${r.failure()?.errorText}`);
  });
  page.on('pageerror', (e) => failedCalls.push(`page error: ${e.message}`));
}

async function api<T>(pathname: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const r = await server.api(pathname, { ...init, token });
  const body = await r.text();
  if (!r.ok) {
    failedCalls.push(`${init.method ?? 'GET'} ${pathname} → ${r.status}`);
    throw new Error(`${init.method ?? 'GET'} ${pathname} answered ${r.status}: ${body}`);
  }
  return (body ? JSON.parse(body) : undefined) as T;
}

async function context(config: Record<string, unknown>): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 350, height: 900 }, colorScheme: 'light' });
  await ctx.route(OFFICE_JS, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: STUB }));
  await ctx.addInitScript((c) => Object.assign(window, { __officeStubConfig: c }), config);
  return ctx;
}

const stubState = (page: Page) => page.evaluate(() => (window as unknown as { __officeStub: { state(): unknown } }).__officeStub.state()) as Promise<StubState>;
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (e) {
    throw new Error(`${what} failed: ${(e as Error).message}\nAPI calls the backend refused so far:\n  ${failedCalls.join('\n  ') || '(none)'}`);
  }
};

describe('the add-in in Chromium, served by the real backend', { timeout: 60_000 }, () => {
  let ctx: BrowserContext;
  let pane: Page;
  let commands: Page;
  let trackingId: string;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'taskpane.html'))) execFileSync(process.execPath, ['scripts/build.mjs', '--if-needed'], { cwd: ROOT, stdio: 'inherit' });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb);
    token = (await server.addUser(ME.emailAddress, { name: ME.displayName })).accessToken;
    browser = await launchChromium();
    ctx = await context({
      id: 'compose-1',
      mode: 'compose',
      user: ME,
      item: {
        subject: 'Pricing for Acme',
        from: ME,
        to: [ANN],
        body: '<html><body><p>Hi Ann,</p><p>The <a href="https://acme.test/docs/setup">setup guide</a> is ready; our site is <a href="https://acme.test">https://acme.test</a>.</p></body></html>',
        attachments: [{ id: 'att-1', name: 'quote.pdf', contentType: 'application/pdf', size: PDF.length, isInline: false, attachmentType: 'file', format: 'base64', content: PDF.toString('base64') }],
      },
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
    const report = { ...metrics, refusedApiCalls: [...new Set(failedCalls.map((c) => c.replace(/\/[0-9a-f-]{36}(?=[/\s]|$)/g, '/{id}')))] };
    fs.writeFileSync(path.join(ARTIFACTS, 'e2e-report.json'), JSON.stringify(report, null, 2) + '\n');
  });

  it('renders the signed-out pane fast and signs in with an access token', async () => {
    pane = await ctx.newPage();
    watch(pane);
    const started = Date.now();
    await pane.goto(server.url + '/taskpane.html');
    await pane.getByRole('button', { name: 'Sign in with Mailbeacon' }).waitFor();
    metrics.navigationToFirstPaneMs = Math.round(await pane.evaluate(() => performance.getEntriesByName('mailbeacon:rendered')[0]?.startTime ?? -1));
    metrics.gotoToSignInVisibleMs = Date.now() - started;
    expect(metrics.navigationToFirstPaneMs).toBeGreaterThan(0);
    await shot(pane, '1-signed-out');

    await pane.getByRole('button', { name: 'Use an access token instead' }).click();
    expect(await pane.getByLabel('Server address').inputValue()).toBe(server.url);
    await pane.getByLabel('Access token').fill(token);
    await pane.getByRole('button', { name: 'Sign in', exact: true }).click();
    await step('signing in', () => pane.getByRole('tab', { name: 'Email' }).waitFor({ timeout: 10_000 }));
    const roaming = (await stubState(pane)).roaming[SESSION_KEY] as { backendUrl: string; accessToken: string };
    expect(roaming).toMatchObject({ backendUrl: server.url, accessToken: token });
  });

  it('applies the defaults on new compose from the event runtime, with the pixel appended on send', async () => {
    commands = await ctx.newPage();
    watch(commands);
    await commands.goto(server.url + '/commands.html');
    await commands.waitForFunction(() => (window as unknown as { __officeStub: { handlers(): string[] } }).__officeStub.handlers().length === 2);
    const fired = await commands.evaluate(() => (window as unknown as { __officeStub: { fire(n: string): Promise<{ completions: unknown[]; ms: number }> } }).__officeStub.fire('onNewMessageCompose'));
    expect(fired.completions).toHaveLength(1);
    const state = await stubState(commands);
    const compose = JSON.parse(state.sessionData[STATE_KEY]);
    trackingId = compose.trackingId;
    expect(state.item.headers[TRACKING_HEADER]).toBe(trackingId);
    await step('registering the draft for its pixel (POST /api/v1/tracked-emails)', async () => {
      expect(compose).toMatchObject({ log: true, track: true, pixel: 'append' });
      expect(state.onSend.append).toMatch(/<img [^>]*src="[^"]+\/t\/o\/[^"]+"/);
    });
  });

  it('shows Log and Track for this email, and turning Track off clears the pixel', async () => {
    await pane.reload();
    const track = pane.getByRole('switch', { name: 'Track' });
    await track.waitFor();
    await step('reading the compose state', async () => {
      expect(await track.isChecked()).toBe(true);
      expect(await pane.getByRole('switch', { name: 'Log' }).isChecked()).toBe(true);
    });
    await pane.getByText(/link will be tracked|links will be tracked/).waitFor();
    await shot(pane, '2-compose');

    await track.click();
    await pane.waitForFunction(() => (window as unknown as { __officeStub: { state(): StubState } }).__officeStub.state().onSend.append === null);
    expect(JSON.parse((await stubState(pane)).sessionData[STATE_KEY])).toMatchObject({ track: false, pixel: null });
    await track.click();
    await step('placing the pixel again', () => pane.waitForFunction(() => /\/t\/o\//.test((window as unknown as { __officeStub: { state(): StubState } }).__officeStub.state().onSend.append ?? ''), undefined, { timeout: 10_000 }));
    expect(JSON.parse((await stubState(pane)).sessionData[STATE_KEY])).toMatchObject({ track: true, log: true, trackingId });
  });

  it('inserts a published template, personalised, into the body', async () => {
    const t = await step('creating a template (POST /api/v1/emails)', () =>
      api<{ id: number }>('/api/v1/emails', {
        method: 'POST',
        json: {
          name: 'Pricing follow-up',
          subject: 'Pricing for {{ contact.firstname | default: "you" }}',
          html: '<p>Hi {{ contact.firstname | default: "there" }}, here is <a href="https://acme.test/pricing">our pricing</a> for order {{ custom.order_id }}.</p>',
          subscriptionType: 'TRANSACTIONAL',
          sendMethod: 'API',
        },
      }),
    );
    await step('publishing it', () => api(`/api/v1/emails/${t.id}/publish`, { method: 'POST', json: {} }));
    await pane.reload();
    await pane.getByRole('searchbox', { name: 'Search templates' }).fill('pricing');
    await step('listing templates', () => pane.getByRole('button', { name: /Pricing follow-up/ }).click({ timeout: 10_000 }));
    await pane.getByRole('textbox', { name: 'order id' }).fill('A-42');
    const frame = pane.getByTitle('Preview of Pricing follow-up');
    await step('previewing', () => pane.waitForFunction(() => document.querySelector('iframe')?.getAttribute('srcdoc')?.includes('A-42') ?? false, undefined, { timeout: 10_000 }));
    expect(await frame.getAttribute('srcdoc')).toContain('Hi Ann');
    await shot(pane, '3-template-preview');
    await pane.getByRole('button', { name: 'Insert' }).click();
    await pane.getByText('Inserted into your email.').waitFor();
    expect((await stubState(pane)).item.body).toContain('href="https://acme.test/pricing"');
  });

  it('on send rewrites the links, registers the tracked email and files the copy with its attachment', async () => {
    const fired = await commands.evaluate(() => (window as unknown as { __officeStub: { fire(n: string): Promise<{ completions: unknown[]; ms: number }> } }).__officeStub.fire('onMessageSend'));
    metrics.sendHandlerMs = fired.ms;
    expect(fired.completions).toEqual([{ allowEvent: true }]);
    expect(fired.ms).toBeLessThan(4000);
    const state = await stubState(commands);
    await step('sending without a failure notice', async () => expect(Object.values(state.notifications).map((n) => n.message)).toEqual([]));
    await step('rewriting links (POST /api/v1/tracked-emails at send)', async () => {
      expect(state.item.body).toMatch(/href="[^"]*\/t\/c\/[^"]+"/);
      expect(state.item.body).not.toContain('href="https://acme.test/pricing"');
      // A typed URL stays as typed (docs/product.md §5).
      expect(state.item.body).toContain('href="https://acme.test">https://acme.test</a>');
    });
    const tracked = await step('finding the tracked email by its tracking id', () => api<{ id: string; subject: string; recipients: string[] }>(`/api/v1/tracked-emails/${trackingId}`));
    expect(tracked).toMatchObject({ subject: 'Pricing for Acme', recipients: ['ann@acme.test'] });
    const contacts = await step('finding the contact', () => api<{ results: Array<{ id: string }> }>('/api/v1/contacts?email=ann%40acme.test'));
    expect(contacts.results).toHaveLength(1);
    const timeline = await step('reading the timeline', () => api<{ results: Array<{ type: string; subject: string; loggedEmail?: { attachments: Array<{ filename: string; size: number }> } }> }>(`/api/v1/contacts/${contacts.results[0].id}/timeline`));
    const logged = timeline.results.find((e) => e.type === 'LOGGED_EMAIL');
    expect(logged).toMatchObject({ subject: 'Pricing for Acme' });
    expect(logged!.loggedEmail!.attachments).toEqual([expect.objectContaining({ filename: 'quote.pdf', size: PDF.length })]);
  });

  it('shows a pixel hit in the Activity tab live', async () => {
    await pane.getByRole('tab', { name: 'Activity' }).click();
    await pane.getByRole('button', { name: 'Open the notifications page' }).waitFor();
    const appended = (await stubState(pane)).onSend.append ?? '';
    const pixel = await step('finding the appended pixel', async () => /src="([^"]+\/t\/o\/[^"]+)"/.exec(appended)![1].replace(/&amp;/g, '&'));
    // Outlook appends the pixel at send time; here the recipient's mail client loads it.
    await new Promise((r) => setTimeout(r, 1000));
    const hit = await fetch(new URL(new URL(pixel).pathname, server.url), { headers: { 'user-agent': CHROME_UA, accept: 'image/avif,image/webp,image/*,*/*;q=0.8' } });
    expect(hit.status).toBe(200);
    await step('receiving the open over the live stream', () => pane.getByRole('list', { name: 'Opens and clicks' }).getByText(/opened/).waitFor({ timeout: 10_000 }));
    expect(await pane.locator('[aria-live="polite"]').first().textContent()).toMatch(/opened Pricing for Acme/);
    await shot(pane, '4-activity');
  });

  it('saves settings from the Settings tab', async () => {
    await pane.getByRole('tab', { name: 'Settings' }).click();
    await pane.getByRole('switch', { name: 'Log by default' }).click();
    await step('saving settings (PUT /api/v1/settings)', () => pane.getByText('Saved', { exact: true }).waitFor({ timeout: 10_000 }));
    expect(await api<{ defaultLog: boolean }>('/api/v1/settings')).toMatchObject({ defaultLog: false });
    await shot(pane, '5-settings');
    await pane.getByRole('switch', { name: 'Log by default' }).click();
    await pane.getByText('Saved', { exact: true }).waitFor();
  });

  it('reading the sent item shows its opens with verdicts and reports the sender\'s own view', async () => {
    const read = await context({
      id: 'read-1',
      mode: 'read',
      user: ME,
      theme: '#1f1f1f',
      roaming: { [SESSION_KEY]: { backendUrl: server.url, accessToken: token, user: null, settings: null } },
      item: { subject: 'Pricing for Acme', from: ME, to: [ANN], headers: { [TRACKING_HEADER]: trackingId }, internetMessageId: '<sent-1@mail.mailbeacon.test>', body: '<p>sent</p>' },
    });
    const page = await read.newPage();
    watch(page);
    const selfView = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/self-view'), { timeout: 10_000 });
    await page.goto(server.url + '/taskpane.html');
    await step('showing the tracked status', () => page.getByText(/^Tracked · opened/).waitFor({ timeout: 10_000 }));
    await step('reporting the self-view', () => selfView);
    await page.getByRole('region', { name: 'Timeline' }).getByText(/Email logged: Pricing for Acme/).waitFor();
    await shot(page, '6-read-dark');
    await read.close();
  });
});
