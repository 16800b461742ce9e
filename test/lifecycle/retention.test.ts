// Retention: with `retentionDays` 30, data made to look 40 days old (its timestamps moved back: the
// test's clock) is swept in small batches while the server keeps answering; newer data, campaign
// counters and content still used by newer logged mail stay; content nothing points at goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { get, imageHeaders, trackerUrls } from '../helpers/tracking.js';
import { emailInput, postLogged } from '../logging/client.js';
import { FAST_QUEUE } from '../send/fixtures.js';
import type { Database } from '../../src/server/db/index.js';

const DAY = 86_400_000;

async function waitUntil(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(BACKENDS)('retention on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let token: string;
  let creds: SmtpCredentials;
  let campaignId: string;
  let database: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE, RETENTION_SWEEP_EVERY: '300ms', RETENTION_BATCH: '3' });
    token = (await server.addUser('ann@mycorp.test')).accessToken;
    const login = await smtpLogin(server, token, 'Retention', true);
    creds = login.creds;
    campaignId = login.token.emailCampaignId;
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  const count = async (query: ReturnType<typeof sql<{ n: number }>>) => Number((await query.execute(database.db)).rows[0].n);
  const counters = async () => (await (await server.api(`/email/public/v1/campaigns/${campaignId}`, { token })).json()) as Record<string, unknown>;

  it('takes retentionDays from 1 to 3650 and refuses anything else, changing nothing', async () => {
    for (const retentionDays of [0, 3651, 1.5, -3]) {
      const res = await server.api('/api/v1/account', { method: 'PUT', token, json: { retentionDays } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ in: 'retentionDays' }] });
    }
    expect((await server.api('/api/v1/account', { method: 'PUT', token, json: { retentionDays: '30 days' } })).status).toBe(400);
    expect(await (await server.api('/api/v1/account', { token })).json()).toMatchObject({ retentionDays: 365 });
    const saved = await server.api('/api/v1/account', { method: 'PUT', token, json: { retentionDays: 30 } });
    expect(await saved.json()).toMatchObject({ retentionDays: 30 });
  });

  it('sweeps what is older in small batches while serving; newer data, counters and shared content stay', async () => {
    const mailer = transport(creds);
    for (let i = 0; i < 8; i++) {
      const age = i < 6 ? 'Old' : 'New';
      await mailer.sendMail({ from: 'billing@acme.test', to: `${age.toLowerCase()}-${i}@example.net`, subject: `${age} ${i}`, html: `<p>${age} message ${i}</p>` });
    }
    const arrived = await sink.waitFor(8);
    for (const m of arrived) expect((await get((await trackerUrls(m.raw, server.url)).pixel, imageHeaders)).status).toBe(200);
    const oldOnly = { name: 'old.pdf', type: 'application/pdf', bytes: Buffer.from('only the old mail has this') };
    const shared = { name: 'terms.pdf', type: 'application/pdf', bytes: Buffer.from('old and new mail share this') };
    expect((await postLogged(server, token, emailInput({ to: ['old-0@example.net'], subject: 'Old logged' }), [oldOnly, shared])).status).toBe(201);
    const fresh = (await (await postLogged(server, token, emailInput({ to: ['new-6@example.net'], subject: 'New logged' }), [shared])).json()) as { attachments: Array<{ url: string }> };
    await waitUntil('every open stored', async () => (await count(sql`select count(*) as n from email_events where type = 'OPEN'`)) === 8);
    await waitUntil('every copy delivered', async () => (await count(sql`select count(*) as n from email_events where type = 'DELIVERED'`)) === 8);
    const before = await counters();
    const newEvents = await count(sql`select count(*) as n from email_events where recipient like 'new-%'`);

    // The clock: the old half is moved 40 days back; and content that nothing points at.
    const back = Date.now() - 40 * DAY;
    await sql`update email_events set created = ${back} where recipient like 'old-%'`.execute(database.db);
    await sql`update messages set created_at = ${back} where subject like 'Old %'`.execute(database.db);
    await sql`update logged_emails set created_at = ${back} where subject = 'Old logged'`.execute(database.db);
    await sql`update notifications set at = ${back} where subject like 'Old %'`.execute(database.db);
    const account = (await sql<{ id: string }>`select id from accounts where name = 'default'`.execute(database.db)).rows[0].id;
    await sql`insert into blobs (account_id, sha256, size, created_at) values (${account}, 'orphan', 3, ${back})`.execute(database.db);
    await sql`insert into blob_chunks (account_id, sha256, seq, data) values (${account}, 'orphan', 0, ${Buffer.from('abc')})`.execute(database.db);

    // Served throughout: every answer while the sweeper works through its batches is a 200.
    let answered = 0;
    const statuses = new Set<number>();
    await waitUntil('the old data swept', async () => {
      for (const path of ['/health', `/email/public/v1/events?limit=5`, `/api/v1/contacts?limit=5`]) {
        statuses.add((await server.api(path, { token })).status);
        answered++;
      }
      return (await count(sql`select count(*) as n from email_events where recipient like 'old-%'`)) === 0 && (await count(sql`select count(*) as n from blobs`)) === 1 && (await count(sql`select count(*) as n from messages`)) === 2;
    });
    expect([...statuses]).toEqual([200]);
    expect(answered).toBeGreaterThan(0);

    expect(await count(sql`select count(*) as n from email_events where recipient like 'new-%'`)).toBe(newEvents);
    expect(await count(sql`select count(*) as n from messages where subject like 'New %'`)).toBe(2);
    expect(await count(sql`select count(*) as n from deliveries`)).toBe(2);
    expect(await count(sql`select count(*) as n from logged_emails`)).toBe(1);
    expect(await count(sql`select count(*) as n from attachments`)).toBe(1);
    expect(await count(sql`select count(*) as n from notifications where subject like 'Old %'`)).toBe(0);
    expect(await count(sql`select count(*) as n from event_rollups`)).toBeGreaterThan(0);
    // The content the new logged mail shares is still there, whole; the old-only one and the orphan are gone.
    expect(await (await server.api(fresh.attachments[0].url, { token })).text()).toBe('old and new mail share this');
    // Counters and unique counts are what they were.
    expect(await counters()).toEqual(before);
  });
});
