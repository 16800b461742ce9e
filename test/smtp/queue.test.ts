// The outbound queue against a real relay that misbehaves: down, failing temporarily, hanging up,
// refusing recipients and content; give-up; DKIM signing.
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { RawSmtp } from '../helpers/smtp-client.js';

const FAST_RETRIES = { QUEUE_RETRY_BASE: '150ms', QUEUE_RETRY_MAX: '600ms', QUEUE_LEASE: '3s' };

function message(id: string, to: string, from = 'ops@acme.test') {
  return `From: ${from}\r\nTo: ${to}\r\nSubject: ${id}\r\nMessage-ID: <${id}@acme.test>\r\n\r\nbody ${id}\r\n`;
}

describe.each(BACKENDS)('the outbound queue on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let accessToken: string;
  let creds: SmtpCredentials;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_RETRIES });
    accessToken = (await server.addUser('dev@acme.test')).accessToken;
    creds = (await smtpLogin(server, accessToken)).creds;
  });
  beforeEach(() => {
    sink.messages.length = 0;
    sink.mode = 'accept';
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  const events = async (recipient: string) =>
    (await (await server.api(`/email/public/v1/events?recipient=${encodeURIComponent(recipient)}`, { token: accessToken })).json()).events as Array<Record<string, unknown>>;

  it('keeps mail while the relay is down and delivers each message once when it is back', async () => {
    await sink.down();
    const t = transport(creds, { pool: true, maxConnections: 4 });
    const ids = Array.from({ length: 30 }, (_, i) => `down-${i}`);
    await Promise.all(ids.map((id) => t.sendMail({ envelope: { from: 'ops@acme.test', to: ['waiter@example.test'] }, raw: message(id, 'waiter@example.test') })));
    t.close();
    await expect.poll(async () => (await events('waiter@example.test')).filter((e) => e.type === 'DEFERRED').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    expect(sink.messages).toHaveLength(0);
    await sink.up();
    await sink.waitFor(30);
    await new Promise((r) => setTimeout(r, 1500)); // would-be duplicates have time to show up
    expect(sink.messages.map((m) => m.messageId).sort()).toEqual(ids.map((id) => `<${id}@acme.test>`).sort());
    const deferred = (await events('waiter@example.test')).find((e) => e.type === 'DEFERRED')!;
    expect(deferred).toMatchObject({ attempt: expect.any(Number), response: expect.stringMatching(/ECONNREFUSED|connect/i) });
  });

  it('retries after a 451 and after the relay hangs up mid-message', async () => {
    sink.mode = 'tempfail';
    await transport(creds).sendMail({ envelope: { from: 'ops@acme.test', to: ['retry@example.test'] }, raw: message('tempfail', 'retry@example.test') });
    await expect.poll(async () => (await events('retry@example.test')).some((e) => e.type === 'DEFERRED' && String(e.response).startsWith('451'))).toBe(true);
    sink.mode = 'drop';
    await expect.poll(async () => (await events('retry@example.test')).filter((e) => e.type === 'DEFERRED').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    sink.mode = 'accept';
    const [m] = await sink.waitFor(1);
    expect(m.messageId).toBe('<tempfail@acme.test>');
    await expect.poll(async () => (await events('retry@example.test')).map((e) => e.type)).toContain('DELIVERED');
  });

  it('bounces on a refused recipient, suppresses the address, and refuses it at RCPT from then on', async () => {
    sink.mode = 'permfail-rcpt';
    await transport(creds).sendMail({ envelope: { from: 'ops@acme.test', to: ['gone@example.test'] }, raw: message('bounce', 'gone@example.test') });
    await expect.poll(async () => (await events('gone@example.test')).map((e) => e.type)).toContain('BOUNCE');
    const bounce = (await events('gone@example.test')).find((e) => e.type === 'BOUNCE')!;
    expect(bounce.response).toMatch(/^550/);
    sink.mode = 'accept';
    const s = await RawSmtp.connect(server.smtpPort);
    await s.reply();
    await s.send('EHLO c.test');
    expect(await s.send(`AUTH PLAIN ${Buffer.from(`\0${creds.user}\0${creds.pass}`).toString('base64')}`)).toMatch(/^235/);
    expect(await s.send('MAIL FROM:<ops@acme.test>')).toMatch(/^250/);
    expect(await s.send('RCPT TO:<Gone@Example.test>')).toMatch(/^550 .*bounced before and is suppressed/);
    s.close();
  });

  it('bounces a message whose content the relay rejects, without suppressing its recipient', async () => {
    sink.mode = 'permfail-data';
    await transport(creds).sendMail({ envelope: { from: 'ops@acme.test', to: ['picky@example.test'] }, raw: message('content', 'picky@example.test') });
    await expect.poll(async () => (await events('picky@example.test')).map((e) => e.type)).toContain('BOUNCE');
    sink.mode = 'accept';
    await transport(creds).sendMail({ envelope: { from: 'ops@acme.test', to: ['picky@example.test'] }, raw: message('content-2', 'picky@example.test') });
    const [m] = await sink.waitFor(1);
    expect(m.messageId).toBe('<content-2@acme.test>');
  });

  it('signs mail from a domain that has a DKIM key, verifiably', async () => {
    const added = await server.cli(['domain', 'add', 'acme.test', '--selector', 'mbtest']);
    expect(added.code, added.stderr).toBe(0);
    const record = /^mbtest\._domainkey\.acme\.test\. IN TXT "(v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+)"$/m.exec(added.stdout);
    expect(record).not.toBeNull();
    // The signer remembers "no key for acme.test" for two seconds.
    await new Promise((r) => setTimeout(r, 2100));
    await transport(creds).sendMail({ envelope: { from: 'ops@acme.test', to: ['signed@example.test'] }, raw: message('dkim', 'signed@example.test') });
    const m = (await sink.waitFor(1))[0];
    expect(m.raw.toString()).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=acme\.test;/m);
    const resolver = async (name: string, type: string) => {
      if (name === 'mbtest._domainkey.acme.test' && type === 'TXT') return [[record![1]]];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const result = await dkimVerify(m.raw, { resolver });
    expect(result.results[0].status.result).toBe('pass');
    // Mail from another domain is not signed.
    sink.messages.length = 0;
    await transport(creds).sendMail({ envelope: { from: 'ops@other.test', to: ['signed@example.test'] }, raw: message('nodkim', 'signed@example.test', 'ops@other.test') });
    expect((await sink.waitFor(1))[0].raw.toString()).not.toMatch(/^DKIM-Signature:/m);
  });
});

describe('giving up', () => {
  it('drops a delivery that still fails after QUEUE_GIVE_UP, with the reason', async () => {
    const tdb = await createTestDatabase('sqlite');
    const sink = await startSink();
    await sink.down();
    const server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_RETRIES, QUEUE_GIVE_UP: '1s' });
    try {
      const { accessToken } = await server.addUser('dev@acme.test');
      const { creds } = await smtpLogin(server, accessToken);
      await transport(creds).sendMail({ envelope: { from: 'ops@acme.test', to: ['late@example.test'] }, raw: message('late', 'late@example.test') });
      await expect
        .poll(async () => (await (await server.api('/email/public/v1/events?recipient=late@example.test&eventType=DROPPED', { token: accessToken })).json()).events, { timeout: 10_000 })
        .toEqual([expect.objectContaining({ type: 'DROPPED', dropReason: 'GAVE_UP', dropMessage: expect.stringMatching(/^gave up after \d+ attempts/) })]);
      await sink.up();
      await new Promise((r) => setTimeout(r, 1000));
      expect(sink.messages).toHaveLength(0);
    } finally {
      await server.stop('SIGKILL');
      await sink.close();
      await tdb.drop();
    }
  });
});
