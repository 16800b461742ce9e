// Regression: renewing delivery leases must never wait for a delivery another transaction holds. The
// worker renews the leases of everything in flight while it settles finished deliveries in another
// transaction; the two locked the same rows in different orders and deadlocked, PostgreSQL aborted
// the renewal after a second, the process's leases lapsed, and the other process sent again mail the
// relay had already taken (seen in relay.test.ts as duplicates with no crash anywhere).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { claimDue, enqueue, renewLeases } from '../../src/server/store/queue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer } from '../helpers/server.js';

describe('lease renewal on PostgreSQL', () => {
  let tdb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    // The server migrates the schema and makes the default account; it is not needed afterwards.
    const server = await startServer(tdb, { LOG_LEVEL: 'fatal' });
    const { account } = await server.addUser('ops@acme.test');
    await server.stop('SIGKILL');
    database = await tdb.open();
    const row = await database.db.selectFrom('accounts').select('id').where('name', '=', account).executeTakeFirstOrThrow();
    await enqueue(database.db, {
      accountId: row.id,
      source: 'SMTP',
      campaignId: null,
      tokenId: null,
      userId: null,
      mailFrom: 'ops@acme.test',
      messageIdHeader: '<lease@acme.test>',
      subject: 'Lease',
      raw: Buffer.from('Subject: Lease\r\n\r\nx\r\n'),
      track: false,
      recipients: ['a@example.test', 'b@example.test'],
      giveUpAt: Date.now() + 3600_000,
    });
  });
  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('skips a delivery being settled instead of waiting for it (or deadlocking with it)', async () => {
    const now = Date.now();
    const claimed = await claimDue(database.db, 'postgres', 'worker-1', 10, now, now + 2000);
    expect(claimed).toHaveLength(2);
    const [first, second] = claimed.map((d) => d.id).sort();

    // The "settling" transaction holds the second row, then wants the first — as a batch of outcomes does.
    let release!: () => void;
    const holding = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const settling = database.db.transaction().execute(async (trx) => {
      await trx.updateTable('deliveries').set({ attempts: sql`attempts` }).where('id', '=', second).execute();
      locked();
      await holding;
      await trx.updateTable('deliveries').set({ attempts: sql`attempts` }).where('id', '=', first).execute();
    });
    await isLocked;

    const started = Date.now();
    const renewal = database.db.transaction().execute((trx) => renewLeases(trx, 'worker-1', [first, second], now + 60_000));
    const finished = await Promise.race([renewal.then(() => Date.now() - started), new Promise<number>((r) => setTimeout(() => r(-1), 1500))]);
    release();
    await Promise.all([settling, renewal]);

    expect(finished, 'the renewal waited for the row being settled').toBeGreaterThanOrEqual(0);
    expect(finished).toBeLessThan(1000);
    const leases = await database.db.selectFrom('deliveries').select(['id', 'lease_until']).where('id', 'in', [first, second]).execute();
    const until = new Map(leases.map((l) => [l.id, Number(l.lease_until)]));
    expect(until.get(first)).toBe(now + 60_000);
    expect(until.get(second)).toBe(now + 2000); // left to the transaction settling it
  });
});
