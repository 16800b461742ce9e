// Migration 0014 names each SMTP token's creator by user id: the current user of the token's account
// with the address it was created by, who existed when it was made; nobody (null) when that user was removed,
// came later, or is in another account.
import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/server/db/index.js';
import { migrations } from '../../src/server/db/migrations/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';

describe.each(BACKENDS)('migration 0014_send_owner on %s', (backend) => {
  let tdb: TestDatabase;
  afterAll(async () => {
    await tdb?.drop();
  });

  it('backfills the creator’s user id where the address matches a current user of the same account', async () => {
    tdb = await createTestDatabase(backend);
    const database = await tdb.open();
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations(database.dialect) } });
    expect((await migrator.migrateTo('0013_app')).error).toBeUndefined();
    const db = database.db as any;
    await db.insertInto('accounts').values([{ id: 'a', name: 'Acme', created_at: 1 }, { id: 'b', name: 'Globex', created_at: 1 }]).execute();
    const user = (id: string, account: string, email: string, removed: number | null, created = 1) => ({ id, account_id: account, email, name: null, created_at: created, removed_at: removed });
    await db
      .insertInto('users')
      .values([user('u-old', 'a', 'ann@acme.test', 5), user('u-new', 'a', 'ann@acme.test', null, 10), user('u-gone', 'a', 'gone@acme.test', 5), user('u-b', 'b', 'bo@globex.test', null)])
      .execute();
    const { id: campaign } = await db.insertInto('campaigns').values({ account_id: 'a', name: 'c', kind: 'SMTP_TOKEN', created_at: 1 }).returning('id').executeTakeFirst();
    const token = (id: string, by: string, created = 20) => ({ id, account_id: 'a', campaign_id: campaign, created_by: by, create_contact: 0, password_hash: 'h', created_at: created, deleted_at: null });
    await db.insertInto('smtp_tokens').values([token('t-ann', 'Ann@Acme.test'), token('t-before', 'ann@acme.test', 3), token('t-gone', 'gone@acme.test'), token('t-other', 'bo@globex.test')]).execute();

    expect(await migrate(database)).toContain('0014_send_owner');
    const rows = await db.selectFrom('smtp_tokens').select(['id', 'created_by', 'created_by_user_id']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 't-ann', created_by: 'Ann@Acme.test', created_by_user_id: 'u-new' },
      // made before the current Ann was added: the removed Ann's, so nobody's now
      { id: 't-before', created_by: 'ann@acme.test', created_by_user_id: null },
      { id: 't-gone', created_by: 'gone@acme.test', created_by_user_id: null },
      { id: 't-other', created_by: 'bo@globex.test', created_by_user_id: null },
    ]);
    await database.close();
  });
});
