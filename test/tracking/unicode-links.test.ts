// Tracked links whose destination has characters outside ASCII (an internationalised domain, Cyrillic
// or CJK paths, emoji, a Unicode fragment). Regression: the tracker put the destination into the
// Location header as the sender wrote it; Node refuses a header character above U+00FF
// (ERR_INVALID_CHAR), nothing caught the throw, and one click ended the whole process (HTTP, SMTP,
// every account) — again on every later click, since the link stayed valid. The destination now
// goes out as a WHATWG URL (punycode host, UTF-8 percent-encoding), exactly what a browser would
// have requested from the untracked link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingSigner, type TokenClaim } from '../../src/server/tracking/tokens.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { clickHeaders, trackerUrls } from '../helpers/tracking.js';
import { request } from '../security/client.js';

const KEY = { id: 'u1', secret: 'unicode-links-test-secret-0123456789abcdef' };

/** Destinations as the sender wrote them (decoded href values), each a kind that crashed the tracker. */
const DESTINATIONS = [
  'https://пример.рф/каталог', // internationalised domain and a Cyrillic path
  'https://acme.test/каталог/товары?сорт=цена&страница=2', // Cyrillic path and query, `&` kept
  'https://example.com/中文/页面.html', // CJK path
  'https://acme.test/search?q=😀&lang=en', // emoji in the query
  'https://acme.test/docs#раздел-2', // Unicode fragment
  'https://acme.test/a%20b/файл%2Fx?q=%E2%82%AC&r=€&s=%zz#%D1%84-ф', // already-encoded (even a bad escape) mixed with raw Unicode
  'https://bücher.test/straße?q=é', // Latin-1 only: used to go out as raw Latin-1 bytes
  'https://日本語.jp/😀/?q=中#🎉', // all of it at once
];

/** HTML escaping of an href value (`&` as `&amp;`, as mail authors write it). */
const hrefOf = (url: string) => url.replace(/&/g, '&amp;');
const HTML = `<!doctype html><html><body><p>Hello,</p>
${DESTINATIONS.map((u, i) => `<p><a href="${hrefOf(u)}">Link ${i + 1}</a></p>`).join('\n')}
</body></html>`;

const isAsciiHeader = (v: string) => /^[\x21-\x7e]+$/.test(v);

describe.each(BACKENDS)('tracked links to non-ASCII destinations on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;
  let accessToken: string;
  let creds: SmtpCredentials;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, TRACKING_KEYS: `${KEY.id}:${KEY.secret}` });
    accessToken = (await server.addUser('intl@acme.test')).accessToken;
    creds = (await smtpLogin(server, accessToken, 'Intl')).creds;
  }, 90_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  async function expectAlive() {
    expect((await fetch(server.url + '/health')).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
    expect(server.process.signalCode).toBeNull();
  }

  /** GET and HEAD of each click URL: 302 to the destination as a WHATWG URL. */
  async function expectRedirects(links: string[]) {
    expect(links).toHaveLength(DESTINATIONS.length);
    for (const [i, link] of links.entries()) {
      const dest = DESTINATIONS[i];
      for (const method of ['HEAD', 'GET']) {
        const res = await request(link, { method, headers: clickHeaders });
        const location = res.headers.get('location') ?? '';
        expect(res.status, `${method} ${dest}`).toBe(302);
        expect(location, `${method} ${dest}`).toBe(new URL(dest).href);
        expect(isAsciiHeader(location), location).toBe(true);
      }
    }
    await expectAlive();
  }

  it('redirects every click of mail sent over SMTP, GET and HEAD, and the server lives on', async () => {
    await transport(creds).sendMail({ from: 'intl@acme.test', to: 'reader@example.test', subject: 'Intl', html: HTML, text: 'Hello' });
    const [m] = await sink.waitFor(1);
    const urls = await trackerUrls(m.raw, server.url);
    await expectRedirects(urls.links);
    // The click is recorded with the destination as the sender wrote it.
    const events = async () =>
      ((await (await server.api('/email/public/v1/events?recipient=reader%40example.test', { token: accessToken })).json()).events as Array<{ type: string; url: string }>)
        .filter((e) => e.type === 'CLICK')
        .map((e) => e.url)
        .sort();
    await expect.poll(events).toEqual([...DESTINATIONS].sort());
  });

  it('redirects every click of an add-in tracked email', async () => {
    const res = await server.api('/api/v1/tracked-emails', {
      method: 'POST',
      token: accessToken,
      json: { subject: 'Intl', from: 'intl@acme.test', to: ['reader@example.test'], cc: [], bcc: [], html: HTML },
    });
    expect(res.status).toBe(201);
    const { html, links } = (await res.json()) as { html: string; links: { tracked: number; skipped: unknown[] } };
    expect(links).toEqual({ tracked: DESTINATIONS.length, skipped: [] });
    const clicks = [...html.matchAll(/<a href="([^"]*\/t\/c\/[^"]+)"(?![^>]*aria-hidden)/g)].map((m) => m[1].replace(/^https?:\/\/[^/]+/, server.url));
    await expectRedirects(clicks);
  });

  /** A click URL for `u`, signed as an earlier version would have (the token holds the URL as written). */
  function signedEarlier(u: string): string {
    const claim: TokenClaim = { k: 'c', r: { t: 'sent-before-the-fix' }, i: 0, u };
    return `${server.url}/t/c/${new TrackingSigner([KEY]).sign(claim)}`;
  }

  it('redirects links already signed and sitting in sent mail', async () => {
    for (const dest of DESTINATIONS) {
      for (const method of ['HEAD', 'GET']) {
        const res = await request(signedEarlier(dest), { method, headers: clickHeaders });
        expect(res.status, dest).toBe(302);
        expect(res.headers.get('location')).toBe(new URL(dest).href);
      }
    }
    await expectAlive();
  });

  it('answers a signed destination that is not a valid URL with a page, never a redirect, and lives on', async () => {
    // Each passes the pattern the rewriter checked before signing: a port above 65535, an invalid
    // punycode label, no host, an unclosed IPv6 literal.
    for (const dest of ['https://acme.test:99999/x', 'https://xn--a.test/path', 'https://', 'http://[::1/x']) {
      expect(URL.canParse(dest), dest).toBe(false);
      for (const method of ['HEAD', 'GET']) {
        const res = await request(signedEarlier(dest), { method, headers: clickHeaders });
        expect(res.status, dest).toBe(404);
        expect(res.headers.get('location'), dest).toBeNull();
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        if (method === 'GET') expect(res.text).toMatch(/not a valid web address/);
      }
    }
    await expectAlive();
  });

  it('logs no request failure and no crash for any of it', async () => {
    const bad = server.logs().filter((l) => l.level === 'error' || l.level === 'fatal');
    expect(bad).toEqual([]);
    await expectAlive();
  });
});
