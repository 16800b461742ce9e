// Removing a user now disconnects their mailbox (store/users.ts, removeUserById). Users removed
// before that kept theirs: still synced and logged, its password still stored. Forget those.
import type { Kysely } from 'kysely';

export function removedUsersMailboxes() {
  return {
    async up(db: Kysely<any>) {
      const removed = db.selectFrom('users').select('id').where('removed_at', 'is not', null);
      await db.deleteFrom('mailbox_folders').where('user_id', 'in', removed).execute();
      await db.deleteFrom('mailboxes').where('user_id', 'in', removed).execute();
    },
  };
}
