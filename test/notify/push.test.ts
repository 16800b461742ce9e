// Web Push: the server encrypts each notification for the browser's subscription (RFC 8291) and
// posts it to the push service. A local HTTP server plays the push service, and the test plays the
// browser: it holds the subscription's private key and decrypts what arrives.
import crypto from 'node:crypto';
import https from 'node:https';
import type http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { freePort } from '../helpers/ports.js';
import { get, imageHeaders } from '../helpers/tracking.js';
import { loadCertificate } from '../../src/server/tls/certificate.js';

const ece = createRequire(import.meta.url)('http_ece') as { decrypt(buf: Buffer, opts: Record<string, unknown>): Buffer };

describe('Web Push to the web app', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let pushService: https.Server;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: Buffer }> = [];
  let pushUrl: string;
  let gone = false;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    // Push services speak https: the fake one uses the certificate the server will also use, and the
    // server is told to trust it.
    const tls = await loadCertificate({ dataDir: tdb.dataDir });
    server = await startServer(tdb, { NODE_EXTRA_CA_CERTS: tls.certFile });
    const port = await freePort();
    pushService = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(gone ? 410 : 201).end();
      });
    });
    await new Promise<void>((r) => pushService.listen(port, '127.0.0.1', r));
    pushUrl = `https://localhost:${port}/push/abc`;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    pushService?.close();
    await tdb?.drop();
  });

  it('publishes its VAPID key, kept in DATA_DIR, and pushes each notification encrypted for the subscription', async () => {
    const { accessToken } = await server.addUser('rep@acme.test');
    const key = await (await server.api('/api/v1/push/key', { token: accessToken })).json();
    const stored = JSON.parse(fs.readFileSync(path.join(tdb.dataDir, 'vapid.json'), 'utf8'));
    expect(key.publicKey).toBe(stored.publicKey);
    expect(Buffer.from(key.publicKey, 'base64url')).toHaveLength(65); // an uncompressed P-256 point

    // The "browser": a P-256 key pair and an auth secret, as PushManager.subscribe makes them.
    const browser = crypto.createECDH('prime256v1');
    browser.generateKeys();
    const authSecret = crypto.randomBytes(16);
    const sub = { endpoint: pushUrl, keys: { p256dh: browser.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') } };
    expect((await server.api('/api/v1/push/subscriptions', { method: 'POST', token: accessToken, json: sub })).status).toBe(201);
    const refused = await server.api('/api/v1/push/subscriptions', { method: 'POST', token: accessToken, json: { ...sub, endpoint: 'http://push.example.test/x' } });
    expect(refused.status).toBe(400);

    const mail = await (
      await server.api('/api/v1/tracked-emails', { method: 'POST', token: accessToken, json: { subject: 'Quote #42', from: 'rep@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>Hi</p>' } })
    ).json();
    await get(mail.pixelUrl.replace('localhost', '127.0.0.1'), imageHeaders);
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(1);

    const [push] = received;
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(String(push.headers.authorization)).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=/);
    const plain = ece.decrypt(push.body, { version: 'aes128gcm', privateKey: browser, authSecret });
    expect(JSON.parse(plain.toString('utf8'))).toMatchObject({ type: 'OPEN', who: 'ann@example.test', subject: 'Quote #42', emailId: mail.id });

    // A subscription the push service calls gone (410) is forgotten.
    gone = true;
    await get(mail.pixelUrl.replace('localhost', '127.0.0.1'), imageHeaders);
    await expect.poll(() => received.length).toBe(2);
    const database = await tdb.open();
    try {
      await expect.poll(async () => (await database.db.selectFrom('push_subscriptions').selectAll().execute()).length).toBe(0);
    } finally {
      await database.close();
    }
  });

  it('pushes every notification of a batch to the user subscribed, and none to a user without a subscription', async () => {
    gone = false;
    received.length = 0;
    const subscribed = (await server.addUser('lee@acme.test')).accessToken;
    const other = (await server.addUser('kim@acme.test', { account: 'other-co' })).accessToken;
    const browser = crypto.createECDH('prime256v1');
    browser.generateKeys();
    const authSecret = crypto.randomBytes(16);
    const sub = { endpoint: `${pushUrl}-lee`, keys: { p256dh: browser.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') } };
    expect((await server.api('/api/v1/push/subscriptions', { method: 'POST', token: subscribed, json: sub })).status).toBe(201);
    const track = async (token: string, subject: string) =>
      (await (await server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject, from: 'x@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>Hi</p>' } })).json()) as { id: string; pixelUrl: string };
    const mine = await Promise.all(['Lee 1', 'Lee 2', 'Lee 3'].map((s) => track(subscribed, s)));
    const theirs = await Promise.all(['Kim 1', 'Kim 2'].map((s) => track(other, s)));
    // All at once: they are answered together and stored in one batch of the recorder.
    await Promise.all([...mine, ...theirs].map((m) => get(m.pixelUrl.replace('localhost', '127.0.0.1'), imageHeaders)));
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(3);
    await new Promise((r) => setTimeout(r, 500)); // none for the other user comes later either
    const subjects = received.map((p) => JSON.parse(ece.decrypt(p.body, { version: 'aes128gcm', privateKey: browser, authSecret }).toString('utf8')).subject);
    expect(subjects.sort()).toEqual(['Lee 1', 'Lee 2', 'Lee 3']);
  });
});
