// One-to-one emails tracked from the add-in and the sends a person made (single send, SMTP API), with
// the opens and clicks recorded on them.
import { type Kysely, type Selectable, sql } from 'kysely';
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

// ---- the sends a person made (docs/product.md §10: "one-to-one and sends they made") -----------
// A single send is the person's when they made the request (messages.user_id); an SMTP API message
// when it came in with an SMTP token they created. Both are listed with their tracked email, by the
// same (created_at, id) order and cursor.

export type SendRow = { id: string; account_id: string; source: string; subject: string | null; message_id_header: string | null; created_at: number };

function sendsOf(db: Kysely<Schema>, owner: { accountId: string; userId: string }) {
  return db
    .selectFrom('messages')
    .leftJoin('smtp_tokens', (j) => j.onRef('smtp_tokens.id', '=', 'messages.token_id').onRef('smtp_tokens.account_id', '=', 'messages.account_id'))
    .select(['messages.id', 'messages.account_id', 'messages.source', 'messages.subject', 'messages.message_id_header', 'messages.created_at'])
    .where('messages.account_id', '=', owner.accountId)
    .where((eb) =>
      eb.or([
        eb.and([eb('messages.source', '=', 'API'), eb('messages.user_id', '=', owner.userId)]),
        // By user id, not address: someone re-added under the same address is a new person.
        eb.and([eb('messages.source', '=', 'SMTP'), eb('smtp_tokens.created_by_user_id', '=', owner.userId)]),
      ]),
    );
}

