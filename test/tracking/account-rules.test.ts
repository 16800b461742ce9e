// Account-wide tracking rules: privacy (contacts without a legal basis are tracked anonymously: no
// user agent kept, "Someone" in notifications) and one custom tracking domain per account.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { connectSse } from '../helpers/sse.js';
import { get, imageHeaders, trackerUrls } from '../helpers/tracking.js';

describe.each(BACKENDS)('account tracking rules on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let token: string;
  let creds: SmtpCredentials;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url });
    token = (await server.addUser('rep@acme.test')).accessToken;
    creds = (await smtpLogin(server, token, 'Rules', true)).creds;
  });
  beforeEach(() => {
    sink.messages.length = 0;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  async function deliver(to: string) {
    await transport(creds).sendMail({ from: 'rep@acme.test', to, subject: `For ${to}`, html: '<p>Hello</p>' });
    const [m] = await sink.waitFor(1);
    sink.messages.length = 0;
    return trackerUrls(m.raw, server.url);
  }
  const opens = async (recipient: string) =>
    ((await (await server.api(`/email/public/v1/events?eventType=OPEN&recipient=${recipient}`, { token })).json()).events as Array<Record<string, unknown>>);

  it('keeps no user agent for a contact without a legal basis while privacy is on, and says "Someone"', async () => {
    expect((await server.api('/api/v1/account', { method: 'PUT', token, json: { privacy: true } })).status).toBe(200);
    const feed = await connectSse(`${server.url}/api/v1/notifications/stream`, { token });
    const urls = await deliver('ann@example.test');
    await get(urls.pixel, imageHeaders);
    const [event] = await feed.waitFor(1);
    expect(event.data).toMatchObject({ type: 'OPEN', who: 'Someone' });
    await expect.poll(() => opens('ann@example.test')).toHaveLength(1);
    const [open] = await opens('ann@example.test');
    expect(open).toMatchObject({ verdict: 'HUMAN', filteredEvent: false, reasons: [] });
    expect(open.userAgent).toBeUndefined();
    expect(open.browser).toBeUndefined();

    // With a legal basis recorded, the same contact is tracked by name, with device data.
    const contact = (await (await server.api('/api/v1/contacts?email=ann@example.test', { token })).json()).results[0];
    expect((await server.api(`/api/v1/contacts/${contact.id}`, { method: 'PATCH', token, json: { legalBasis: 'CONSENT', name: 'Ann Lee' } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100)); // tracking re-reads a mail's context after two seconds
    await get(urls.pixel, imageHeaders);
    const [, second] = await feed.waitFor(2);
    expect(second.data).toMatchObject({ who: 'Ann Lee' });
    await expect.poll(async () => (await opens('ann@example.test')).find((e) => e.userAgent)).toBeTruthy();
    feed.close();
    await server.api('/api/v1/account', { method: 'PUT', token, json: { privacy: false } });
  });

  it('writes tracking URLs on the account\'s own tracking domain', async () => {
    expect((await server.api('/api/v1/account', { method: 'PUT', token, json: { trackingDomain: 'track.acme.test' } })).status).toBe(200);
    await transport(creds).sendMail({ from: 'rep@acme.test', to: 'bob@example.test', subject: 'Domain', html: '<p><a href="https://acme.test/x">x</a></p>' });
    const [m] = await sink.waitFor(1);
    const urls = await trackerUrls(m.raw);
    expect(urls.pixel).toMatch(/^http:\/\/track\.acme\.test\/t\/o\//);
    expect(urls.links[0]).toMatch(/^http:\/\/track\.acme\.test\/t\/c\//);
    // The tracker answers those URLs whatever host name reached it (the domain points at it).
    const res = await get(urls.links[0].replace('http://track.acme.test', server.url), {});
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://acme.test/x');
    // Another account keeps the default.
    const other = (await server.addUser('x@other.test', { account: 'other' })).accessToken;
    const mail = await (await server.api('/api/v1/tracked-emails', { method: 'POST', token: other, json: { subject: 's', from: 'x@other.test', to: ['c@example.test'], cc: [], bcc: [], html: '<p>x</p>' } })).json();
    expect(mail.pixelUrl).toMatch(/^http:\/\/localhost:\d+\/t\/o\//);
  });
});
