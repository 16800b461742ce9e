// One process syncs a connected mailbox at a time (a lease row), and another takes it over when that
// process dies (docs/product.md, Connected mailbox): two servers on one PostgreSQL database, a real
// Dovecot; the holder is killed with SIGKILL mid-stream of messages, and every message appended before,
// during and after is logged exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startWithEnv, serverEnv, type RunningServer } from '../helpers/server.js';
import { rawMessage, startDovecot, type Dovecot } from '../helpers/dovecot.js';

const ANN = 'ann@mycorp.test';

async function until<T>(probe: () => Promise<T | undefined | null | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('mailbox lease takeover on PostgreSQL', () => {
  let tdb: TestDatabase;
  let dovecot: Dovecot;
  let database: Database;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot();
    dovecot.addUser(ANN, 'pw');
    tdb = await createTestDatabase('postgres');
    const extra = { MAILBOX_TLS_CA: dovecot.caFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_POLL: '300ms', MAILBOX_RETRY_BASE: '200ms', MAILBOX_RETRY_MAX: '1s', MAILBOX_LEASE: '2s' };
    for (let i = 0; i < 2; i++) servers.push(await startWithEnv(await serverEnv(tdb, extra)));
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
    for (const s of servers) await s.stop('SIGKILL');
    await dovecot?.stop();
    await tdb?.drop();
  });

  it('the other process takes the mailbox over after a kill -9, missing and doubling nothing', async () => {
    const token = (await servers[0].addUser(ANN)).accessToken;
    const put = await servers[0].api('/api/v1/mailbox', { method: 'PUT', token, json: { host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', username: ANN, password: 'pw' } });
    expect(put.status).toBe(200);
    const ids = Array.from({ length: 30 }, (_, i) => `<takeover-${i}@mycorp.test>`);
    const append = (i: number) => dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['bob@acme.test'], subject: `Takeover ${i}`, messageId: ids[i] }));
    for (let i = 0; i < 10; i++) await append(i);
    const owner = await until(async () => (await database.db.selectFrom('mailboxes').select(['lease_owner', 'status']).executeTakeFirst())?.lease_owner, 10_000, 'a holder');
    const holderPid = Number(owner.split(':')[1]);
    const holder = servers.find((s) => s.process.pid === holderPid)!;
    expect(holder).toBeDefined();
    for (let i = 10; i < 20; i++) await append(i);
    await holder.stop('SIGKILL');
    for (let i = 20; i < 30; i++) await append(i);
    await until(async () => {
      const n = await database.db.selectFrom('logged_emails').select((eb) => eb.fn.countAll<number>().as('n')).where('internet_message_id', 'in', ids).executeTakeFirstOrThrow();
      return Number(n.n) === ids.length;
    }, 30_000, 'all 30 logged');
    const after = await database.db.selectFrom('mailboxes').select('lease_owner').executeTakeFirstOrThrow();
    expect(after.lease_owner).not.toBe(owner);
    const rows = await database.db.selectFrom('logged_emails').select('internet_message_id').execute();
    expect(rows.filter((r) => ids.includes(r.internet_message_id))).toHaveLength(30);
  });
});
