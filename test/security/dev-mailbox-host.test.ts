// The dev mailbox answers only to the names this server knows (loopback names, PUBLIC_URL's and
// ADDIN_URL's hosts): a DNS-rebinding page — a name the attacker controls, made to resolve to
// 127.0.0.1 — reaches the server from this machine, so the client address alone cannot refuse it,
// but its Host header names the attacker's domain. Checked on the real server, both listeners, and
// behind a load balancer (TRUST_PROXY), where X-Forwarded-Host must name a known host too.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/** GET /dev/mailbox with the Host header (and others) exactly as given; resolves with the status. */
function mailbox(port: number, headers: Record<string, string>, secure = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      { host: '127.0.0.1', port, path: '/dev/mailbox', headers, setHost: false, rejectUnauthorized: false },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const ENV = { PUBLIC_URL: 'http://track.example.test', ADDIN_URL: 'https://addin.example.test:8443' };

describe('the dev mailbox and the Host header', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let port: number;
  let httpsPort: number;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, ENV); // no RELAY_URL: the dev mailbox is on
    port = Number(server.env.PORT);
    httpsPort = Number(server.env.HTTPS_PORT);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('answers to the loopback names, with or without the port, and to PUBLIC_URL’s and ADDIN_URL’s hosts', async () => {
    const known = [
      'localhost',
      `localhost:${port}`,
      `LocalHost:${port}`,
      `localhost.:${port}`,
      '127.0.0.1',
      `127.0.0.1:${port}`,
      '[::1]',
      `[::1]:${port}`,
      `[0:0:0:0:0:0:0:1]:${port}`,
      `localhost:${httpsPort}`,
      'track.example.test',
      'track.example.test:80',
      'Track.Example.Test.',
      'addin.example.test:8443',
    ];
    for (const host of known) expect([host, (await mailbox(port, { host })).status]).toEqual([host, 200]);
    expect((await mailbox(httpsPort, { host: `localhost:${httpsPort}` }, true)).status).toBe(200);
  });

  it('refuses any other Host with 403 and says why', async () => {
    const foreign = [
      'attacker.example',
      `attacker.example:${port}`,
      `localhost.attacker.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `evil@localhost:${port}`,
      `localhost:${port}@evil.example`,
      `localhost:1`,
      `localhost:${port}:${port}`,
      `local%68ost:${port}`,
      `[::2]:${port}`,
      `::1`,
      `localhost..`,
      ' ',
      'track.example.test.attacker.example',
      'addin.example.test:9443',
    ];
    for (const host of foreign) {
      const r = await mailbox(port, { host });
      expect([host, r.status]).toEqual([host, 403]);
      expect(r.body).toMatch(/only to this server's own names/);
    }
    expect((await mailbox(httpsPort, { host: `attacker.example:${httpsPort}` }, true)).status).toBe(403);
  });

  it('refuses two Host headers, and an absolute-form target naming another host', async () => {
    const raw = (head: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(head + '\r\n\r\n'));
        let got = '';
        socket.on('data', (d) => {
          got += d.toString();
          if (got.includes('\r\n\r\n')) {
            socket.destroy();
            resolve(Number(got.split(' ')[1]));
          }
        });
        socket.on('error', reject);
      });
    expect(await raw(`GET /dev/mailbox HTTP/1.1\r\nHost: localhost:${port}\r\nHost: attacker.example`)).toBe(403);
    expect(await raw(`GET http://attacker.example/dev/mailbox HTTP/1.1\r\nHost: localhost:${port}`)).toBe(403);
    expect(await raw(`GET http://localhost:${port}/dev/mailbox HTTP/1.1\r\nHost: localhost:${port}`)).toBe(200);
  });
});

describe('the dev mailbox behind a load balancer (TRUST_PROXY)', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { ...ENV, TRUST_PROXY: 'true' });
    port = Number(server.env.PORT);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('needs both a local client and known hosts, X-Forwarded-Host included', async () => {
    const local = { 'x-forwarded-for': '198.51.100.3, 127.0.0.1' };
    expect((await mailbox(port, { host: `localhost:${port}`, ...local })).status).toBe(200);
    expect((await mailbox(port, { host: 'track.example.test', 'x-forwarded-host': 'track.example.test', ...local })).status).toBe(200);
    expect((await mailbox(port, { host: 'attacker.example', ...local })).status).toBe(403);
    expect((await mailbox(port, { host: `localhost:${port}`, 'x-forwarded-host': 'attacker.example', ...local })).status).toBe(403);
    expect((await mailbox(port, { host: `localhost:${port}`, 'x-forwarded-host': 'localhost, attacker.example', ...local })).status).toBe(403);
    expect((await mailbox(port, { host: `localhost:${port}`, 'x-forwarded-for': '127.0.0.1, 198.51.100.3' })).status).toBe(403); // a remote client
  });
});
