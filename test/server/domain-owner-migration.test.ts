// Migration 0007 gives every sending domain added before it an owner: the account that sent the most
// messages from it, else the account named `default`, else the oldest; with no account it stays
// unowned (signing nobody's mail until claimed).
import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/server/db/index.js';
import { migrations } from '../../src/server/db/migrations/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';

describe.each(BACKENDS)('migration 0007_domain_owner on %s', (backend) => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  async function before0007() {
    const tdb = await createTestDatabase(backend);
    dbs.push(tdb);
    const database = await tdb.open();
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations(database.dialect) } });
    const { error } = await migrator.migrateTo('0006_changes');
    expect(error).toBeUndefined();
    return database;
  }

  const key = (domain: string) => ({ domain, selector: 's', private_key: 'k', public_key: 'p', created_at: 1 });

  it('gives each domain to the account that sent most from it, else to `default`', async () => {
    const database = await before0007();
    const db = database.db as any;
    await db.insertInto('accounts').values([{ id: 'a-old', name: 'first', created_at: 1 }, { id: 'a-def', name: 'default', created_at: 2 }, { id: 'a-b', name: 'b', created_at: 3 }]).execute();
    const msg = (id: string, account: string, from: string) => ({ id, account_id: account, source: 'SMTP', mail_from: from, raw: Buffer.from('x'), size: 1, track: 0, created_at: 1 });
    await db.insertInto('messages').values([msg('m1', 'a-b', 'x@legacy.test'), msg('m2', 'a-b', 'Y@LEGACY.test'), msg('m3', 'a-def', 'z@legacy.test'), msg('m4', 'a-old', 'q@other.test')]).execute();
    await db.insertInto('sending_domains').values([key('legacy.test'), key('orphan.test')]).execute();
    expect(await migrate(database)).toContain('0007_domain_owner');
    const rows = await db.selectFrom('sending_domains').select(['domain', 'account_id']).orderBy('domain').execute();
    expect(rows).toEqual([{ domain: 'legacy.test', account_id: 'a-b' }, { domain: 'orphan.test', account_id: 'a-def' }]);
    await database.close();
  });

  it('falls back to the oldest account, and leaves a domain unowned when there is no account', async () => {
    const withAccounts = await before0007();
    await (withAccounts.db as any).insertInto('accounts').values([{ id: 'z', name: 'zeta', created_at: 5 }, { id: 'y', name: 'ypsilon', created_at: 4 }]).execute();
    await (withAccounts.db as any).insertInto('sending_domains').values([key('a.test')]).execute();
    await migrate(withAccounts);
    expect(await (withAccounts.db as any).selectFrom('sending_domains').select('account_id').executeTakeFirst()).toEqual({ account_id: 'y' });
    await withAccounts.close();

    const empty = await before0007();
    await (empty.db as any).insertInto('sending_domains').values([key('b.test')]).execute();
    await migrate(empty);
    expect(await (empty.db as any).selectFrom('sending_domains').select('account_id').executeTakeFirst()).toEqual({ account_id: null });
    await empty.close();
  });
});
