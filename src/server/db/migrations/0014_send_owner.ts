// An SMTP token names the user who created it by id, not only by email address: a user removed and
// added again under the same address is a new person and must not inherit the old one's SMTP sends
// (docs/product.md §10) or notifications. Tokens made before this get the current user of their
// account with the address they were created by, if that user existed when the token was made; a token
// whose creator is gone (or was an earlier user of the same address) keeps null (nobody's).
// The Tracked email list reads a person's sends by account and user (store/tracked-emails.ts): indexed.
import { type Kysely, sql } from 'kysely';

export function sendOwner() {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('smtp_tokens').addColumn('created_by_user_id', 'text', (c) => c.references('users.id')).execute();
      await db
        .updateTable('smtp_tokens')
        .set({
          created_by_user_id: sql`(select users.id from users where users.account_id = smtp_tokens.account_id and users.email = lower(smtp_tokens.created_by) and users.removed_at is null and users.created_at <= smtp_tokens.created_at)`,
        })
        .execute();
      await db.schema.createIndex('messages_user').on('messages').columns(['account_id', 'user_id']).execute();
      await db.schema.createIndex('smtp_tokens_creator').on('smtp_tokens').columns(['account_id', 'created_by_user_id']).execute();
    },
  };
}
