// Sending: campaigns and SMTP tokens, contacts, the outbound queue (messages and per-recipient
// deliveries), suppressions, the email events of HubSpot's Events API, and server-wide keys.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export function sending(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await t
        .serialTable(db, 'campaigns')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull()) // SMTP_TOKEN | TEMPLATE
        .addColumn('created_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('campaigns_account').on('campaigns').columns(['account_id', 'name']).execute();

      await db.schema
        .createTable('smtp_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('campaign_id', t.int, (c) => c.notNull().references('campaigns.id'))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('create_contact', t.int, (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('deleted_at', t.time)
        .execute();
      await db.schema.createIndex('smtp_tokens_account').on('smtp_tokens').columns(['account_id', 'created_at']).execute();

      await db.schema
        .createTable('contacts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('legal_basis', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .addUniqueConstraint('contacts_account_email', ['account_id', 'email'])
        .execute();

      // An accepted message, as the client sent it (minus Bcc, plus Message-ID when missing).
      await db.schema
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('source', 'text', (c) => c.notNull()) // SMTP | API | ADDIN
        .addColumn('campaign_id', t.int, (c) => c.references('campaigns.id'))
        .addColumn('token_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('mail_from', 'text', (c) => c.notNull())
        .addColumn('message_id_header', 'text')
        .addColumn('subject', 'text')
        .addColumn('raw', t.bytes, (c) => c.notNull())
        .addColumn('size', t.int, (c) => c.notNull())
        .addColumn('track', t.int, (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .execute();

      // One copy per envelope recipient: its own id (used in its tracking tokens) and its own fate.
      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id'))
        .addColumn('campaign_id', t.int)
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull()) // QUEUED | SENT | BOUNCED | DROPPED
        .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', t.time, (c) => c.notNull())
        .addColumn('give_up_at', t.time, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', t.time)
        // Times the delivery was taken over from a process that died holding it: only then can
        // the recipient see a second copy (the relay may have taken it just before the crash).
        .addColumn('recoveries', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('last_response', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('sent_at', t.time)
        .execute();
      await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('deliveries_message').on('deliveries').column('message_id').execute();

      await db.schema
        .createTable('suppressions')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull()) // HARD_BOUNCE | MANUAL
        .addColumn('detail', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('suppressions_pk', ['account_id', 'email'])
        .execute();

      // HubSpot's Email Events API; `seq` orders them and pages through them.
      await t
        .serialTable(db, 'email_events', 'seq')
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('campaign_id', t.int)
        .addColumn('delivery_id', 'text')
        .addColumn('created', t.time, (c) => c.notNull())
        .addColumn('sent_by_id', 'text', (c) => c.notNull())
        .addColumn('sent_by_created', t.time, (c) => c.notNull())
        .addColumn('filtered', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}')) // type-specific fields, JSON
        .execute();
      await db.schema.createIndex('email_events_account').on('email_events').columns(['account_id', 'seq']).execute();
      await db.schema.createIndex('email_events_campaign').on('email_events').columns(['campaign_id', 'type']).execute();
      await db.schema.createIndex('email_events_recipient').on('email_events').columns(['account_id', 'recipient']).execute();
      await db.schema.createIndex('email_events_delivery').on('email_events').column('delivery_id').execute();

      // Server-wide secrets shared by every process on one database (tracking keys, VAPID keys).
      await db.schema
        .createTable('server_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .execute();

      // DKIM keys of sending domains (`mailbeacon domain add`).
      await db.schema
        .createTable('sending_domains')
        .addColumn('domain', 'text', (c) => c.primaryKey())
        .addColumn('selector', 'text', (c) => c.notNull())
        .addColumn('private_key', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .execute();
    },
  };
}
