// Sent's backlog in batches sized by SEARCH LARGER (session.ts, planBatches), against a real Dovecot:
// messages of every size class, the biggest streamed, and a backfill of mixed sizes with gaps. Its
// own server and Dovecot, so its mailboxes never share a server with mailbox.test.ts's restarts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import type { Page } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { rawMessage, startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { until } from '../helpers/until.js';

const ANN = 'ann@mycorp.test';

describe.each(BACKENDS)('Sent backlog by size on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let dovecot: Dovecot;
  let database: Database;
  let token: string;

  beforeAll(async () => {
    dovecot = await startDovecot();
    dovecot.addUser(ANN, 'right-password');
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb, { MAILBOX_TLS_CA: dovecot.caFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_POLL: '300ms', MAILBOX_RETRY_BASE: '200ms', MAILBOX_RETRY_MAX: '1s', MAILBOX_LEASE: '3s' });
    token = (await server.addUser(ANN, { name: 'Ann Lee' })).accessToken;
    database = await tdb.open();
    const r = await server.api('/api/v1/mailbox', { method: 'PUT', token, json: { host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', username: ANN, password: 'right-password' } });
    expect(r.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await dovecot?.stop();
    await tdb?.drop();
  });

  const logged = async (internetMessageId: string) => {
    const r = await server.api(`/api/v1/logged-emails?internetMessageId=${encodeURIComponent(internetMessageId)}`, { token });
    return ((await r.json()) as Page<{ id: string; subject: string; attachments: Array<{ id: string; filename: string; size: number }> }>).results[0];
  };

  it('logs messages of every size class, the biggest streamed, each attachment whole', async () => {
    // Attachments of 3 KB, 120 KB, 600 KB and 2.5 MB: a batch of 200, one of 32, one of 8, and streamed alone (session.ts, SIZE_CLASSES).
    const sent = [3_000, 120_000, 600_000, 2_500_000].map((n, i) => {
      const bytes = Buffer.alloc(n, i + 1);
      bytes.write(`%PDF-${i} ✓`, 0);
      return { imid: `<size-class-${i}-${backend}@mycorp.test>`, bytes };
    });
    for (const [i, m] of sent.entries()) {
      await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['carol@acme.test'], subject: `Size class ${i}`, messageId: m.imid, attachment: { name: `file-${i}.bin`, type: 'application/octet-stream', bytes: m.bytes } }));
    }
    for (const m of sent) {
      const found = await until(() => logged(m.imid), 15_000, `${m.imid} logged`);
      expect(found.attachments).toHaveLength(1);
      expect(found.attachments[0].size).toBe(m.bytes.length);
      const bytes = Buffer.from(await (await server.api(`/api/v1/attachments/${found.attachments[0].id}`, { token })).arrayBuffer());
      expect(bytes.equals(m.bytes)).toBe(true);
    }
  });

  it('backfills a Sent of mixed sizes with gaps (expunged messages): each remaining one once, attachments whole', async () => {
    const DAN = 'dan@mycorp.test';
    dovecot.addUser(DAN, 'dan-password');
    const danToken = (await server.addUser(DAN)).accessToken;
    // Seeded sizes: mostly small, some in each bigger class, a few streamed (over 1 MB encoded).
    let seed = 15;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const sizeOf = (r: number) => (r < 0.7 ? 1_000 + Math.floor(next() * 29_000) : r < 0.88 ? 50_000 + Math.floor(next() * 150_000) : r < 0.97 ? 300_000 + Math.floor(next() * 400_000) : 900_000 + Math.floor(next() * 400_000));
    const client = await dovecot.client(DAN);
    const kept = new Map<string, number>();
    const gone: string[] = [];
    try {
      for (let i = 0; i < 150; i++) {
        const size = sizeOf(next());
        const imid = `<mixed-${i}-${backend}@mycorp.test>`;
        const r = await client.append('Sent', rawMessage({ from: DAN, to: [`buyer${i % 7}@acme.test`], subject: `Mixed ${i} ✓`, messageId: imid, attachment: { name: `a${i}.bin`, type: 'application/octet-stream', bytes: Buffer.alloc(size, i % 251) } }));
        if (i % 7 === 3) {
          await client.mailboxOpen('Sent');
          await client.messageDelete(String(r && typeof r === 'object' ? r.uid : 0), { uid: true });
          gone.push(imid);
        } else kept.set(imid, size);
      }
    } finally {
      await client.logout();
    }
    const r = await server.api('/api/v1/mailbox', { method: 'PUT', token: danToken, json: { host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', username: DAN, password: 'dan-password' } });
    expect(r.status).toBe(200);
    const ids = [...kept.keys(), ...gone];
    const count = async () => Number((await database.db.selectFrom('logged_emails').select((eb) => eb.fn.countAll<number>().as('n')).where('internet_message_id', 'in', ids).executeTakeFirstOrThrow()).n);
    await until(async () => (await count()) >= kept.size, 30_000, `${kept.size} mixed messages logged`);
    const rows = await database.db
      .selectFrom('logged_emails as e')
      .innerJoin('attachments as a', 'a.logged_email_id', 'e.id')
      .select(['e.internet_message_id as imid', 'a.size as size'])
      .where('e.internet_message_id', 'in', ids)
      .execute();
    expect(rows).toHaveLength(kept.size);
    for (const row of rows) expect(Number(row.size)).toBe(kept.get(row.imid));
    expect(await count()).toBe(kept.size);
    expect((await server.api('/api/v1/mailbox', { method: 'DELETE', token: danToken })).status).toBe(204);
  }, 60_000);
});
