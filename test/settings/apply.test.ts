// A settings change applies to the very next hit, send or log: in the process that saved it as soon
// as the PUT answers, and in every other process (PostgreSQL) within a second. Each case first makes
// the server read the old value (so that a cache would hold it), then changes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { serverEnv, startWithEnv, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport } from '../helpers/smtp-clients.js';
import { connectSse, type SseClient } from '../helpers/sse.js';
import { get, imageHeaders, trackerUrls } from '../helpers/tracking.js';
import { emailInput, postLogged } from '../logging/client.js';

const BOUND_MS = 1000;
const OFFICE = '203.0.113.7';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The cases, run against `saver` (where the PUT goes) and `reader` (where the next hit, send or log
 * goes). One process: the same server, and no wait. Two: the other, after the bound.
 */
function cases(ctx: () => { saver: RunningServer; reader: RunningServer; sink: Sink; wait: number }) {
  let n = 0;
  const user = async () => {
    const { saver } = ctx();
    const email = `rep${++n}@acme${n}.test`;
    const { accessToken } = await saver.addUser(email, { account: `acct${n}` });
    return { email, token: accessToken };
  };
  const put = async (server: RunningServer, token: string, path: string, json: unknown) => {
    const r = await server.api(path, { method: 'PUT', token, json });
    expect(r.status).toBe(200);
    await sleep(ctx().wait);
  };
  /** A one-to-one tracked email registered on the reader; hits on its pixel go to the reader too. */
  const tracked = async (token: string, from: string, to = 'ann@example.test') => {
    const { reader } = ctx();
    const res = await reader.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject: 'Settings', from, to: [to], cc: [], bcc: [], html: '<p>x</p>' } });
    expect(res.status).toBe(201);
    const mail = await res.json();
    return { id: mail.id as string, pixelUrl: mail.pixelUrl as string, pixel: (mail.pixelUrl as string).replace(/^https?:\/\/[^/]+/, reader.url) };
  };
  const hit = (pixel: string, ip = '198.51.100.20') => get(pixel, { ...imageHeaders, 'x-forwarded-for': ip });
  /** The email's stored opens, oldest first, once there are `count`. */
  const opens = async (token: string, id: string, count: number) => {
    let events: Array<{ verdict: string; reasons: string[] }> = [];
    await expect
      .poll(async () => (events = (await (await ctx().reader.api(`/api/v1/tracked-emails/${id}`, { token })).json()).events).length, { timeout: 5000 })
      .toBe(count);
    return events.reverse();
  };
  const feed = (token: string) => connectSse(`${ctx().reader.url}/api/v1/notifications/stream`, { token });
  const nextEvent = async (f: SseClient, n: number) => (await f.waitFor(n, 3000))[n - 1].data;

  it('blocked IPs: unblocking the office applies to the next open, and so does blocking it again', async () => {
    const { saver } = ctx();
    const { email, token } = await user();
    await put(saver, token, '/api/v1/settings', { blockedIps: [OFFICE] });
    const mail = await tracked(token, email);
    await hit(mail.pixel, OFFICE);
    expect((await opens(token, mail.id, 1))[0]).toMatchObject({ verdict: 'SELF', reasons: [`blocked IP ${OFFICE} (your settings)`] });
    await put(saver, token, '/api/v1/settings', { blockedIps: [] });
    await hit(mail.pixel, OFFICE);
    expect((await opens(token, mail.id, 2))[1]).toMatchObject({ verdict: 'HUMAN' });
    await put(saver, token, '/api/v1/settings', { blockedIps: [`${OFFICE.replace(/\d+$/, '0')}/24`] });
    await hit(mail.pixel, OFFICE);
    expect((await opens(token, mail.id, 3))[2]).toMatchObject({ verdict: 'SELF' });
  });

  it('notification choices: switching opens on notifies the next open', async () => {
    const { saver } = ctx();
    const { email, token } = await user();
    await put(saver, token, '/api/v1/settings', { notifications: { opens: false } });
    const live = await feed(token);
    const mail = await tracked(token, email);
    await hit(mail.pixel);
    await opens(token, mail.id, 1);
    await put(saver, token, '/api/v1/settings', { notifications: { opens: true } });
    await hit(mail.pixel);
    expect(await nextEvent(live, 1)).toMatchObject({ type: 'OPEN', emailId: mail.id });
    await put(saver, token, '/api/v1/settings', { notifications: { opens: false } });
    await hit(mail.pixel);
    await opens(token, mail.id, 3);
    // Only the open between the two changes notified.
    const history = (await (await ctx().reader.api('/api/v1/notifications', { token })).json()).results;
    expect(history).toHaveLength(1);
    live.close();
  });

  it('privacy: switching it on makes the next open anonymous', async () => {
    const { saver } = ctx();
    const { email, token } = await user();
    const live = await feed(token);
    const mail = await tracked(token, email, 'bob@example.test');
    await hit(mail.pixel);
    expect(await nextEvent(live, 1)).toMatchObject({ who: 'bob@example.test' });
    await put(saver, token, '/api/v1/account', { privacy: true });
    await hit(mail.pixel);
    expect(await nextEvent(live, 2)).toMatchObject({ who: 'Someone' });
    expect((await opens(token, mail.id, 2))[1]).toMatchObject({ verdict: 'HUMAN', reasons: [] });
    live.close();
  });

  it('tracking domain: the next tracked email and the next SMTP send use the new domain', async () => {
    const { saver, reader, sink } = ctx();
    const { email, token } = await user();
    const { creds } = await smtpLogin(reader, token, 'Domain', false);
    const send = async () => {
      sink.messages.length = 0;
      await transport(creds).sendMail({ from: email, to: 'carol@example.test', subject: 'Domain', html: '<p><a href="https://acme.test/x">x</a></p>' });
      const [m] = await sink.waitFor(1);
      return (await trackerUrls(m.raw)).pixel;
    };
    expect((await tracked(token, email)).pixelUrl).toMatch(/^http:\/\/localhost:\d+\/t\/o\//);
    expect(await send()).toMatch(/^http:\/\/localhost:\d+\/t\/o\//);
    await put(saver, token, '/api/v1/account', { trackingDomain: 'track.acme.test' });
    expect((await tracked(token, email)).pixelUrl).toMatch(/^http:\/\/track\.acme\.test\/t\/o\//);
    expect(await send()).toMatch(/^http:\/\/track\.acme\.test\/t\/o\//);
    await put(saver, token, '/api/v1/account', { trackingDomain: null });
    expect((await tracked(token, email)).pixelUrl).toMatch(/^http:\/\/localhost:\d+\/t\/o\//);
    expect(await send()).toMatch(/^http:\/\/localhost:\d+\/t\/o\//);
  });

  it('never-log (the user\'s and the account\'s): the next logged email skips the address', async () => {
    const { saver, reader } = ctx();
    const { email, token } = await user();
    const log = async (to: string[]) => (await (await postLogged(reader, token, emailInput({ from: email, to }))).json()).skipped;
    expect(await log(['dan@example.test', 'eve@example.test'])).toEqual([]);
    await put(saver, token, '/api/v1/settings', { neverLog: ['dan@example.test'] });
    await put(saver, token, '/api/v1/account', { neverLog: ['eve@example.test'] });
    expect(await log(['dan@example.test', 'eve@example.test'])).toEqual([
      { address: 'dan@example.test', reason: 'NEVER_LOG' },
      { address: 'eve@example.test', reason: 'NEVER_LOG' },
    ]);
  });

  it('contact creation: switching it off applies to the next logged email', async () => {
    const { saver, reader } = ctx();
    const { email, token } = await user();
    const log = async (to: string) => (await (await postLogged(reader, token, emailInput({ from: email, to: [to] }))).json()).skipped;
    expect(await log('first@example.test')).toEqual([]);
    await put(saver, token, '/api/v1/account', { createContacts: false });
    expect(await log('second@example.test')).toEqual([{ address: 'second@example.test', reason: 'NO_CONTACT_CREATION' }]);
  });
}

describe.each(BACKENDS)('settings apply at once on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startWithEnv(await serverEnv(tdb, { RELAY_URL: sink.url, TRUST_PROXY: 'true' }));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  cases(() => ({ saver: server, reader: server, sink, wait: 0 }));
});

describe('settings saved on one process apply on another within a second (PostgreSQL)', () => {
  let tdb: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;
  let sink: Sink;

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    sink = await startSink();
    a = await startWithEnv(await serverEnv(tdb, { RELAY_URL: sink.url, TRUST_PROXY: 'true' }));
    b = await startWithEnv(await serverEnv(tdb, { RELAY_URL: sink.url, TRUST_PROXY: 'true', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'mb-test-b-')) }));
  });
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  cases(() => ({ saver: a, reader: b, sink, wait: BOUND_MS }));
});
