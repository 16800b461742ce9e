// Data lifecycle (docs/product.md §13): erasure, retention and the counters that outlive both.
// - `erased_addresses`: a keyed hash per erased address (never the address), so later mail to it is
//   recognised and neither logged nor tracked. A hard bounce is kept with it, so it stays suppressed.
// - `event_rollups`: what retention and erasure delete from `email_events`, summed per campaign, type
//   and recipient, so campaign counters (and unique counts) stay. An erased recipient is a pseudonym.
// - `accounts.retention_days`, `deliveries.pseudonym` and `leases` (one sweeper at a time across processes).
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export function lifecycle(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('erased_addresses')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        // HMAC-SHA256 of the lower-cased address under a server key (store/erased-addresses.ts).
        .addColumn('hash', 'text', (c) => c.notNull())
        // The suppression the address had when it was erased (HARD_BOUNCE, MANUAL), or null.
        .addColumn('suppressed', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('erased_addresses_pk', ['account_id', 'hash'])
        .execute();

      await db.schema
        .createTable('event_rollups')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        // 0 for events without a campaign (one-to-one mail): never shown as a campaign, kept for totals.
        .addColumn('campaign_id', t.int, (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('filtered', t.int, (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('total', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('event_rollups_pk', ['account_id', 'campaign_id', 'type', 'filtered', 'recipient'])
        .execute();
      await db.schema.createIndex('event_rollups_recipient').on('event_rollups').columns(['account_id', 'recipient']).execute();

      await db.schema.alterTable('accounts').addColumn('retention_days', t.int, (c) => c.notNull().defaultTo(sql`365`)).execute();
      // Set when the recipient had been erased when the mail was accepted: what its events say instead
      // of the address, and what the row keeps once delivered. Such a copy is not tracked.
      await db.schema.alterTable('deliveries').addColumn('pseudonym', 'text').execute();
      // Retention walks by time: these are the columns it filters on.
      await db.schema.createIndex('email_events_created').on('email_events').columns(['created', 'seq']).execute();
      await db.schema.createIndex('messages_created').on('messages').column('created_at').execute();
      await db.schema.createIndex('logged_emails_created').on('logged_emails').column('created_at').execute();
      await db.schema.createIndex('attachments_blob').on('attachments').columns(['account_id', 'sha256']).execute();

      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('until', t.time, (c) => c.notNull())
        .execute();
    },
  };
}
