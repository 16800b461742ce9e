// What replies and follow-up reminders read and write: the user's mail a reply names, the REPLY
// event with its notification, a tracked email's reminder (due time, claimed once) and first reply.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { insertNotifications, type NewNotification, type StoredNotification } from './notifications.js';
import { enqueueChannelPosts } from './webhooks.js';

type Owner = { accountId: string; userId: string };

/** The mail of this user a reply names: a tracked email, else a logged one. */
export interface RepliedMail {
  trackedEmailId: string | null;
  loggedEmailId: string | null;
  subject: string;
  recipients: string[];
  /** The copy the event belongs to (HubSpot's sentBy). */
  sentBy: { id: string; created: number };
}

const parseList = (json: string): string[] => {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

/**
 * The user's own mail named by these message ids: tracked emails by Message-ID or by the add-in's
 * `<trackingId@mailbeacon>`, logged emails by Message-ID (and the tracked email their trackingId names).
 */
export async function mailNamedBy(db: Kysely<Schema>, owner: Owner, ids: string[], trackingIds: string[]): Promise<RepliedMail | undefined> {
  if (!ids.length) return undefined;
  const forms = [...new Set(ids.flatMap((id) => [id, id.replace(/^<|>$/g, '')]))].slice(0, 400);
  const logged = await db
    .selectFrom('logged_emails')
    .select(['id', 'tracking_id', 'subject', 'to_addresses', 'cc_addresses', 'created_at'])
    .where('account_id', '=', owner.accountId)
    .where('user_id', '=', owner.userId)
    .where('internet_message_id', 'in', forms)
    .orderBy('created_at')
    .executeTakeFirst();
  const trackedIds = [...trackingIds, ...(logged?.tracking_id ? [logged.tracking_id] : [])];
  const tracked = await db
    .selectFrom('tracked_emails')
    .select(['id', 'subject', 'recipients', 'created_at'])
    .where('account_id', '=', owner.accountId)
    .where('user_id', '=', owner.userId)
    .where((eb) => eb.or([eb('internet_message_id', 'in', forms), ...(trackedIds.length ? [eb('id', 'in', trackedIds)] : [])]))
    .executeTakeFirst();
  if (tracked) {
    return { trackedEmailId: tracked.id, loggedEmailId: logged?.id ?? null, subject: tracked.subject, recipients: parseList(tracked.recipients), sentBy: { id: tracked.id, created: Number(tracked.created_at) } };
  }
  if (logged) {
    return {
      trackedEmailId: null,
      loggedEmailId: logged.id,
      subject: logged.subject,
      recipients: [...parseList(logged.to_addresses), ...parseList(logged.cc_addresses)],
      sentBy: { id: logged.id, created: Number(logged.created_at) },
    };
  }
  return undefined;
}

export interface NewReply {
  /** Stable for one reply to one email, so a resync records nothing twice. */
  eventId: string;
  from: string;
  who: string;
  at: number;
  replyMessageId: string;
}

/**
 * Writes the REPLY event, the tracked email's first reply time and the owner's notification, in one
 * transaction (the caller hands the notifications to the notifier). Answers [] when recorded before.
 */
export async function insertReply(trx: Kysely<Schema>, owner: Owner, mail: RepliedMail, r: NewReply): Promise<StoredNotification[]> {
  const inserted = await trx
    .insertInto('email_events')
    .values({
      id: r.eventId,
      account_id: owner.accountId,
      type: 'REPLY',
      recipient: r.from,
      campaign_id: null,
      delivery_id: null,
      tracked_email_id: mail.trackedEmailId,
      user_id: owner.userId,
      created: r.at,
      sent_by_id: mail.sentBy.id,
      sent_by_created: mail.sentBy.created,
      filtered: 0,
      details: JSON.stringify({ replyMessageId: r.replyMessageId, ...(mail.loggedEmailId ? { loggedEmailId: mail.loggedEmailId } : {}) }),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return [];
  if (mail.trackedEmailId) {
    await trx.updateTable('tracked_emails').set({ replied_at: r.at }).where('id', '=', mail.trackedEmailId).where('replied_at', 'is', null).execute();
  }
  const row: NewNotification = {
    id: randomUUID(),
    account_id: owner.accountId,
    user_id: owner.userId,
    event_id: r.eventId,
    type: 'REPLY',
    who: r.who,
    subject: mail.subject,
    url: null,
    email_id: mail.trackedEmailId ?? mail.loggedEmailId!,
    at: r.at,
    read_at: null,
  };
  return insertNotifications(trx, [row]);
}

/** Sets (or clears, with null) a tracked email's follow-up reminder, due `days` after `from`. */
export async function setReminder(db: Kysely<Schema>, owner: Owner, trackedEmailId: string, days: number | null, from: number): Promise<void> {
  await db
    .updateTable('tracked_emails')
    .set({ remind_after_days: days, remind_at: days === null ? null : from + days * 86_400_000 })
    .where('id', '=', trackedEmailId)
    .where('account_id', '=', owner.accountId)
    .where('user_id', '=', owner.userId)
    .execute();
}

/** Tracked emails whose reminder is due (no reply yet), oldest first. */
export async function dueReminders(db: Kysely<Schema>, now: number, limit: number) {
  return db
    .selectFrom('tracked_emails')
    .select(['id', 'account_id', 'user_id', 'subject', 'recipients', 'remind_at'])
    .where('remind_at', 'is not', null)
    .where('remind_at', '<=', now)
    .where('replied_at', 'is', null)
    .orderBy('remind_at')
    .limit(limit)
    .execute();
}

/**
 * Fires one reminder: clears its due time (compare-and-set, so of several processes one wins) and
 * stores the notification, in one transaction: a crash before the commit leaves it due, after it
 * the reminder is gone. Answers the notification, or [] when another process fired it.
 */
export async function fireReminder(db: Kysely<Schema>, r: { id: string; account_id: string; user_id: string; subject: string; remind_at: number }, who: string, at: number): Promise<StoredNotification[]> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx.updateTable('tracked_emails').set({ remind_at: null }).where('id', '=', r.id).where('remind_at', '=', r.remind_at).where('replied_at', 'is', null).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return [];
    const stored = await insertNotifications(trx, [
      { id: randomUUID(), account_id: r.account_id, user_id: r.user_id, event_id: `reminder:${r.id}:${r.remind_at}`, type: 'REMINDER', who, subject: r.subject, url: null, email_id: r.id, at, read_at: null },
    ]);
    await enqueueChannelPosts(trx, stored, () => r.account_id); // every channel the rep chose
    return stored;
  });
}

/** The tracked email the add-in stamped (X-Mailbeacon-Id) gets the Message-ID its sent copy carries. */
export async function linkTrackedMessageId(db: Kysely<Schema>, owner: Owner, trackedEmailId: string, internetMessageId: string): Promise<void> {
  await db
    .updateTable('tracked_emails')
    .set({ internet_message_id: internetMessageId })
    .where('id', '=', trackedEmailId)
    .where('account_id', '=', owner.accountId)
    .where('user_id', '=', owner.userId)
    .where('internet_message_id', 'is', null)
    .execute();
}

/** Whether the user already logged the email the add-in stamped with this tracking id. */
export async function loggedWithTrackingId(db: Kysely<Schema>, owner: Owner, trackingId: string): Promise<boolean> {
  const row = await db.selectFrom('logged_emails').select('id').where('account_id', '=', owner.accountId).where('user_id', '=', owner.userId).where('tracking_id', '=', trackingId).executeTakeFirst();
  return !!row;
}
