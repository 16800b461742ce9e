// One-to-one emails tracked from the add-in, and the opens and clicks recorded on them.
import type { Kysely, Selectable } from 'kysely';
import type { Schema, TrackedEmailsTable } from '../db/schema.js';
import type { EngagementEvent, TrackedEmailView, Verdict } from '../../shared/api.js';
import { isLoopback } from '../../shared/ip-ranges.js';
import { contains } from './search.js';

export type TrackedEmailRow = Selectable<TrackedEmailsTable>;

const MAX_SENDER_IPS = 20;

// Loopback is left out: in development the sender's add-in and the "recipient's" browser are one
// machine, and every hit would look like the sender's own.
function withIp(json: string, ip: string): string {
  if (isLoopback(ip)) return json;
  const ips = (JSON.parse(json) as string[]).filter((x) => x !== ip);
  return JSON.stringify([ip, ...ips].slice(0, MAX_SENDER_IPS));
}

/** Creates or updates (same trackingId, same user) the tracked email; undefined if the id is someone else's. */
export async function upsertTrackedEmail(
  db: Kysely<Schema>,
  owner: { accountId: string; userId: string },
  e: { id: string; subject: string; from: string; recipients: string[]; senderIp: string },
): Promise<{ row: TrackedEmailRow; created: boolean } | undefined> {
  const now = Date.now();
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('tracked_emails').selectAll().where('id', '=', e.id).executeTakeFirst();
    if (existing && (existing.account_id !== owner.accountId || existing.user_id !== owner.userId)) return undefined;
    if (existing) {
      await trx
        .updateTable('tracked_emails')
        .set({ subject: e.subject, from_address: e.from, recipients: JSON.stringify(e.recipients), sender_ips: withIp(existing.sender_ips, e.senderIp), updated_at: now })
        .where('id', '=', e.id)
        .execute();
    } else {
      await trx
        .insertInto('tracked_emails')
        .values({
          id: e.id,
          account_id: owner.accountId,
          user_id: owner.userId,
          subject: e.subject,
          from_address: e.from,
          recipients: JSON.stringify(e.recipients),
          internet_message_id: null,
          sender_ips: withIp('[]', e.senderIp),
          self_view_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    const row = await trx.selectFrom('tracked_emails').selectAll().where('id', '=', e.id).executeTakeFirstOrThrow();
    return { row, created: !existing };
  });
}

/** A tracked email by id alone, for its tracking hits (whose signed token already names it). */
export async function trackedEmailForTracking(db: Kysely<Schema>, id: string): Promise<TrackedEmailRow | undefined> {
  return db.selectFrom('tracked_emails').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The user's own tracked email; another user's (or account's) answers undefined. */
export async function getTrackedEmail(db: Kysely<Schema>, owner: { accountId: string; userId: string }, id: string): Promise<TrackedEmailRow | undefined> {
  return db.selectFrom('tracked_emails').selectAll().where('id', '=', id).where('account_id', '=', owner.accountId).where('user_id', '=', owner.userId).executeTakeFirst();
}

export async function listTrackedEmails(
  db: Kysely<Schema>,
  owner: { accountId: string; userId: string },
  f: { internetMessageId?: string; search?: string; before?: { createdAt: number; id: string }; limit: number },
): Promise<TrackedEmailRow[]> {
  let q = db.selectFrom('tracked_emails').selectAll().where('account_id', '=', owner.accountId).where('user_id', '=', owner.userId);
  if (f.search) {
    const search = f.search;
    q = q.where((eb) => eb.or([contains('subject', search), contains('recipients', search)]));
  }
  if (f.internetMessageId) q = q.where('internet_message_id', '=', f.internetMessageId);
  if (f.before) {
    const { createdAt, id } = f.before;
    q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

/** The sender is looking at it now (and from where); the add-in may also tell us its real Message-ID. */
export async function recordSelfView(db: Kysely<Schema>, row: TrackedEmailRow, ip: string, at: number, internetMessageId?: string): Promise<void> {
  await db
    .updateTable('tracked_emails')
    .set({ self_view_at: at, sender_ips: withIp(row.sender_ips, ip), ...(internetMessageId ? { internet_message_id: internetMessageId } : {}) })
    .where('id', '=', row.id)
    .execute();
}

/** The email with its opens and clicks (all of them, counted or not), newest first. */
export async function trackedEmailView(db: Kysely<Schema>, row: TrackedEmailRow): Promise<TrackedEmailView> {
  const rows = await db
    .selectFrom('email_events')
    .select(['id', 'type', 'recipient', 'created', 'filtered', 'details'])
    .where('account_id', '=', row.account_id)
    .where('tracked_email_id', '=', row.id)
    .where('type', 'in', ['OPEN', 'CLICK', 'REPLY'])
    .orderBy('created', 'desc')
    .orderBy('seq', 'desc')
    .limit(500)
    .execute();
  const recipients = JSON.parse(row.recipients) as string[];
  const names = await contactNames(db, row.account_id, recipients);
  const events: EngagementEvent[] = rows.map((r) => {
    // A REPLY (connected mailbox) is a person by definition.
    const d = { verdict: 'HUMAN' as Verdict, ...(JSON.parse(r.details) as { url?: string; verdict?: Verdict; reasons?: string[]; inferred?: boolean }) };
    return {
      id: r.id,
      type: r.type as EngagementEvent['type'],
      at: new Date(Number(r.created)).toISOString(),
      who: r.recipient ? (names.get(r.recipient) ?? r.recipient) : 'Someone',
      ...(d.url ? { url: d.url } : {}),
      verdict: d.verdict,
      counted: !r.filtered,
      reasons: d.reasons ?? [],
      inferred: !!d.inferred,
    };
  });
  const counted = events.filter((e) => e.counted);
  const opens = counted.filter((e) => e.type === 'OPEN');
  return {
    id: row.id,
    subject: row.subject,
    recipients,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    sentAt: new Date(Number(row.updated_at)).toISOString(),
    internetMessageId: row.internet_message_id,
    opens: opens.length,
    uniqueOpens: new Set(opens.map((e) => e.who)).size,
    clicks: counted.filter((e) => e.type === 'CLICK').length,
    replies: counted.filter((e) => e.type === 'REPLY').length,
    ...(row.remind_after_days !== null ? { remindAfterDays: Number(row.remind_after_days) } : {}),
    events,
  };
}

async function contactNames(db: Kysely<Schema>, accountId: string, emails: string[]): Promise<Map<string, string>> {
  const lower = emails.map((e) => e.toLowerCase());
  if (!lower.length) return new Map();
  const rows = await db.selectFrom('contacts').select(['email', 'name']).where('account_id', '=', accountId).where('email', 'in', lower).execute();
  return new Map(rows.filter((r) => r.name).map((r) => [r.email, r.name!]));
}
