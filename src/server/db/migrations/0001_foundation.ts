// Accounts, users and their access tokens.
import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './types.js';

export function foundation(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('removed_at', t.time)
        .execute();
      // One live user per address across all accounts: the CLI names users by email alone.
      await db.schema.createIndex('users_email_live').on('users').column('email').unique().where(sql.ref('removed_at'), 'is', null).execute();
      await db.schema.createIndex('users_account').on('users').columns(['account_id', 'email']).execute();

      await db.schema
        .createTable('access_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('revoked_at', t.time)
        .execute();
      await db.schema.createIndex('access_tokens_user').on('access_tokens').column('user_id').execute();
    },
  };
}
