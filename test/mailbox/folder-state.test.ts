// A sync session still running after the user saved other mailbox settings must not write its old
// mailbox's place (folder, UIDVALIDITY, last UID) over the new one's fresh start: found by switching
// mailboxes in the middle of a backfill, when both folders had the same UIDVALIDITY (Dovecot's is the
// folder's creation time) and the new mailbox's first messages were never logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Database } from '../../src/server/db/index.js';
import { getFolderState, saveMailbox, setFolderState } from '../../src/server/store/mailboxes.js';
import { addUser } from '../../src/server/store/users.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';

describe.each(BACKENDS)('folder state on %s', (backend) => {
  let tdb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    database = await tdb.open();
    await migrate(database);
  });
  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('is written only for the mailbox settings the session started with', async () => {
    const { user } = await addUser(database.db, { email: `ann-${backend}@mycorp.test`, account: 'mycorp' });
    const owner = { accountId: user.accountId, userId: user.id };
    const settings = (username: string) => ({ host: 'imap.mycorp.test', port: 993, security: 'tls' as const, username, auth: 'password' as const, secret: 'sealed', sentFolder: 'Sent', inboxFolder: 'INBOX' });
    await saveMailbox(database.db, owner, settings('first'));
    expect(await setFolderState(database.db, owner, 'sent', '1700000000', 200, 0)).toBe(true);
    expect(await getFolderState(database.db, user.id, 'sent')).toMatchObject({ uidvalidity: '1700000000', lastUid: 200 });
    // The user switches to another mailbox: generation 1, the folders' state cleared.
    await saveMailbox(database.db, owner, settings('second'));
    expect(await getFolderState(database.db, user.id, 'sent')).toBeUndefined();
    // The first mailbox's session, not stopped yet, finishes a batch: refused, nothing written.
    expect(await setFolderState(database.db, owner, 'sent', '1700000000', 400, 0)).toBe(false);
    expect(await getFolderState(database.db, user.id, 'sent')).toBeUndefined();
    expect(await setFolderState(database.db, owner, 'sent', '1700000000', 100, 1)).toBe(true);
    expect(await getFolderState(database.db, user.id, 'sent')).toMatchObject({ lastUid: 100 });
  });
});
