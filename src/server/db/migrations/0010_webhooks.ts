// Webhooks (docs/product.md, Webhooks): an account's endpoints, the outbox of signed events waiting
// for them (one row per event and endpoint, written in the transaction that records the event), and
// the history of every attempt.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export function webhooks(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('events', 'text', (c) => c.notNull()) // JSON array of event types
        .addColumn('include_filtered', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('enabled', t.int, (c) => c.notNull().defaultTo(1))
        // Why it was turned off by us (a 410 from the receiver), for the admin to read.
        .addColumn('disabled_reason', 'text')
        // The signing key must be usable to sign, so it is kept as is (never logged, never answered but at creation and rotation).
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_endpoints_account').on('webhook_endpoints').columns(['account_id', 'created_at']).execute();

      // The outbox: `id` is the `webhook-id` header, the same on every attempt.
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        // A rep's Slack or Teams post (no endpoint row): the channel and the URL it goes to, unsigned.
        .addColumn('channel', 'text')
        .addColumn('target_url', 'text')
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull()) // the exact body that is signed and sent
        .addColumn('status', 'text', (c) => c.notNull()) // PENDING | DELIVERED | FAILED
        .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', t.time, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', t.time)
        .addColumn('last_status_code', t.int)
        .addColumn('last_error', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'endpoint_id', 'next_attempt_at']).execute();
      await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();
      await db.schema.createIndex('webhook_deliveries_updated').on('webhook_deliveries').columns(['status', 'updated_at']).execute();

      // One row per HTTP attempt: what the receiver answered (first 2 KB) and how long it took.
      await t
        .serialTable(db, 'webhook_attempts')
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addColumn('at', t.time, (c) => c.notNull())
        .addColumn('status_code', t.int)
        .addColumn('duration_ms', t.int, (c) => c.notNull())
        .addColumn('response', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'at']).execute();
      await db.schema.createIndex('webhook_attempts_at').on('webhook_attempts').column('at').execute();

      // One row per rep and day a daily digest went out: the key keeps it to one, whichever process sends it.
      await db.schema
        .createTable('channel_digests')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull()) // YYYY-MM-DD (UTC)
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('sent_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('channel_digests_pk', ['user_id', 'day'])
        .execute();
    },
  };
}
