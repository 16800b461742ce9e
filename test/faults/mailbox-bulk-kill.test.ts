// A connected mailbox's catch-up logs Sent in batches, one transaction each, and moves the folder's
// last UID only past a committed batch (docs/product.md §11): the server is killed with SIGKILL in the
// middle of a backfill of 1,500 messages, started again, and every message ends up logged exactly
// once, each recipient's contact made once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { rawMessage, startDovecot, type Dovecot } from '../helpers/dovecot.js';

const ANN = 'ann@mycorp.test';
const COUNT = 1500;

async function until<T>(probe: () => Promise<T | undefined | null | false>, ms: number, what: string, every = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

describe.each(BACKENDS)('a bulk sync killed midway on %s', (backend) => {
  let tdb: TestDatabase;
  let dovecot: Dovecot;
  let database: Database;
  let server: RunningServer;
  const env = () => ({ MAILBOX_TLS_CA: dovecot.caFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_POLL: '300ms', MAILBOX_RETRY_BASE: '200ms', MAILBOX_RETRY_MAX: '1s', MAILBOX_LEASE: '2s' });

  beforeAll(async () => {
    dovecot = await startDovecot();
    dovecot.addUser(ANN, 'pw');
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb, env());
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await dovecot?.stop();
    await tdb?.drop();
  });

  it('loses and doubles nothing', async () => {
    const client = await dovecot.client(ANN);
    for (let i = 0; i < COUNT; i++) {
      await client.append('Sent', rawMessage({ from: ANN, to: [`buyer${i % 40}@acme.test`], subject: `Bulk ${i}`, messageId: `<bulk-${i}@mycorp.test>`, body: `Hello ${i}\r\n${'line of text. '.repeat(300)}` }));
    }
    await client.logout();
    const token = (await server.addUser(ANN)).accessToken;
    const put = await server.api('/api/v1/mailbox', { method: 'PUT', token, json: { host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', username: ANN, password: 'pw' } });
    expect(put.status).toBe(200);
    const count = async () => Number((await database.db.selectFrom('logged_emails').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    // The first batch committed: kill it while the rest is on its way.
    await until(async () => (await count()) > 0, 60_000, 'the first batch', 5);
    await server.stop('SIGKILL');
    const atKill = await count();
    expect(atKill).toBeLessThan(COUNT);
    server = await startServer(tdb, env());
    await until(async () => (await count()) >= COUNT, 120_000, `all ${COUNT} logged`);
    await new Promise((r) => setTimeout(r, 1000)); // another sync pass: still nothing doubled
    const rows = await database.db.selectFrom('logged_emails').select('internet_message_id').execute();
    expect(rows).toHaveLength(COUNT);
    expect(new Set(rows.map((r) => r.internet_message_id)).size).toBe(COUNT);
    const contacts = await database.db.selectFrom('contacts').select('email').execute();
    expect(contacts.map((c) => c.email).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `buyer${i}@acme.test`).sort());
    const links = await database.db.selectFrom('logged_email_contacts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(links.n)).toBe(COUNT);
  });
});
