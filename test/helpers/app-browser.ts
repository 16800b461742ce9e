// The web app in headless Chromium the way a person reaches it: a user made with the CLI accepts the
// invite link (choosing a password), and a browser profile carries the resulting `mb_session` cookie.
// Shared by every browser test of /app, so none of them needs a stand-in shell or a Bearer token.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from './server.js';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const PASSWORD = 'a long test passphrase for the app';

export interface AppUser {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  account: string;
  /** An API token of the same user, for seeding through the API. */
  accessToken: string;
  /** `mb_session=…`, for API calls made as the signed-in browser. */
  cookie: string;
}

/**
 * Makes a user with the CLI (`--role`, `--account` as given), accepts the invite through the API with
 * {@link PASSWORD}, and returns them with their session cookie.
 */
export async function appUser(server: RunningServer, email: string, opts: { name?: string; role?: 'admin' | 'member'; account?: string } = {}): Promise<AppUser> {
  const args = ['user', 'add', email, '--name', opts.name ?? email.split('@')[0]];
  if (opts.role) args.push('--role', opts.role);
  if (opts.account) args.push('--account', opts.account);
  const r = await server.cli(args);
  if (r.code !== 0) throw new Error(`user add failed: ${r.stderr}`);
  const made = JSON.parse(r.stdout) as { id: string; email: string; account: string; accessToken: string; role: 'admin' | 'member'; inviteUrl: string };
  const token = new URL(made.inviteUrl).pathname.split('/').pop()!;
  const res = await fetch(`${server.url}/api/v1/auth/invitations/${token}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ password: PASSWORD, name: opts.name ?? email.split('@')[0] }),
  });
  if (!res.ok) throw new Error(`accepting the invite failed: ${res.status} ${await res.text()}`);
  const cookie = /^(mb_session=[^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('accepting the invite set no session cookie');
  return { id: made.id, email: made.email, name: opts.name ?? email.split('@')[0], role: made.role, account: made.account, accessToken: made.accessToken, cookie };
}

/** A browser profile signed in as `user` (their session cookie), at a width and colour scheme. */
export async function signedIn(browser: Browser, server: RunningServer, user: AppUser, opts: { width?: number; dark?: boolean } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, colorScheme: opts.dark ? 'dark' : 'light' });
  const [name, value] = user.cookie.split('=');
  const { hostname } = new URL(server.url);
  await ctx.addCookies([{ name, value, domain: hostname, path: '/', httpOnly: true, sameSite: 'Lax' }]);
  return ctx;
}

/** Opens an /app route in a signed-in profile and waits for the page's heading. */
export async function openApp(browser: Browser, server: RunningServer, user: AppUser, route: string, opts: { width?: number; dark?: boolean } = {}): Promise<{ page: Page; ctx: BrowserContext }> {
  const ctx = await signedIn(browser, server, user, opts);
  const page = await ctx.newPage();
  await page.goto(server.url + route);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  return { page, ctx };
}

/**
 * axe-core's serious and critical findings on the page as it stands (after whatever the test did). axe
 * goes in through the DevTools protocol, which the page's CSP (scripts from our origin only) does not
 * govern, so no second, CSP-free copy of the page is needed. (`browser` is kept for callers.)
 */
export async function axeIssues(_browser: Browser, page: Page): Promise<string[]> {
  await settled(page);
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  // Fluent's focus management (tabster) puts focusable aria-hidden sentinels around dialogs and tab
  // lists on purpose: they hand focus on, and are not content.
  const results = (await page.evaluate(() => (window as unknown as { axe: { run(o: unknown): Promise<unknown> } }).axe.run({ exclude: [['[data-tabster-dummy]']] }))) as {
    violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown; html: string; failureSummary?: string }> }>;
  };
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => [n.target, n.html.slice(0, 160), n.failureSummary]))}`);
}

/**
 * Waits for the page's finite animations and transitions (Fluent fades cards and bars in): axe measures
 * colour contrast on what is painted, and text half faded in fails it; a screenshot would catch it half
 * faded too. Endless ones (spinners) are left.
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
}

/** Saves a full-page screenshot under test/artifacts/<folder>/<name>.png (look at them). */
export async function shot(page: Page, folder: string, name: string): Promise<string> {
  const dir = path.resolve('test/artifacts', folder);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  // A dialog caught mid-fade is half transparent in the picture: finite animations finish first.
  await settled(page);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
