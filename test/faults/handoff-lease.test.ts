// Regression: a delivery inserted already leased to the accepting process is not renewed until its
// relayer takes it up. When that handover came late (a long commit, a busy thread), the lease had run
// out, another process had claimed the delivery and relayed it, and the relayer it was handed to
// relayed it too (seen once in scale-out.test.ts: one email twice, `recoveries: 1`). The relayer now
// confirms each lease as it takes it up and relays only those still its own. The late handover is
// made here by inserting the lease already run out, so nothing depends on timing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Database } from '../../src/server/db/index.js';
import { createLogger } from '../../src/server/logger.js';
import { mailboxRelay } from '../../src/server/queue/relay.js';
import { DeliveryWorker } from '../../src/server/queue/worker.js';
import { claimDue, enqueue } from '../../src/server/store/queue.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';

const LEASE = 60_000;

describe.each(BACKENDS)('deliveries handed over with their lease already run out (%s)', (backend) => {
  let t: TestDatabase;
  let database: Database;
  let accountId: string;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    database = await t.open();
    await migrate(database);
    accountId = 'acct-handoff';
    await database.db.insertInto('accounts').values({ id: accountId, name: 'handoff', created_at: Date.now() }).execute();
  });
  afterAll(async () => {
    await database?.close();
    await t?.drop();
  });

  /** One message to `recipient`, its delivery inserted leased to `owner` until a moment already past. */
  async function handedOver(recipient: string, owner: string) {
    const queued = await enqueue(database.db, {
      accountId,
      source: 'SMTP',
      campaignId: null,
      tokenId: null,
      userId: null,
      mailFrom: 'ops@acme.test',
      messageIdHeader: `<${recipient}>`,
      subject: 'Handoff',
      raw: Buffer.from('Subject: Handoff\r\n\r\nx\r\n'),
      track: false,
      recipients: [recipient],
      giveUpAt: Date.now() + 3600_000,
      lease: { owner, until: Date.now() - 1, count: 1 },
    });
    return queued.deliveries;
  }

  function relayer(owner: string, dataDir: string) {
    return new DeliveryWorker({
      database,
      journalDir: path.join(dataDir, 'journal'),
      relay: mailboxRelay(dataDir),
      logger: createLogger('fatal'),
      timing: { retryBase: 1000, retryMax: 60_000, giveUpAfter: 3600_000, lease: LEASE },
      concurrency: 4,
      owner,
      prepare: async (message) => message.raw,
    });
  }

  const relayed = (dataDir: string, recipient: string) => {
    const dir = path.join(dataDir, 'mailbox');
    if (!fs.existsSync(dir)) return 0;
    return fs.readdirSync(dir).filter((f) => f.endsWith('.eml') && fs.readFileSync(path.join(dir, f), 'utf8').includes(`Delivered-To: ${recipient}`)).length;
  };

  it('is not relayed by the process it was handed to once another process has claimed it', async () => {
    const owner = `${backend}-a`;
    const dir = path.join(t.dataDir, 'a');
    const worker = relayer(owner, dir);
    const deliveries = await handedOver('late@example.test', owner);
    // Another process finds the lease run out and claims the delivery (it relays it itself). Claimed
    // before this worker starts: its own claim loop would otherwise race the other process for it.
    const now = Date.now();
    const intruder = await claimDue(database.db, backend, `${backend}-b`, 10, now, now + LEASE);
    expect(intruder.map((d) => d.id)).toEqual(deliveries.map((d) => d.id));
    await worker.start();

    worker.take(deliveries); // the handover arrives
    await worker.stop();

    expect(relayed(dir, 'late@example.test'), 'relayed by the process whose lease had run out').toBe(0);
    const row = await database.db.selectFrom('deliveries').select(['status', 'lease_owner']).where('id', '=', deliveries[0].id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'QUEUED', lease_owner: `${backend}-b` });
  });

  it('is relayed once when no one claimed it meanwhile, even if its own worker claims it too', async () => {
    const owner = `${backend}-c`;
    const dir = path.join(t.dataDir, 'c');
    const deliveries = await handedOver('unclaimed@example.test', owner);
    const worker = relayer(owner, dir);
    await worker.start(); // its loop finds the lapsed lease and may claim the delivery before the handover
    worker.take(deliveries);
    await worker.stop();

    expect(relayed(dir, 'unclaimed@example.test')).toBe(1);
    const row = await database.db.selectFrom('deliveries').select(['status']).where('id', '=', deliveries[0].id).executeTakeFirstOrThrow();
    expect(row.status).toBe('SENT');
  });
});
