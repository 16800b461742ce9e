// Migration 0009_people on users made before it: each account's earliest live user becomes its admin
// (as `user add` makes the first user from now on), the others members; removed users do not count.
import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/server/db/index.js';
import { migrations } from '../../src/server/db/migrations/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';

describe.each(BACKENDS)('migration 0009_people on %s', (backend) => {
  let tdb: TestDatabase;
  afterAll(async () => {
    await tdb?.drop();
  });

  it('makes each account its earliest live user an admin', async () => {
    tdb = await createTestDatabase(backend);
    const database = await tdb.open();
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations(database.dialect) } });
    expect((await migrator.migrateTo('0008_login_throttle')).error).toBeUndefined();
    const db = database.db as any;
    await db.insertInto('accounts').values([{ id: 'a', name: 'a', created_at: 1 }, { id: 'b', name: 'b', created_at: 1 }]).execute();
    const user = (id: string, account: string, at: number, removed: number | null = null) => ({ id, account_id: account, email: `${id}@x.test`, name: null, created_at: at, removed_at: removed });
    await db.insertInto('users').values([user('gone', 'a', 1, 5), user('first', 'a', 2), user('second', 'a', 3), user('tie2', 'b', 7), user('tie1', 'b', 7)]).execute();
    expect(await migrate(database)).toContain('0009_people');
    const roles = await db.selectFrom('users').select(['id', 'role', 'password_hash']).orderBy('id').execute();
    expect(roles).toEqual([
      { id: 'first', role: 'admin', password_hash: null },
      { id: 'gone', role: 'member', password_hash: null },
      { id: 'second', role: 'member', password_hash: null },
      { id: 'tie1', role: 'admin', password_hash: null },
      { id: 'tie2', role: 'member', password_hash: null },
    ]);
    await database.close();
  });
});
