// One-to-one logging: logged emails on contacts' timelines, attachments stored once per account by
// content (in 1 MB chunks, so they stream in and out), and user and account settings.
import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './types.js';

export function logging(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('logged_emails')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('internet_message_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('from_address', 'text', (c) => c.notNull())
        .addColumn('to_addresses', 'text', (c) => c.notNull()) // JSON
        .addColumn('cc_addresses', 'text', (c) => c.notNull()) // JSON
        .addColumn('bcc_addresses', 'text', (c) => c.notNull()) // JSON
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('sent_at', t.time, (c) => c.notNull())
        .addColumn('tracking_id', 'text')
        // Recipients left off and why (JSON), so logging the message again answers the same result.
        .addColumn('skipped', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addUniqueConstraint('logged_emails_imid', ['account_id', 'internet_message_id'])
        .execute();

      await db.schema
        .createTable('logged_email_contacts')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('logged_email_id', 'text', (c) => c.notNull().references('logged_emails.id'))
        .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id'))
        .addColumn('at', t.time, (c) => c.notNull())
        // 1: this logging created the contact (reported again on a duplicate).
        .addColumn('created', t.int, (c) => c.notNull().defaultTo(sql`0`))
        .addPrimaryKeyConstraint('logged_email_contacts_pk', ['logged_email_id', 'contact_id'])
        .execute();
      await db.schema.createIndex('logged_email_contacts_contact').on('logged_email_contacts').columns(['contact_id', 'at']).execute();

      // Content, once per account and SHA-256.
      await db.schema
        .createTable('blobs')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', t.int, (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('blobs_pk', ['account_id', 'sha256'])
        .execute();
      await db.schema
        .createTable('blob_chunks')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('seq', t.int, (c) => c.notNull())
        .addColumn('data', t.bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('blob_chunks_pk', ['account_id', 'sha256', 'seq'])
        .execute();

      await db.schema
        .createTable('attachments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('logged_email_id', 'text', (c) => c.notNull().references('logged_emails.id'))
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', t.int, (c) => c.notNull())
        .addColumn('position', t.int, (c) => c.notNull().defaultTo(sql`0`)) // order in the upload
        .execute();
      await db.schema.createIndex('attachments_email').on('attachments').column('logged_email_id').execute();

      await db.schema
        .createTable('user_settings')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('settings', 'text', (c) => c.notNull()) // JSON UserSettings
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();

      await db.schema.alterTable('accounts').addColumn('never_log', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('accounts').addColumn('create_contacts', t.int, (c) => c.notNull().defaultTo(sql`1`)).execute();
    },
  };
}
