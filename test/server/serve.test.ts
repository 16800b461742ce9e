// The real server process, per storage engine: health, CLI users, authentication, isolation, TLS,
// the built add-in files, SMTP greeting, and a graceful stop that finishes work in flight.
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { httpsGet, slowRequest } from '../helpers/http.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { ACCESS_TOKEN } from '../../src/server/secrets.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(BACKENDS)('mailbeacon serve on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb, { ADDIN_URL: 'https://addin.example.test:8443' });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('answers /health with 200 {"status":"ok"}', async () => {
    const r = await server.api('/health');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  });

  it('lets a user added with the CLI call the API with the printed token, and nobody else', async () => {
    const ann = await server.addUser('Ann@Acme.test', { name: 'Ann Lee' });
    expect(ann).toMatchObject({ email: 'ann@acme.test', account: 'default' });
    expect(ann.accessToken).toMatch(/^mb_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);

    const ok = await server.api('/api/v1/me', { token: ann.accessToken });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ user: { id: ann.id, email: 'ann@acme.test', name: 'Ann Lee' }, account: { name: 'default' } });

    const forged = ann.accessToken.slice(0, -4) + (ann.accessToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${forged}` }, { authorization: 'Bearer nope' }, { authorization: ann.accessToken }]) {
      const r = await server.api('/api/v1/me', { headers });
      expect(r.status).toBe(401);
      const body = await r.json();
      expect(body).toMatchObject({ status: 'error', category: 'UNAUTHORIZED' });
      expect(body.message).toMatch(/access token/);
      expect(body.correlationId).toMatch(UUID);
      expect(r.headers.get('x-correlation-id')).toBe(body.correlationId);
      // The same correlationId is on the server's log line for that request.
      await expect.poll(() => server.logs().some((l) => l.correlationId === body.correlationId && l.status === 401)).toBe(true);
    }
  });

  it('keeps accounts apart: another account\'s user id answers 404', async () => {
    const a = await server.addUser('a1@one.test', { account: 'one' });
    const b = await server.addUser('b1@two.test', { account: 'two' });
    const own = await server.api(`/api/v1/users/${a.id}`, { token: a.accessToken });
    expect(own.status).toBe(200);
    const foreign = await server.api(`/api/v1/users/${a.id}`, { token: b.accessToken });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    const list = await (await server.api('/api/v1/users', { token: b.accessToken })).json();
    expect(list.results.map((u: { email: string }) => u.email)).toEqual(['b1@two.test']);
  });

  it('answers unknown routes and bad bodies in the HubSpot error shape', async () => {
    const r = await server.api('/api/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND', correlationId: expect.stringMatching(UUID) });
  });

  it('serves the built add-in over HTTP and HTTPS with the dev certificate', async () => {
    const certFile = path.join(tdb.dataDir, 'tls', 'dev-cert.pem');
    expect(fs.existsSync(certFile)).toBe(true);
    const health = await httpsGet(`https://localhost:${server.env.HTTPS_PORT}/health`, certFile);
    expect(health.status).toBe(200);
    const pane = await httpsGet(`https://localhost:${server.env.HTTPS_PORT}/taskpane.html`, certFile);
    expect(pane.status).toBe(200);
    expect(pane.body).toContain('<div id="root">');
    const commands = await server.api('/commands.html');
    expect(commands.status).toBe(200);
    const icon = await server.api('/assets/icon-80.png');
    expect(icon.headers.get('content-type')).toBe('image/png');
    const manifest = await (await server.api('/manifest.xml')).text();
    expect(manifest).toContain('<OfficeApp');
  });

  it('greets on SMTP and asks for a login before mail', async () => {
    const smtp = await RawSmtp.connect(server.smtpPort);
    expect(await smtp.reply()).toMatch(/^220 .*ESMTP Mailbeacon ready/);
    expect(await smtp.send('EHLO client.test')).toMatch(/^250/);
    expect(await smtp.send('MAIL FROM:<a@client.test>')).toMatch(/^530 .*Authentication required/);
    expect(await smtp.send('QUIT')).toMatch(/^221/);
    smtp.close();
  });

  it('never writes an access token to its logs', async () => {
    const u = await server.addUser('logcheck@acme.test');
    await server.api('/api/v1/me', { token: u.accessToken });
    await server.api(`/api/v1/me?access_token=${u.accessToken}`);
    // The secret part of mb_<id>_<secret>: base64url, which may itself contain '_'.
    const secret = ACCESS_TOKEN.exec(u.accessToken)![2];
    expect(secret).toHaveLength(43);
    await expect.poll(() => server.logs().filter((l) => String(l.url ?? '').includes('access_token')).length).toBeGreaterThan(0);
    expect(JSON.stringify(server.logs())).not.toContain(secret);
  });

  if (backend === 'sqlite') {
    it('moves what it commits from the WAL into the database file on its background thread, not in the commits', async () => {
      const { accessToken } = await server.addUser('walcheck@acme.test');
      const file = () => fs.statSync(path.join(tdb.dataDir, 'mailbeacon.db')).size;
      const before = file();
      // About 6 MB in 3 commits: under the commits' own checkpoint size (db/index.ts), over SQLite's default.
      for (let i = 0; i < 3; i++) {
        const email = { subject: `Big ${i}`, html: `<p>${'x'.repeat(2 * 1024 * 1024)}</p>`, text: '', from: 'walcheck@acme.test', to: [], cc: [], bcc: [], sentAt: new Date().toISOString(), internetMessageId: `<wal-${i}@acme.test>` };
        expect((await server.api('/api/v1/logged-emails', { method: 'POST', token: accessToken, json: email })).status).toBe(201);
      }
      // (The WAL's own size says nothing here: a checkpoint may come between two of the commits.)
      await expect.poll(() => file() - before, { timeout: 5000 }).toBeGreaterThan(6 * 1024 * 1024);
    });
  }
});

