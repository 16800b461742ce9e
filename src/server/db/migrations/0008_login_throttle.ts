// Failed SMTP logins, one row each, so that every process counts the same failures: per (client
// address, token id), per token id, and the distinct token ids one address failed on. Rows older
// than the throttle's window are swept; nothing here is worth keeping.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export function loginThrottle(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('login_failures')
        // The client address as the throttle keys it (an IPv6 client by its /64).
        .addColumn('address', 'text', (c) => c.notNull())
        // The token id tried, or one marker for usernames that are no token id (never the username itself).
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('at', t.time, (c) => c.notNull())
        .execute();
      // The pair and the distinct tokens of an address read this one; the token's count the next.
      await db.schema.createIndex('login_failures_pair').on('login_failures').columns(['address', 'token', 'at']).execute();
      await db.schema.createIndex('login_failures_token').on('login_failures').columns(['token', 'at']).execute();
      await db.schema.createIndex('login_failures_at').on('login_failures').column('at').execute();
    },
  };
}