/** The person's sends, newest first; `search` matches the subject or a recipient. */
export async function listSends(
  db: Kysely<Schema>,
  owner: { accountId: string; userId: string },
  f: { search?: string; before?: { createdAt: number; id: string }; limit: number },
): Promise<SendRow[]> {
  let q = sendsOf(db, owner);
  if (f.search) {
    const search = f.search;
    q = q.where((eb) =>
      eb.or([
        contains('messages.subject', search),
        eb.exists(eb.selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.message_id', '=', 'messages.id').where(contains('deliveries.recipient', search))),
      ]),
    );
  }
  if (f.before) {
    const { createdAt, id } = f.before;
    q = q.where((eb) => eb.or([eb('messages.created_at', '<', createdAt), eb.and([eb('messages.created_at', '=', createdAt), eb('messages.id', '<', id)])]));
  }
  return q.orderBy('messages.created_at', 'desc').orderBy('messages.id', 'desc').limit(f.limit).execute();
}

/** One of the person's sends; undefined for anyone else's. */
export async function getSend(db: Kysely<Schema>, owner: { accountId: string; userId: string }, id: string): Promise<SendRow | undefined> {
  return sendsOf(db, owner).where('messages.id', '=', id).executeTakeFirst();
}

// ---- what the list and the detail show --------------------------------------------------------

/** A row of the Tracked email list: one of the person's tracked emails or one of their sends. */
export type ListedRow = { kind: 'tracked'; row: TrackedEmailRow } | { kind: 'send'; row: SendRow };

/** The most events one email shows (newest first). */
const EVENTS_PER_EMAIL = 500;

/**
 * Each row as the list (or the detail, with one row) shows it: recipients, when it left, its opens,
 * clicks and replies (all of them, counted or not, newest first) and their counts. A page costs one
 * query each for the sends' deliveries, the events and the recipients' names, whatever its length.
 */
export async function trackedEmailViews(db: Kysely<Schema>, accountId: string, rows: ListedRow[]): Promise<TrackedEmailView[]> {
  const trackedIds = rows.filter((r) => r.kind === 'tracked').map((r) => r.row.id);
  const sendIds = rows.filter((r) => r.kind === 'send').map((r) => r.row.id);
  const deliveries = sendIds.length
    ? await db
        .selectFrom('deliveries')
        .select(['id', 'message_id', 'recipient', 'sent_at'])
        .where('account_id', '=', accountId)
        .where('message_id', 'in', sendIds)
        .orderBy('id')
        .execute()
    : [];
  const events = await eventsOf(db, accountId, trackedIds, deliveries.map((d) => d.id));
  const recipientsOf = new Map<string, string[]>(rows.map((r) => [r.row.id, r.kind === 'tracked' ? (JSON.parse(r.row.recipients) as string[]) : []]));
  for (const d of deliveries) recipientsOf.get(d.message_id)!.push(d.recipient);
  const names = await contactNames(db, accountId, [...new Set([...recipientsOf.values()].flat())]);

  return rows.map(({ kind, row }) => {
    const recipients = recipientsOf.get(row.id)!;
    const own = events.filter((e) => e.email === row.id).map((e) => engagementEvent(e, names));
    const createdAt = new Date(Number(row.created_at)).toISOString();
    if (kind === 'tracked') {
      return {
        id: row.id,
        subject: row.subject,
        recipients,
        createdAt,
        sentAt: new Date(Number(row.updated_at)).toISOString(),
        internetMessageId: row.internet_message_id,
        ...counts(own),
        ...(row.remind_after_days !== null ? { remindAfterDays: Number(row.remind_after_days) } : {}),
        events: own,
      };
    }
    const sent = deliveries.filter((d) => d.message_id === row.id && d.sent_at !== null).map((d) => Number(d.sent_at));
    return {
      id: row.id,
      subject: row.subject ?? '',
      recipients,
      createdAt,
      sentAt: sent.length ? new Date(Math.min(...sent)).toISOString() : null,
      internetMessageId: row.message_id_header,
      sentVia: row.source === 'SMTP' ? 'SMTP_API' : 'SINGLE_SEND',
      ...counts(own),
      events: own,
    };
  });
}

/**
 * The opens, clicks and replies of the given tracked emails and deliveries, newest first, at most
 * EVENTS_PER_EMAIL for each email (a send's deliveries together), each named by its email (`email`:
 * the tracked email's id or the send's message id).
 */
async function eventsOf(db: Kysely<Schema>, accountId: string, trackedIds: string[], deliveryIds: string[]) {
  if (!trackedIds.length && !deliveryIds.length) return [];
  const ranked = db
    .selectFrom('email_events')
    .leftJoin('deliveries', 'deliveries.id', 'email_events.delivery_id')
    .select([
      'email_events.id',
      'email_events.seq',
      'email_events.type',
      'email_events.recipient',
      'email_events.created',
      'email_events.filtered',
      'email_events.details',
      sql<string>`coalesce(email_events.tracked_email_id, deliveries.message_id)`.as('email'),
      sql<number>`row_number() over (partition by coalesce(email_events.tracked_email_id, deliveries.message_id) order by email_events.created desc, email_events.seq desc)`.as('place'),
    ])
    .where('email_events.account_id', '=', accountId)
    .where('email_events.type', 'in', ['OPEN', 'CLICK', 'REPLY'])
    .where((eb) =>
      eb.or([
        ...(trackedIds.length ? [eb('email_events.tracked_email_id', 'in', trackedIds)] : []),
        ...(deliveryIds.length ? [eb('email_events.delivery_id', 'in', deliveryIds)] : []),
      ]),
    );
  return db.selectFrom(ranked.as('e')).selectAll().where('place', '<=', EVENTS_PER_EMAIL).orderBy('created', 'desc').orderBy('seq', 'desc').execute();
}

type EventRow = Awaited<ReturnType<typeof eventsOf>>[number];

function engagementEvent(r: EventRow, names: Map<string, string>): EngagementEvent {
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
}

function counts(events: EngagementEvent[]) {
  const counted = events.filter((e) => e.counted);
  const opens = counted.filter((e) => e.type === 'OPEN');
  return {
    opens: opens.length,
    uniqueOpens: new Set(opens.map((e) => e.who)).size,
    clicks: counted.filter((e) => e.type === 'CLICK').length,
    replies: counted.filter((e) => e.type === 'REPLY').length,
  };
}

async function contactNames(db: Kysely<Schema>, accountId: string, emails: string[]): Promise<Map<string, string>> {
  const lower = [...new Set(emails.map((e) => e.toLowerCase()))];
  if (!lower.length) return new Map();
  const rows = await db.selectFrom('contacts').select(['email', 'name']).where('account_id', '=', accountId).where('email', 'in', lower).execute();
  return new Map(rows.filter((r) => r.name).map((r) => [r.email, r.name!]));
}