describe('graceful shutdown', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
  });
  afterAll(async () => tdb?.drop());

  it('finishes a request in flight on SIGTERM, then exits 0 with the database closed', async () => {
    const server = await startServer(tdb);
    const { accessToken } = await server.addUser('inflight@acme.test');
    const req = slowRequest(`${server.url}/api/v1/nothing`, 'POST', JSON.stringify({ pad: 'x'.repeat(2000) }), {
      authorization: `Bearer ${accessToken}`,
      'content-type': 'application/json',
    });
    await new Promise((r) => setTimeout(r, 100));
    server.process.kill('SIGTERM');
    await expect.poll(() => server.logs().some((l) => String(l.msg).startsWith('shutting down'))).toBe(true);
    // New connections are refused while the old one is still served.
    await expect(fetch(server.url + '/health')).rejects.toThrow();
    const res = await req.finish();
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ category: 'OBJECT_NOT_FOUND' });
    expect(await server.exited).toBe(0);
    expect(server.logs().some((l) => l.msg === 'shutdown complete')).toBe(true);
    // A cleanly closed SQLite database has folded its write-ahead log back into the file.
    const wal = path.join(tdb.dataDir, 'mailbeacon.db-wal');
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
  });
});

describe('bearer token guessing', () => {
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

  it('makes an address that keeps presenting wrong tokens wait, but not its right ones', async () => {
    const { accessToken } = await server.addUser('guarded@acme.test');
    const wrong = accessToken.slice(0, -6) + 'zzzzzz';
    for (let i = 0; i < 30; i++) expect((await server.api('/api/v1/me', { token: wrong })).status).toBe(401);
    const blocked = await server.api('/api/v1/me', { token: wrong });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ status: 'error', category: 'RATE_LIMITS', policyName: 'FAILED_AUTHENTICATION' });
    // A right token from the same address is not the one guessing (behind a balancer all share one address).
    expect((await server.api('/api/v1/me', { token: accessToken })).status).toBe(200);
  });
});
