// Tracking: one-to-one emails tracked from the add-in, the verdict of every open and click on the
// events, notifications with their delivery state, Web Push subscriptions, and the account's custom
// tracking domain and privacy choice.
import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './types.js';

export function tracking(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tracked_emails')
        .addColumn('id', 'text', (c) => c.primaryKey()) // the add-in's trackingId
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('from_address', 'text', (c) => c.notNull())
        .addColumn('recipients', 'text', (c) => c.notNull()) // JSON: to, cc and bcc addresses
        .addColumn('internet_message_id', 'text')
        // Addresses the sender's add-in called from: a hit from one of them is the sender's own.
        .addColumn('sender_ips', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('self_view_at', t.time)
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tracked_emails_user').on('tracked_emails').columns(['account_id', 'user_id', 'created_at']).execute();
      await db.schema.createIndex('tracked_emails_imid').on('tracked_emails').columns(['account_id', 'internet_message_id']).execute();

      // Opens and clicks share email_events with the delivery events; these say whose mail it was.
      await db.schema.alterTable('email_events').addColumn('tracked_email_id', 'text').execute();
      await db.schema.alterTable('email_events').addColumn('user_id', 'text').execute();
      await db.schema.alterTable('email_events').addColumn('link_index', t.int).execute();
      await db.schema.createIndex('email_events_tracked').on('email_events').column('tracked_email_id').execute();

      await t
        .serialTable(db, 'notifications', 'seq')
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull()) // OPEN | CLICK
        .addColumn('who', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('url', 'text')
        .addColumn('email_id', 'text', (c) => c.notNull())
        .addColumn('at', t.time, (c) => c.notNull())
        .addColumn('read_at', t.time)
        .execute();
      await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'seq']).execute();
      // One notification per event, also when a crashed process's hits are replayed.
      await db.schema.createIndex('notifications_event').on('notifications').column('event_id').unique().execute();

      // A browser's subscription, per user: another user signing in on the same browser gets a row
      // of their own, and nobody can take over someone else's.
      await db.schema
        .createTable('push_subscriptions')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('p256dh', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('push_subscriptions_pk', ['user_id', 'endpoint'])
        .execute();

      // Per message: where the pixel goes (null: bottom), e.g. from an SMTP header.
      await db.schema.alterTable('messages').addColumn('pixel_position', 'text').execute();
      await db.schema.alterTable('accounts').addColumn('tracking_domain', 'text').execute();
      await db.schema.alterTable('accounts').addColumn('privacy', t.int, (c) => c.notNull().defaultTo(sql`0`)).execute();
    },
  };
}
