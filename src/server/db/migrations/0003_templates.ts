// Templates (HubSpot "emails") with a published version apart from the draft, single-send statuses
// (with sendId idempotency), and the per-account request windows of the API rate limit.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export function templates(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await t
        .serialTable(db, 'templates')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('campaign_id', t.int, (c) => c.notNull().references('campaigns.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('text', 'text')
        .addColumn('subscription_type', 'text', (c) => c.notNull()) // TRANSACTIONAL | MARKETING
        .addColumn('send_method', 'text', (c) => c.notNull()) // API | REGULAR
        // What is sent: the version captured at the last publish (null until published).
        .addColumn('published_subject', 'text')
        .addColumn('published_html', 'text')
        .addColumn('published_text', 'text')
        .addColumn('published_at', t.time)
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .addColumn('deleted_at', t.time)
        .execute();
      await db.schema.createIndex('templates_account').on('templates').columns(['account_id', 'id']).execute();

      await db.schema
        .createTable('send_statuses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('user_id', 'text')
        .addColumn('template_id', t.int)
        .addColumn('send_id', 'text')
        .addColumn('recipient', 'text', (c) => c.notNull()) // the To address, lower-cased
        .addColumn('status', 'text', (c) => c.notNull()) // PENDING | PROCESSING | CANCELED | COMPLETE
        .addColumn('send_result', 'text')
        .addColumn('message', 'text')
        // 1: this request queued an email (what the per-recipient send limit counts).
        .addColumn('queued', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('message_id', 'text') // the queued message, once accepted
        .addColumn('delivery_id', 'text')
        .addColumn('event_id', 'text')
        .addColumn('event_created', t.time)
        .addColumn('requested_at', t.time, (c) => c.notNull())
        .addColumn('started_at', t.time)
        .addColumn('completed_at', t.time)
        .execute();
      // At most one email per sendId per account, even under concurrent repeats.
      await db.schema.createIndex('send_statuses_send_id').on('send_statuses').columns(['account_id', 'send_id']).unique().execute();
      await db.schema.createIndex('send_statuses_delivery').on('send_statuses').column('delivery_id').execute();
      await db.schema.createIndex('send_statuses_recipient').on('send_statuses').columns(['account_id', 'recipient', 'requested_at']).execute();

      // Requests per account per second, summed over the last ten (TEN_SECONDLY_ROLLING).
      await db.schema
        .createTable('rate_windows')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('second', t.time, (c) => c.notNull())
        .addColumn('count', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_windows_pk', ['account_id', 'second'])
        .execute();
    },
  };
}
