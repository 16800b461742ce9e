// Revoking a credential ends the live feeds it opened within a second, in every process: `mailbeacon
// user token` (a new token, earlier ones revoked) and `mailbeacon user remove`, run as separate CLI
// processes the way an administrator runs them; a reconnect with the old token is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { serverEnv, startServer, startWithEnv, type RunningServer } from '../helpers/server.js';
import { connectSse, type SseClient } from '../helpers/sse.js';
import { get, imageHeaders } from '../helpers/tracking.js';

const BOUND_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When the feed ended, or Infinity if it is still open after a few seconds. */
const endOf = (feed: SseClient) => Promise.race([feed.ended, sleep(3000).then(() => Infinity)]);

const streamUrl = (server: RunningServer, token?: string) => `${server.url}/api/v1/notifications/stream${token ? `?access_token=${token}` : ''}`;

/** A feed's owner gets a live notification: the feed is open and served. */
async function stillServed(server: RunningServer, token: string, feed: SseClient) {
  const res = await server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject: 'Still here', from: 'x@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>x</p>' } });
  const mail = await res.json();
  const before = feed.events.length;
  await get(mail.pixelUrl.replace(/^http:\/\/localhost:\d+/, server.url), imageHeaders);
  expect((await feed.waitFor(before + 1, 3000))[before].data).toMatchObject({ subject: 'Still here' });
}

describe.each(BACKENDS)('revoking a credential ends its live feeds on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('`mailbeacon user token` ends the earlier token\'s streams within a second; the new token streams on', async () => {
    const { accessToken: old } = await server.addUser('rep@acme.test');
    const byHeader = await connectSse(streamUrl(server), { token: old });
    const byQuery = await connectSse(streamUrl(server, old));
    const r = await server.cli(['user', 'token', 'rep@acme.test']);
    const revokedAt = Date.now();
    expect(r.code).toBe(0);
    const fresh = JSON.parse(r.stdout).accessToken as string;
    expect((await endOf(byHeader)) - revokedAt).toBeLessThan(BOUND_MS);
    expect((await endOf(byQuery)) - revokedAt).toBeLessThan(BOUND_MS);
    // Reconnecting with the old token is refused; the new one gets a feed that stays open.
    expect((await server.api('/api/v1/notifications/stream', { token: old })).status).toBe(401);
    expect((await fetch(streamUrl(server, old))).status).toBe(401);
    const feed = await connectSse(streamUrl(server), { token: fresh });
    await stillServed(server, fresh, feed);
    feed.close();
  });

  it('`mailbeacon user remove` ends the user\'s streams within a second, and only theirs', async () => {
    const { accessToken } = await server.addUser('leaver@acme.test');
    const { accessToken: stays } = await server.addUser('stayer@acme.test');
    const leaving = await connectSse(streamUrl(server), { token: accessToken });
    const staying = await connectSse(streamUrl(server), { token: stays });
    const r = await server.cli(['user', 'remove', 'leaver@acme.test']);
    const removedAt = Date.now();
    expect(r.code).toBe(0);
    expect((await endOf(leaving)) - removedAt).toBeLessThan(BOUND_MS);
    expect((await server.api('/api/v1/notifications/stream', { token: accessToken })).status).toBe(401);
    await stillServed(server, stays, staying);
    staying.close();
  });

  it('ends streams opened while the revocation is under way, too', async () => {
    const { accessToken } = await server.addUser('racer@acme.test');
    // Keep opening streams with the token while the CLI revokes it: each one that was let in must end.
    const cli = server.cli(['user', 'token', 'racer@acme.test']);
    let done = false;
    void cli.then(() => (done = true));
    const opened: SseClient[] = [];
    while (!done) {
      const res = await connectSse(streamUrl(server), { token: accessToken }).catch(() => undefined);
      if (res) opened.push(res);
      await sleep(5);
    }
    const revokedAt = Date.now();
    expect((await cli).code).toBe(0);
    expect(opened.length).toBeGreaterThan(0);
    const ends = await Promise.all(opened.map(endOf));
    for (const end of ends) expect(end - revokedAt).toBeLessThan(BOUND_MS);
  });
});

describe('revocation across processes on PostgreSQL', () => {
  let tdb: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    a = await startWithEnv(await serverEnv(tdb));
    b = await startWithEnv(await serverEnv(tdb, { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'mb-test-b-')) }));
  });
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('ends a stream held by process B within a second of the CLI revoking its token', async () => {
    const { accessToken: old } = await a.addUser('rep@acme.test');
    const onB = await connectSse(streamUrl(b), { token: old });
    const onA = await connectSse(streamUrl(a), { token: old });
    const r = await a.cli(['user', 'token', 'rep@acme.test']);
    const revokedAt = Date.now();
    expect(r.code).toBe(0);
    expect((await endOf(onB)) - revokedAt).toBeLessThan(BOUND_MS);
    expect((await endOf(onA)) - revokedAt).toBeLessThan(BOUND_MS);
    expect((await b.api('/api/v1/notifications/stream', { token: old })).status).toBe(401);
    const fresh = JSON.parse(r.stdout).accessToken as string;
    const feed = await connectSse(streamUrl(b), { token: fresh });
    await stillServed(b, fresh, feed);
    feed.close();
  });

  it('ends a stream held by process B within a second of `user remove`', async () => {
    const { accessToken } = await a.addUser('leaver@acme.test');
    const onB = await connectSse(streamUrl(b), { token: accessToken });
    const r = await b.cli(['user', 'remove', 'leaver@acme.test']);
    const removedAt = Date.now();
    expect(r.code).toBe(0);
    expect((await endOf(onB)) - removedAt).toBeLessThan(BOUND_MS);
  });
});
