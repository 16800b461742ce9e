// The PROXY protocol on the SMTP listener (HAProxy's PROXY protocol, version 1; SMTP_PROXY_PROTOCOL):
// behind a TCP balancer every connection comes from the balancer, and the header it writes first
// names the client. On, the header's address is the client's in logs and login throttles, every
// client (even one the header calls loopback) needs STARTTLS before AUTH, and a connection without a
// valid version 1 header is closed before the greeting. Off, a PROXY line is an unknown command.
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { devCertFile, smtpLogin, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { freshLoopback } from '../security/client.js';

const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

function proxyLine(client: string, port: number): string {
  return net.isIPv6(client) ? `PROXY TCP6 ${client} ::1 40000 ${port}\r\n` : `PROXY TCP4 ${client} 127.0.0.1 40000 ${port}\r\n`;
}

/** Writes `bytes` on a fresh connection and collects what comes back until the server closes it (or 3 s pass). */
function exchangeRaw(port: number, bytes: Buffer | string, waitMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let text = '';
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => {});
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

describe.each(BACKENDS)('SMTP_PROXY_PROTOCOL=true on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let creds: SmtpCredentials;
  let ca: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb, { SMTP_PROXY_PROTOCOL: 'true' });
    creds = (await smtpLogin(server, (await server.addUser('proxied@acme.test')).accessToken)).creds;
    ca = fs.readFileSync(devCertFile(server), 'utf8');
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  /** A session the balancer passes on for `client`: header, greeting, EHLO, STARTTLS, EHLO. */
  async function proxied(client: string): Promise<RawSmtp> {
    const s = await RawSmtp.connect(server.smtpPort);
    s.write(proxyLine(client, server.smtpPort));
    expect(await s.reply()).toMatch(/^220 /);
    await s.send('EHLO client.test');
    expect(await s.send('STARTTLS')).toMatch(/^220/);
    await s.startTls(ca);
    expect(await s.send('EHLO client.test')).toMatch(/^250-AUTH PLAIN LOGIN$/m);
    return s;
  }
  async function auth(client: string, pass: string): Promise<string> {
    const s = await proxied(client);
    try {
      return await s.send(`AUTH PLAIN ${plain(creds.user, pass)}`);
    } finally {
      s.close();
    }
  }

  it("logs and throttles the header's address, not the balancer's", async () => {
    const [guesser, other] = ['203.0.113.10', '203.0.113.11'];
    for (let i = 0; i < 10; i++) expect(await auth(guesser, `guess-${i}`)).toMatch(/^535/);
    expect(await auth(guesser, creds.pass)).toMatch(/^454/);
    // The same balancer connection, another client behind it: not the one guessing.
    expect(await auth(other, creds.pass)).toMatch(/^235/);
    const failed = server.logs().filter((l) => l.msg === 'SMTP login failed');
    expect(failed.length).toBeGreaterThanOrEqual(10);
    expect(new Set(failed.map((l) => l.address))).toEqual(new Set([guesser]));
  });

  it('counts IPv6 clients per /64', async () => {
    for (let i = 0; i < 10; i++) expect(await auth(`2001:db8:5:6::${i + 1}`, `guess-${i}`)).toMatch(/^535/);
    expect(await auth('2001:db8:5:6:ffff::1', creds.pass)).toMatch(/^454/);
    expect(await auth('2001:db8:5:7::1', creds.pass)).toMatch(/^235/);
  });

  it('wants STARTTLS before AUTH even when the header names a loopback client', async () => {
    const s = await RawSmtp.connect(server.smtpPort);
    s.write(proxyLine('127.0.0.1', server.smtpPort));
    expect(await s.reply()).toMatch(/^220 /);
    const ehlo = await s.send('EHLO client.test');
    expect(ehlo).toMatch(/STARTTLS/);
    expect(ehlo).not.toMatch(/AUTH/);
    expect(await s.send(`AUTH PLAIN ${plain(creds.user, creds.pass)}`)).toMatch(/^5/);
    s.close();
  });

  it('closes connections whose header is missing or malformed, before any greeting, and stays up', async () => {
    const v2Signature = Buffer.from('0d0a0d0a000d0a515549540a21110000', 'hex');
    const cases: Array<Buffer | string> = [
      'EHLO client.test\r\n', // an SMTP client that connects directly
      'PROXY TCP4 not-an-address 127.0.0.1 40000 25\r\n',
      'PROXY TCP4 203.0.113.9\r\n',
      'PROXX TCP4 203.0.113.9 127.0.0.1 40000 25\r\nEHLO x\r\n',
      `PROXY TCP4 203.0.113.9 127.0.0.1 40000 ${'9'.repeat(2000)}`,
      v2Signature, // version 2 (binary) is not supported
    ];
    for (const bytes of cases) {
      const { text, closed } = await exchangeRaw(server.smtpPort, bytes);
      expect(closed, JSON.stringify(bytes.toString())).toBe(true);
      expect(text, JSON.stringify(bytes.toString())).not.toMatch(/^220/m);
    }
    // A client that sends nothing gets no greeting: it waits for one the server will not send yet.
    expect((await exchangeRaw(server.smtpPort, '', 1000)).text).toBe('');
    expect(await auth('203.0.113.20', creds.pass)).toMatch(/^235/);
  });
});

describe.each(BACKENDS)('SMTP_PROXY_PROTOCOL unset on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let creds: SmtpCredentials;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    creds = (await smtpLogin(server, (await server.addUser('direct@acme.test')).accessToken)).creds;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('refuses a PROXY header: before the greeting as talking too soon, after it as an unknown command', async () => {
    const early = await exchangeRaw(server.smtpPort, proxyLine('203.0.113.30', server.smtpPort));
    expect(early.text).toMatch(/^421 .*talk too soon/m);
    expect(early.closed).toBe(true);

    const from = freshLoopback();
    const s = await RawSmtp.connect(server.smtpPort, '127.0.0.1', from);
    expect(await s.reply()).toMatch(/^220 /);
    expect(await s.send(proxyLine('203.0.113.30', server.smtpPort).trimEnd())).toMatch(/^500 5\.5\.2 /);
    await s.send('EHLO client.test');
    expect(await s.send(`AUTH PLAIN ${plain(creds.user, 'wrong')}`)).toMatch(/^535/);
    s.close();
    // The connection's own address, not the one the header claimed.
    await expect.poll(() => server.logs().filter((l) => l.msg === 'SMTP login failed').map((l) => l.address)).toEqual([from]);
  });
});
