// Migration 0015 forgets the connected mailboxes (and their folders' state) of users removed before
// removing a user disconnected their mailbox; everyone else's stay as they were.
import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/server/db/index.js';
import { migrations } from '../../src/server/db/migrations/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';

describe.each(BACKENDS)('migration 0015_removed_users_mailboxes on %s', (backend) => {
  let tdb: TestDatabase;
  afterAll(async () => {
    await tdb?.drop();
  });

  it('deletes the mailboxes of removed users only', async () => {
    tdb = await createTestDatabase(backend);
    const database = await tdb.open();
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations(database.dialect) } });
    expect((await migrator.migrateTo('0014_send_owner')).error).toBeUndefined();
    const db = database.db as any;
    await db.insertInto('accounts').values({ id: 'a', name: 'Acme', created_at: 1 }).execute();
    const user = (id: string, removed: number | null) => ({ id, account_id: 'a', email: `${id}@acme.test`, name: null, created_at: 1, removed_at: removed });
    await db.insertInto('users').values([user('left', 5), user('stays', null)]).execute();
    const mailbox = (id: string) => ({ user_id: id, account_id: 'a', host: 'imap.acme.test', port: 993, security: 'tls', username: id, auth: 'password', secret: 'sealed', sent_folder: 'Sent', inbox_folder: 'INBOX', status: 'CONNECTED', connected_at: 1 });
    await db.insertInto('mailboxes').values([mailbox('left'), mailbox('stays')]).execute();
    const folder = (id: string, role: string) => ({ user_id: id, account_id: 'a', role, uidvalidity: '1', last_uid: 7 });
    await db.insertInto('mailbox_folders').values([folder('left', 'sent'), folder('left', 'inbox'), folder('stays', 'sent')]).execute();

    expect(await migrate(database)).toContain('0015_removed_users_mailboxes');
    expect(await db.selectFrom('mailboxes').select('user_id').execute()).toEqual([{ user_id: 'stays' }]);
    expect(await db.selectFrom('mailbox_folders').select(['user_id', 'role']).execute()).toEqual([{ user_id: 'stays', role: 'sent' }]);
    await database.close();
  });
});
