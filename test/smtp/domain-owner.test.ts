// Sending domains belong to one account: only its mail is DKIM-signed with the domain's key, and
// another account's SMTP token or single send cannot send From: the domain or a name below it
// (550 5.7.1 at SMTP, INVALID_FROM_ADDRESS in single send), nothing is queued for the refusal.
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { hubspot, smtpLogin, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { FAST_QUEUE, makeTemplate, sleep, waitForStatus } from '../send/fixtures.js';

const message = (id: string, from: string) => `From: ${from}\r\nTo: someone@example.test\r\nSubject: ${id}\r\nMessage-ID: <${id}@x.test>\r\n\r\nbody ${id}\r\n`;

describe.each(BACKENDS)('sending-domain ownership on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let ownerToken: string;
  let otherToken: string;
  let owner: SmtpCredentials;
  let other: SmtpCredentials;
  let record: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE });
    ownerToken = (await server.addUser('ops@acme.test', { account: 'acme' })).accessToken;
    otherToken = (await server.addUser('eve@evil.test', { account: 'evil' })).accessToken;
    owner = (await smtpLogin(server, ownerToken)).creds;
    other = (await smtpLogin(server, otherToken)).creds;
    const added = await server.cli(['domain', 'add', 'ACME.test', '--account', 'acme', '--selector', 'own']);
    expect(added.code, added.stderr).toBe(0);
    record = /^own\._domainkey\.acme\.test\. IN TXT "(v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+)"$/m.exec(added.stdout)![1];
  });
  beforeEach(() => {
    sink.messages.length = 0;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  const resolver = async (name: string, type: string) => {
    if (name === 'own._domainkey.acme.test' && type === 'TXT') return [[record]];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };

  /** A logged-in raw SMTP session (loopback may log in without TLS). */
  async function session(c: SmtpCredentials): Promise<RawSmtp> {
    const s = await RawSmtp.connect(server.smtpPort);
    await s.reply();
    await s.send('EHLO test.example');
    expect(await s.send(`AUTH PLAIN ${Buffer.from(`\0${c.user}\0${c.pass}`).toString('base64')}`)).toMatch(/^235/);
    return s;
  }

  it("signs the owner's mail at once after domain add, verifiably", async () => {
    await transport(owner).sendMail({ envelope: { from: 'ops@acme.test', to: ['someone@example.test'] }, raw: message('own', 'Ops <ops@acme.test>') });
    const m = (await sink.waitFor(1))[0];
    expect(m.raw.toString()).toMatch(/^DKIM-Signature: .*d=acme\.test;/m);
    expect((await dkimVerify(m.raw, { resolver })).results[0].status.result).toBe('pass');
  });

  it("refuses another account's MAIL FROM the domain or a name below it with 550 5.7.1", async () => {
    const s = await session(other);
    for (const from of ['ceo@acme.test', 'CEO@Acme.Test', 'x@mail.acme.test']) {
      expect(await s.send(`MAIL FROM:<${from}>`)).toMatch(/^550 5\.7\.1 Sender domain .* belongs to another Mailbeacon account/);
    }
    s.close();
  });

  it("refuses another account's message whose From: header is the domain, even under its own envelope sender", async () => {
    const s = await session(other);
    expect(await s.send('MAIL FROM:<eve@evil.test>')).toMatch(/^250/);
    expect(await s.send('RCPT TO:<victim@example.test>')).toMatch(/^250/);
    expect(await s.send('DATA')).toMatch(/^354/);
    expect(await s.send(message('forged', '"The CEO" <ceo@acme.test>') + '.')).toMatch(/^550 5\.7\.1 Sender domain acme\.test belongs to another Mailbeacon account/);
    // A From: with several mailboxes is refused if any of them is someone else's.
    expect(await s.send('MAIL FROM:<eve@evil.test>')).toMatch(/^250/);
    expect(await s.send('RCPT TO:<victim@example.test>')).toMatch(/^250/);
    expect(await s.send('DATA')).toMatch(/^354/);
    expect(await s.send(message('forged2', 'eve@evil.test, ceo@acme.test') + '.')).toMatch(/^550 5\.7\.1/);
    s.close();
    await sleep(500);
    expect(sink.messages).toHaveLength(0);
    const events = await (await server.api('/email/public/v1/events?recipient=victim@example.test', { token: otherToken })).json();
    expect(events.events).toEqual([]);
  });

  it("sends another account's mail from its own domain, unsigned", async () => {
    await transport(other).sendMail({ envelope: { from: 'eve@evil.test', to: ['someone@example.test'] }, raw: message('theirs', 'eve@evil.test') });
    expect((await sink.waitFor(1))[0].raw.toString()).not.toMatch(/^DKIM-Signature:/m);
  });

  it('answers INVALID_FROM_ADDRESS to a single send from the domain by another account, and sends nothing', async () => {
    const template = await makeTemplate(server, otherToken);
    const client = hubspot(server, otherToken);
    for (const from of ['ceo@acme.test', 'The CEO <ceo@sub.acme.test>']) {
      const sent = await client.marketing.transactional.singleSendApi.sendEmail({ emailId: Number(template.id), message: { to: 'victim@example.test', _from: from }, customProperties: { order_id: '1' } });
      const status = await waitForStatus(client, sent.statusId);
      expect(status).toMatchObject({ status: 'COMPLETE', sendResult: 'INVALID_FROM_ADDRESS' });
    }
    // The owner's single send from its domain goes out signed.
    const ownTemplate = await makeTemplate(server, ownerToken);
    const ownClient = hubspot(server, ownerToken);
    const ok = await ownClient.marketing.transactional.singleSendApi.sendEmail({ emailId: Number(ownTemplate.id), message: { to: 'buyer@example.test', _from: 'ops@acme.test' }, customProperties: { order_id: '2' } });
    expect((await waitForStatus(ownClient, ok.statusId)).sendResult).toBe('SENT');
    const mails = await sink.waitFor(1);
    expect(mails.map((m) => m.to)).toEqual([['buyer@example.test']]);
    expect(mails[0].raw.toString()).toMatch(/^DKIM-Signature: .*d=acme\.test;/m);
  });

  it('refuses to give the domain, a parent or a name below it to another account, and lists owners', async () => {
    for (const domain of ['acme.test', 'mail.acme.test']) {
      const r = await server.cli(['domain', 'add', domain, '--account', 'evil']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/acme\.test belongs to another account/);
    }
    const again = await server.cli(['domain', 'add', 'acme.test', '--account', 'acme', '--selector', 'own']);
    expect(again.code, again.stderr).toBe(0); // the owner may re-key it
    record = /IN TXT "([^"]+)"/.exec(again.stdout)![1];
    const list = await server.cli(['domain', 'list']);
    expect(list.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ domain: 'acme.test', account: 'acme', selector: 'own' })]);
  });
});
