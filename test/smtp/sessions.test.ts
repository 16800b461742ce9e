// The SMTP conversation, command by command, on a raw socket: logins, token changes on open
// sessions, TLS before AUTH for remote clients, and every refusal with its code — and nothing queued.
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { devCertFile, hubspot, smtpLogin } from '../helpers/smtp-clients.js';

const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

async function login(port: number, user: string, pass: string, host = '127.0.0.1') {
  const s = await RawSmtp.connect(port, host);
  await s.reply();
  await s.send('EHLO client.test');
  return { s, auth: await s.send(`AUTH PLAIN ${plain(user, pass)}`) };
}

function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe.each(BACKENDS)('SMTP sessions on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let accessToken: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, SMTP_HOST: '0.0.0.0', SMTP_MAX_BYTES: '4000' });
    accessToken = (await server.addUser('dev@acme.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  async function queuedCount(): Promise<number> {
    const database = await tdb.open();
    try {
      return (await database.db.selectFrom('deliveries').select('id').execute()).length;
    } finally {
      await database.close();
    }
  }

  it('greets, and refuses a wrong password with 535', async () => {
    const { creds } = await smtpLogin(server, accessToken);
    const s = await RawSmtp.connect(server.smtpPort);
    expect(await s.reply()).toMatch(/^220 \S+ ESMTP Mailbeacon ready$/);
    const ehlo = await s.send('EHLO client.test');
    expect(ehlo).toMatch(/^250-AUTH PLAIN LOGIN$/m);
    expect(ehlo).toMatch(/^250-STARTTLS$/m);
    expect(ehlo).toMatch(/^250[ -]SIZE 4000$/m);
    expect(await s.send(`AUTH PLAIN ${plain(creds.user, creds.pass + 'x')}`)).toMatch(/^535 5\.7\.8 Authentication failed/);
    expect(await s.send(`AUTH PLAIN ${plain('nosuchtoken', creds.pass)}`)).toMatch(/^535 5\.7\.8/);
    expect(await s.send(`AUTH PLAIN ${plain(creds.user, creds.pass)}`)).toMatch(/^235 /);
    s.close();
  });

  it('ends a login at once when its token is reset or deleted, even on an open connection', async () => {
    const { token, creds } = await smtpLogin(server, accessToken);
    const api = hubspot(server, accessToken).marketing.transactional.publicSMTPTokensApi;
    const open = await login(server.smtpPort, creds.user, creds.pass);
    expect(open.auth).toMatch(/^235/);

    const reset = await api.resetPassword(token.id);
    expect(await open.s.send('MAIL FROM:<a@acme.test>')).toMatch(/^535 .*password was reset/);
    expect((await login(server.smtpPort, creds.user, creds.pass)).auth).toMatch(/^535/);
    const fresh = await login(server.smtpPort, creds.user, reset.password!);
    expect(fresh.auth).toMatch(/^235/);
    expect(await fresh.s.send('MAIL FROM:<a@acme.test>')).toMatch(/^250/);

    await api.archiveToken(token.id);
    expect(await fresh.s.send('RCPT TO:<b@example.test>')).toMatch(/^535 .*deleted/);
    expect((await login(server.smtpPort, creds.user, reset.password!)).auth).toMatch(/^535/);
    open.s.close();
    fresh.s.close();
  });

  it('refuses MAIL FROM before AUTH with 530', async () => {
    const s = await RawSmtp.connect(server.smtpPort);
    await s.reply();
    await s.send('EHLO client.test');
    expect(await s.send('MAIL FROM:<a@acme.test>')).toMatch(/^530 5\.7\.0 Authentication required/);
    s.close();
  });

  it('makes a remote client encrypt before it may even see AUTH', async (ctx) => {
    const address = nonLoopbackAddress();
    if (!address) return ctx.skip(); // no non-loopback interface on this machine
    const { creds } = await smtpLogin(server, accessToken);
    const s = await RawSmtp.connect(server.smtpPort, address);
    await s.reply();
    const ehlo = await s.send('EHLO remote.test');
    expect(ehlo).not.toMatch(/AUTH/);
    expect(ehlo).toMatch(/STARTTLS/);
    expect(await s.send('MAIL FROM:<a@acme.test>')).toMatch(/^530 .*STARTTLS/);
    expect(await s.send('STARTTLS')).toMatch(/^220/);
    await s.startTls(fs.readFileSync(devCertFile(server), 'utf8'));
    expect(await s.send('EHLO remote.test')).toMatch(/AUTH PLAIN LOGIN/);
    expect(await s.send(`AUTH PLAIN ${plain(creds.user, creds.pass)}`)).toMatch(/^235/);
    expect(await s.send('MAIL FROM:<a@acme.test>')).toMatch(/^250/);
    s.close();
  });

  it('refuses bad addresses, bad sequences and oversize mail with the right codes, queueing nothing', async () => {
    const before = await queuedCount();
    const { creds } = await smtpLogin(server, accessToken);
    const { s } = await login(server.smtpPort, creds.user, creds.pass);
    expect(await s.send('MAIL FROM:<>')).toMatch(/^553 .*sender address is required/);
    expect(await s.send('MAIL FROM:<not an address>')).toMatch(/^5(01|53) /);
    expect(await s.send('MAIL FROM:<ops@acme>')).toMatch(/^553 .*not a valid address/);
    expect(await s.send('MAIL FROM:<ops@acme.test> SIZE=999999')).toMatch(/^552 5\.3\.4 .*exceeds .*4000/);
    expect(await s.send('DATA')).toMatch(/^503 /);
    expect(await s.send('MAIL FROM:<ops@acme.test>')).toMatch(/^250/);
    expect(await s.send('RCPT TO:<nobody>')).toMatch(/^5(01|53) /);
    expect(await s.send('RCPT TO:<a@b>')).toMatch(/^553 .*not a valid address/);
    expect(await s.send('FLY ME TO THE MOON')).toMatch(/^500 /);
    expect(await s.send('RCPT TO:<ok@example.test>')).toMatch(/^250/);
    expect(await s.send('DATA')).toMatch(/^354/);
    s.write(`From: ops@acme.test\r\nSubject: big\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(80) + '.\r\n');
    expect(await s.reply()).toMatch(/^552 .*exceeds the limit of 4000 bytes; nothing was stored/);
    // A message without a header block is refused too.
    expect(await s.send('MAIL FROM:<ops@acme.test>')).toMatch(/^250/);
    expect(await s.send('RCPT TO:<ok@example.test>')).toMatch(/^250/);
    expect(await s.send('DATA')).toMatch(/^354/);
    expect(await s.send('just a line of text\r\n.')).toMatch(/^554 .*no header block/);
    s.close();
    expect(await queuedCount()).toBe(before);
  });
});

describe('SMTP login throttling', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('answers 454 after ten failed logins from one address on one token, even with the right password', async () => {
    const { accessToken } = await server.addUser('dev@acme.test');
    const { creds } = await smtpLogin(server, accessToken);
    const s = await RawSmtp.connect(server.smtpPort);
    await s.reply();
    await s.send('EHLO attacker.test');
    for (let i = 0; i < 10; i++) {
      const r = await s.send(`AUTH PLAIN ${plain(creds.user, 'guess' + i)}`);
      if (r.startsWith('421')) break; // smtp-server may hang up on repeated failures; reconnect below
      expect(r).toMatch(/^535/);
    }
    s.close();
    const again = await RawSmtp.connect(server.smtpPort);
    await again.reply();
    await again.send('EHLO attacker.test');
    expect(await again.send(`AUTH PLAIN ${plain(creds.user, creds.pass)}`)).toMatch(/^454 4\.7\.0 Too many failed logins; try again in \d+ s/);
    again.close();
  });
});
