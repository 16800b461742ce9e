// Connected mailboxes (IMAP): one per user, its secret encrypted, the sync state of each folder
// (UIDVALIDITY and the last UID seen) and a lease so one process syncs a mailbox at a time; and the
// follow-up reminders of tracked emails (a durable due time, claimed once by a sweeper).
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export function mailbox(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('mailboxes')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('port', t.int, (c) => c.notNull())
        .addColumn('security', 'text', (c) => c.notNull()) // tls | starttls
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull()) // password | xoauth2
        // AES-256-GCM: base64 of iv | tag | ciphertext (mailbox/secret-box.ts).
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('sent_folder', 'text', (c) => c.notNull())
        .addColumn('inbox_folder', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull()) // CONNECTED | CONNECTING | ERROR
        .addColumn('last_error', 'text')
        .addColumn('last_sync_at', t.time)
        .addColumn('failures', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('retry_at', t.time, (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', t.time)
        // Bumped on every PUT: a syncing process whose generation is older stops.
        .addColumn('generation', t.int, (c) => c.notNull().defaultTo(0))
        .addColumn('connected_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mailboxes_lease').on('mailboxes').columns(['lease_until']).execute();

      await db.schema
        .createTable('mailbox_folders')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull()) // sent | inbox
        .addColumn('uidvalidity', 'text', (c) => c.notNull())
        .addColumn('last_uid', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('mailbox_folders_pk', ['user_id', 'role'])
        .execute();

      await db.schema.alterTable('tracked_emails').addColumn('remind_at', t.time).execute();
      await db.schema.alterTable('tracked_emails').addColumn('remind_after_days', t.int).execute();
      await db.schema.alterTable('tracked_emails').addColumn('replied_at', t.time).execute();
      await db.schema.alterTable('tracked_emails').addColumn('reminder_lease', t.time).execute();
      await db.schema.createIndex('tracked_emails_remind').on('tracked_emails').columns(['remind_at']).execute();
    },
  };
}
