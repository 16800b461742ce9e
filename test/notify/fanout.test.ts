// Several server processes on one PostgreSQL: a hit answered by one process reaches a live feed
// held open by another (LISTEN/NOTIFY), within a second.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { serverEnv, startWithEnv, type RunningServer } from '../helpers/server.js';
import { connectSse } from '../helpers/sse.js';
import { get, imageHeaders } from '../helpers/tracking.js';

describe('notification fan-out across processes on PostgreSQL', () => {
  let tdb: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    a = await startWithEnv(await serverEnv(tdb));
    // The second process has a data folder of its own, as on another machine.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-test-b-'));
    b = await startWithEnv(await serverEnv(tdb, { DATA_DIR: otherDir }));
  });
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('delivers a hit on process A to a client of process B', async () => {
    const { accessToken } = await a.addUser('rep@acme.test');
    const feed = await connectSse(`${b.url}/api/v1/notifications/stream`, { token: accessToken });
    const mail = await (
      await a.api('/api/v1/tracked-emails', { method: 'POST', token: accessToken, json: { subject: 'Across', from: 'rep@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>x</p>' } })
    ).json();
    // Both processes share the signing keys (kept in the database): B would verify A's token too.
    const pixel = mail.pixelUrl.replace(/^http:\/\/localhost:\d+/, a.url);
    const hitAt = Date.now();
    await get(pixel, imageHeaders);
    const [event] = await feed.waitFor(1, 3000);
    expect(event.data).toMatchObject({ type: 'OPEN', subject: 'Across', emailId: mail.id });
    expect(event.at - hitAt).toBeLessThan(1000);
    // And a hit on B's own tracker, with A's token, is attributed the same way.
    await get(mail.pixelUrl.replace(/^http:\/\/localhost:\d+/, b.url), imageHeaders);
    expect((await feed.waitFor(2, 3000))[1].data).toMatchObject({ subject: 'Across' });
    feed.close();
  });
});
