// Notifications: one row per counted open or click an owner asked to hear about, numbered by `seq`
// so a live feed resumes where it stopped. This file holds the one type a stored notification has on
// its way to a listener, the one builder of it from a row, and every query on the table.
import type { Kysely, Selectable } from 'kysely';
import type { NotificationsTable, Schema } from '../db/schema.js';
import type { NotificationItem } from '../../shared/api.js';
import { inFixedRuns } from './fixed-runs.js';

/** A stored notification as the API shows it, with whose it is and its place in the feed. */
export type StoredNotification = NotificationItem & { userId: string; seq: number };

export type NewNotification = Omit<Selectable<NotificationsTable>, 'seq'>;

/** The one builder of a notification from its row. */
export function toNotification(r: NewNotification & { seq: number | string | bigint }): StoredNotification {
  return {
    id: r.id,
    type: r.type,
    who: r.who,
    subject: r.subject,
    ...(r.url ? { url: r.url } : {}),
    at: new Date(Number(r.at)).toISOString(),
    emailId: r.email_id,
    read: r.read_at !== null,
    userId: r.user_id,
    seq: Number(r.seq),
  };
}

/** Inserts notifications; one whose event already has one (a replayed hit) is skipped. Answers those inserted. */
export async function insertNotifications(db: Kysely<Schema>, rows: NewNotification[]): Promise<StoredNotification[]> {
  if (!rows.length) return [];
  const inserted = await inFixedRuns(rows, (run) => db.insertInto('notifications').values(run).onConflict((oc) => oc.column('event_id').doNothing()).returning(['id', 'seq']).execute());
  const seqOf = new Map(inserted.map((r) => [r.id, Number(r.seq)]));
  return rows.filter((r) => seqOf.has(r.id)).map((r) => toNotification({ ...r, seq: seqOf.get(r.id)! }));
}

/** Whether the user was already told about an open of this email (for "first open only"). */
export async function wasNotifiedOfOpen(db: Kysely<Schema>, userId: string, emailId: string): Promise<boolean> {
  const row = await db.selectFrom('notifications').select('id').where('user_id', '=', userId).where('email_id', '=', emailId).where('type', '=', 'OPEN').executeTakeFirst();
  return !!row;
}

/** Withdraws the notifications of events whose verdict was corrected. */
export async function deleteNotificationsOfEvents(db: Kysely<Schema>, eventIds: string[]): Promise<void> {
  if (eventIds.length) await db.deleteFrom('notifications').where('event_id', 'in', eventIds).execute();
}

/**
 * The one replay query: notifications after `afterSeq`, oldest first, of one user (a feed resuming
 * with Last-Event-ID) or of everybody (a process catching up after NOTIFY).
 */
export async function notificationsAfter(db: Kysely<Schema>, afterSeq: number, opts: { userId?: string; limit?: number } = {}): Promise<StoredNotification[]> {
  let q = db.selectFrom('notifications').selectAll().where('seq', '>', afterSeq);
  if (opts.userId) q = q.where('user_id', '=', opts.userId);
  const rows = await q.orderBy('seq').limit(opts.limit ?? 1000).execute();
  return rows.map(toNotification);
}

/** The newest `seq` so far (0 when there is none). */
export async function lastNotificationSeq(db: Kysely<Schema>): Promise<number> {
  const row = await db.selectFrom('notifications').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirst();
  return Number(row?.max ?? 0);
}

/** A user's history, newest first, before `beforeSeq`; reads one more than `limit` to tell whether there is more. */
export async function notificationHistory(
  db: Kysely<Schema>,
  who: { accountId: string; userId: string },
  page: { unread?: boolean; beforeSeq?: number; limit: number },
): Promise<{ items: StoredNotification[]; hasMore: boolean }> {
  let q = db.selectFrom('notifications').selectAll().where('account_id', '=', who.accountId).where('user_id', '=', who.userId);
  if (page.unread) q = q.where('read_at', 'is', null);
  if (page.beforeSeq !== undefined) q = q.where('seq', '<', page.beforeSeq);
  const rows = await q.orderBy('seq', 'desc').limit(page.limit + 1).execute();
  return { items: rows.slice(0, page.limit).map(toNotification), hasMore: rows.length > page.limit };
}

/** Marks some (`ids`) or all of the user's unread notifications read; answers how many changed. */
export async function markNotificationsRead(db: Kysely<Schema>, who: { accountId: string; userId: string }, ids: string[] | 'all'): Promise<number> {
  let q = db.updateTable('notifications').set({ read_at: Date.now() }).where('user_id', '=', who.userId).where('account_id', '=', who.accountId).where('read_at', 'is', null);
  if (ids !== 'all') q = q.where('id', 'in', ids);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}
