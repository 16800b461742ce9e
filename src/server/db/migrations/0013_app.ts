// What the web app reads (docs/product.md §10): an account's sent messages newest first, its
// suppressions newest first, and a person's opens and clicks, without scanning every account's rows.
import type { Kysely } from 'kysely';

export function app() {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('deliveries_account').on('deliveries').columns(['account_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('suppressions_recent').on('suppressions').columns(['account_id', 'created_at', 'email']).execute();
      await db.schema.createIndex('email_events_user').on('email_events').columns(['user_id', 'seq']).execute();
    },
  };
}
