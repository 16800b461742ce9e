// People and sign-in (docs/product.md, "People and sign-in"): roles and password hashes on users,
// names and last use on access tokens, browser sessions, the one-use links that invite a person or
// reset a password, and the address the account's own emails come from.
import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './types.js';

export function people(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('role', 'text', (c) => c.notNull().defaultTo('member')).execute();
      // scrypt$N$r$p$salt$hash (secrets.ts); null until the person sets a password.
      await db.schema.alterTable('users').addColumn('password_hash', 'text').execute();
      // Each account's first live user administers it, as `user add` makes it from now on.
      await sql`UPDATE users SET role = 'admin' WHERE removed_at IS NULL AND id IN (
        SELECT u.id FROM users u WHERE u.removed_at IS NULL AND NOT EXISTS (
          SELECT 1 FROM users o WHERE o.account_id = u.account_id AND o.removed_at IS NULL
            AND (o.created_at < u.created_at OR (o.created_at = u.created_at AND o.id < u.id))))`.execute(db);

      await db.schema.alterTable('access_tokens').addColumn('name', 'text').execute();
      await db.schema.alterTable('access_tokens').addColumn('last_used_at', t.time).execute();

      await db.schema.alterTable('accounts').addColumn('sender_address', 'text').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey()) // public: listed and ended by it
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull()) // SHA-256 of the cookie's secret part
        .addColumn('name', 'text', (c) => c.notNull()) // the browser, as its User-Agent told
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('last_used_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('revoked_at', t.time)
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'revoked_at']).execute();

      await db.schema
        .createTable('user_links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull()) // invite | reset
        .addColumn('token_hash', 'text', (c) => c.notNull().unique()) // SHA-256 of the link's token
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('used_at', t.time)
        .execute();
      await db.schema.createIndex('user_links_user').on('user_links').columns(['user_id', 'kind']).execute();
    },
  };
}
