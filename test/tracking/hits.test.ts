// Opens and clicks on mail sent through the SMTP API: what is answered, what is recorded, how it
// is classified and counted, and that nothing answered is lost on a stop or a crash.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, startWithEnv, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { clickHeaders, get, imageHeaders, trackerUrls } from '../helpers/tracking.js';

const HTML = `<!doctype html><html><body>
<p>Hi Ann, see <a href="https://acme.test/pricing?plan=pro&amp;seats=5">our pricing</a>,
<a href="https://acme.test/docs">the docs</a> and <a href="https://acme.test/blog">the blog</a>.</p>
<p>Typed: <a href="https://acme.test/typed">https://acme.test/typed</a></p>
</body></html>`;

type Event = Record<string, unknown> & { type: string; filteredEvent: boolean };

describe.each(BACKENDS)('tracking hits on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let accessToken: string;
  let creds: SmtpCredentials;
  let campaignId: string;
  let n = 0;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url });
    accessToken = (await server.addUser('dev@acme.test')).accessToken;
    const login = await smtpLogin(server, accessToken, 'Tracked');
    creds = login.creds;
    campaignId = login.token.emailCampaignId;
  });
  beforeEach(() => {
    sink.messages.length = 0;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  /** Sends the test message to `to` and answers its tracker URLs (aimed at the test server). */
  async function deliver(to: string) {
    await transport(creds).sendMail({ from: 'ops@acme.test', to, subject: `Pricing ${++n}`, html: HTML, text: 'Hi Ann' });
    const [m] = await sink.waitFor(1);
    sink.messages.length = 0;
    return trackerUrls(m.raw, server.url);
  }

  const events = async (recipient: string): Promise<Event[]> =>
    (await (await server.api(`/email/public/v1/events?recipient=${encodeURIComponent(recipient)}`, { token: accessToken })).json()).events;
  const engagement = async (recipient: string) => (await events(recipient)).filter((e) => e.type === 'OPEN' || e.type === 'CLICK');

  it('answers the pixel with an uncached GIF and records one human open; HEAD never counts', async () => {
    const urls = await deliver('ann@example.test');
    const head = await get(urls.pixel, imageHeaders, 'HEAD');
    expect(head.status).toBe(200);
    const res = await get(urls.pixel, imageHeaders);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 6).toString()).toBe('GIF89a');
    await expect.poll(() => engagement('ann@example.test')).toHaveLength(1);
    const [open] = await engagement('ann@example.test');
    expect(open).toMatchObject({ type: 'OPEN', filteredEvent: false, verdict: 'HUMAN', deviceType: 'COMPUTER', emailCampaignId: campaignId });
    expect(open.browser).toMatchObject({ family: 'Google Chrome' });
  });

  it('redirects a click to its destination, decoded, and records it; typed URLs stay as they were', async () => {
    const urls = await deliver('bob@example.test');
    expect(urls.links).toHaveLength(3);
    expect(urls.html).toContain('<a href="https://acme.test/typed">https://acme.test/typed</a>');
    const res = await get(urls.links[0], clickHeaders);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://acme.test/pricing?plan=pro&seats=5');
    await expect.poll(async () => (await engagement('bob@example.test')).map((e) => `${e.type}:${e.verdict}:${e.inferred ?? false}`).sort()).toEqual(['CLICK:HUMAN:false', 'OPEN:HUMAN:true']);
    const click = (await engagement('bob@example.test')).find((e) => e.type === 'CLICK')!;
    expect(click.url).toBe('https://acme.test/pricing?plan=pro&seats=5');
  });

  it('answers 404 to anything it did not sign, records nothing, and the pixel still draws', async () => {
    const urls = await deliver('carol@example.test');
    const [kid, payload, sig] = urls.links[0].split('/t/c/')[1].split('.');
    const evil = Buffer.from(JSON.stringify({ k: 'c', r: { d: 'x' }, i: 0, u: 'https://evil.test/' })).toString('base64url');
    for (const token of [`${kid}.${evil}.${sig}`, `${kid}.${payload}`, 'nonsense', `${kid}.${payload}.${sig}x`]) {
      const res = await get(`${server.url}/t/c/${token}`, clickHeaders);
      expect(res.status).toBe(404);
      expect(res.headers.get('location')).toBeNull();
    }
    const pixel = await get(urls.pixel.replace(/\.[^./]+\.gif$/, '.AAAAAAAAAAAAAAAAAAAAAA.gif'), imageHeaders);
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    await new Promise((r) => setTimeout(r, 300));
    expect(await engagement('carol@example.test')).toEqual([]);
  });

  it('files scanner clicks apart: a Safe Links referer, the honeypot, and a burst over every link', async () => {
    const a = await deliver('dan@example.test');
    await get(a.links[1], { ...clickHeaders, referer: 'https://eur01.safelinks.protection.outlook.com/?url=x' });
    await expect.poll(() => engagement('dan@example.test')).toHaveLength(1);
    expect((await engagement('dan@example.test'))[0]).toMatchObject({ type: 'CLICK', filteredEvent: true, verdict: 'SCANNER', filterReason: 'SCANNER' });

    const b = await deliver('erin@example.test');
    await get(b.links[0], clickHeaders);
    await get(b.honeypot, { 'user-agent': 'Mozilla/5.0' });
    await expect.poll(async () => (await engagement('erin@example.test')).filter((e) => e.type === 'CLICK').map((e) => e.verdict)).toEqual(['SCANNER', 'SCANNER']);
    const corrected = (await engagement('erin@example.test')).find((e) => e.type === 'CLICK' && !e.honeypot)!;
    expect((corrected.reasons as string[]).join(' ')).toMatch(/honeypot/);

    const c = await deliver('fay@example.test');
    await Promise.all(c.links.map((l) => get(l, clickHeaders)));
    await expect
      .poll(async () => (await engagement('fay@example.test')).filter((e) => e.type === 'CLICK').map((e) => `${e.verdict}:${e.filteredEvent}`))
      .toEqual(['SCANNER:true', 'SCANNER:true', 'SCANNER:true']);
  });

  it('keeps counted and filtered engagement apart in the campaign counters', async () => {
    await expect
      .poll(async () => (await (await server.api(`/email/public/v1/campaigns/${campaignId}`, { token: accessToken })).json()) as Record<string, Record<string, number>>)
      .toMatchObject({ counters: { open: 2, click: 1 }, uniqueCounters: { open: 2, click: 1 }, filteredCounters: { click: 6 } });
    const filtered = await (await server.api(`/email/public/v1/events?campaignId=${campaignId}&excludeFilteredEvents=true&eventType=CLICK`, { token: accessToken })).json();
    expect(filtered.events.map((e: Event) => e.recipient)).toEqual(['bob@example.test']);
  });

  it('puts the pixel at the top when the sender asks, and drops the request header', async () => {
    await transport(creds).sendMail({ from: 'ops@acme.test', to: 'top@example.test', subject: 'Long', html: HTML, headers: { 'X-Mailbeacon-Pixel-Position': 'top' } });
    const [m] = await sink.waitFor(1);
    const urls = await trackerUrls(m.raw, server.url);
    expect(m.raw.toString()).not.toMatch(/X-Mailbeacon-Pixel-Position/i);
    expect(urls.html).toMatch(/<body>\s*<img src="[^"]+\/t\/o\//);
  });

  it('gives each envelope recipient its own tokens, so hits name the right one', async () => {
    await transport(creds).sendMail({ from: 'ops@acme.test', to: ['gil@example.test', 'hal@example.test'], subject: 'Two', html: HTML });
    const copies = await sink.waitFor(2);
    const byRecipient = new Map(await Promise.all(copies.map(async (m) => [m.to[0], await trackerUrls(m.raw, server.url)] as const)));
    expect(byRecipient.get('gil@example.test')!.pixel).not.toBe(byRecipient.get('hal@example.test')!.pixel);
    await get(byRecipient.get('hal@example.test')!.pixel, imageHeaders);
    await expect.poll(() => engagement('hal@example.test')).toHaveLength(1);
    expect(await engagement('gil@example.test')).toEqual([]);
  });

  it('stores every answered hit across a graceful stop and across kill -9', async () => {
    const urls = await deliver('ivy@example.test');
    for (let i = 0; i < 40; i++) expect((await get(urls.pixel, imageHeaders)).status).toBe(200);
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = await startWithEnv(server.env);
    await expect.poll(async () => (await engagement('ivy@example.test')).length).toBe(40);

    const more = await deliver('jay@example.test');
    for (let i = 0; i < 40; i++) expect((await get(more.pixel, imageHeaders)).status).toBe(200);
    server.process.kill('SIGKILL'); // answered hits may still be only in the journal
    await server.exited;
    server = await startWithEnv(server.env);
    await expect.poll(async () => (await engagement('jay@example.test')).length).toBe(40);
  });
});
