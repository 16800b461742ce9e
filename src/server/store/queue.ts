// The outbound queue: a message (as accepted) and one delivery per envelope recipient. Claims are
// leases, so a process that dies mid-delivery leaves nothing stuck: once the lease runs out, any
// process takes the delivery over. On PostgreSQL claims skip rows another process holds.
import { type Kysely, PostgresAdapter, type Selectable, sql } from 'kysely';
import type { MessageSource, MessagesTable, Schema } from '../db/schema.js';

export type MessageRow = Selectable<MessagesTable>;
import { sortableId } from '../secrets.js';
import { type NewEvent, recordEvents } from './events.js';
import { ERASED_REPLACEMENT, scrubAddress, scrubBytes } from './erasure.js';

export interface NewMessage {
  accountId: string;
  source: MessageSource;
  campaignId: number | null;
  tokenId: string | null;
  userId: string | null;
  mailFrom: string;
  messageIdHeader: string | null;
  subject: string | null;
  raw: Buffer;
  track: boolean;
  pixelPosition?: 'top' | 'bottom' | null;
  recipients: string[];
  /** Erased recipients (lower-cased) and what their events say instead (lifecycle/erased.ts). */
  pseudonyms?: Map<string, string>;
  /** When a delivery that keeps failing temporarily is given up (DROPPED). */
  giveUpAt: number;
  /** The first `count` deliveries go straight to this worker, already leased to it. */
  lease?: { owner: string; until: number; count: number };
}

export interface Enqueued {
  messageId: string;
  deliveries: Claimed[];
  createdAt: number;
}

/**
 * Stores the message and its deliveries and records PROCESSED for each, in the caller's transaction.
 * Once this commits the message is durable: only then may the client be told it was accepted.
 */
export async function enqueue(db: Kysely<Schema>, m: NewMessage): Promise<Enqueued> {
  const now = Date.now();
  const messageId = sortableId();
  await db
    .insertInto('messages')
    .values({
      id: messageId,
      account_id: m.accountId,
      source: m.source,
      campaign_id: m.campaignId,
      token_id: m.tokenId,
      user_id: m.userId,
      mail_from: m.mailFrom,
      message_id_header: m.messageIdHeader,
      subject: m.subject,
      raw: m.raw,
      size: m.raw.length,
      track: m.track ? 1 : 0,
      pixel_position: m.pixelPosition ?? null,
      created_at: now,
    })
    .execute();
  const deliveries: Claimed[] = m.recipients.map((recipient) => ({
    id: sortableId(),
    account_id: m.accountId,
    message_id: messageId,
    campaign_id: m.campaignId,
    recipient,
    attempts: 0,
    give_up_at: m.giveUpAt,
    created_at: now,
    pseudonym: m.pseudonyms?.get(recipient.toLowerCase()) ?? null,
  }));
  const leased = m.lease?.count ?? 0;
  await db
    .insertInto('deliveries')
    .values(
      deliveries.map((d, i) => ({
        ...d,
        status: 'QUEUED' as const,
        next_attempt_at: now,
        lease_owner: i < leased ? m.lease!.owner : null,
        lease_until: i < leased ? m.lease!.until : null,
        last_response: null,
        sent_at: null,
      })),
    )
    .execute();
  await recordEvents(
    db,
    deliveries.map((d) => ({
      accountId: m.accountId,
      type: 'PROCESSED',
      recipient: d.pseudonym ?? d.recipient,
      campaignId: m.campaignId,
      deliveryId: d.id,
      created: now,
      sentBy: { id: d.id, created: now },
    })),
  );
  return { messageId, deliveries, createdAt: now };
}

export interface Claimed {
  id: string;
  account_id: string;
  message_id: string;
  campaign_id: number | null;
  recipient: string;
  attempts: number;
  give_up_at: number;
  created_at: number;
  /** Set for an erased recipient: its events name this, its copy is not tracked. */
  pseudonym: string | null;
}

/** Leases up to `limit` due deliveries to `owner` until `leaseUntil`. */
export async function claimDue(db: Kysely<Schema>, dialect: 'sqlite' | 'postgres', owner: string, limit: number, now: number, leaseUntil: number): Promise<Claimed[]> {
  let due = db
    .selectFrom('deliveries')
    .select('id')
    .where('status', '=', 'QUEUED')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit);
  if (dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable('deliveries')
    // A lease still set at claim time ran out in a process that died mid-delivery.
    .set({ lease_owner: owner, lease_until: leaseUntil, recoveries: sql`recoveries + case when lease_owner is not null then 1 else 0 end` })
    .where('id', 'in', due)
    .returning(['id', 'account_id', 'message_id', 'campaign_id', 'recipient', 'attempts', 'give_up_at', 'created_at', 'pseudonym'])
    .execute();
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts), give_up_at: Number(r.give_up_at), created_at: Number(r.created_at), campaign_id: r.campaign_id === null ? null : Number(r.campaign_id) }));
}

/**
 * Extends the leases this owner still holds (work in progress on a slow relay). On PostgreSQL a row
 * locked at this moment is skipped, not waited for: it is being settled (its lease ends with that)
 * or taken over. Waiting made renewals deadlock with the settling of the same deliveries, which lock
 * them in another order; PostgreSQL then aborted the renewal a second later, every lease of this
 * process lapsed, and deliveries the relay had already taken were taken over and sent again.
 */
export async function renewLeases(db: Kysely<Schema>, owner: string, ids: string[], leaseUntil: number): Promise<void> {
  if (!ids.length) return;
  let held = db.selectFrom('deliveries').select('id').where('lease_owner', '=', owner).where('id', 'in', ids);
  if (db.getExecutor().adapter instanceof PostgresAdapter) held = held.forUpdate().skipLocked();
  await db.updateTable('deliveries').set({ lease_until: leaseUntil }).where('id', 'in', held).execute();
}

/**
 * Re-asserts the leases `owner` was given when these deliveries were inserted, as it takes them up;
 * answers those still its own. A lease that ran out before its insert was committed (a long group
 * commit, a lock wait) may have been claimed by another process meanwhile, which then relays it.
 */
export async function confirmLeases(db: Kysely<Schema>, owner: string, ids: string[], leaseUntil: number): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db.updateTable('deliveries').set({ lease_until: leaseUntil }).where('lease_owner', '=', owner).where('status', '=', 'QUEUED').where('id', 'in', ids).returning('id').execute();
  return new Set(rows.map((r) => r.id));
}

/** The earliest time a queued delivery becomes due, to sleep until then. */
export async function nextDueAt(db: Kysely<Schema>): Promise<number | undefined> {
  const row = await db
    .selectFrom('deliveries')
    .select(sql<number>`min(case when lease_until is not null and lease_until > next_attempt_at then lease_until else next_attempt_at end)`.as('at'))
    .where('status', '=', 'QUEUED')
    .executeTakeFirst();
  return row?.at == null ? undefined : Number(row.at);
}

export async function loadMessage(db: Kysely<Schema>, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export type Outcome =
  | { kind: 'SENT'; response: string }
  | { kind: 'DEFERRED'; response: string; retryAt: number }
  | { kind: 'BOUNCED'; response: string }
  | { kind: 'DROPPED'; response: string; reason: string };

/** A queued delivery as a claim, whoever holds it (to settle what a dead process left behind). */
export async function loadQueued(db: Kysely<Schema>, id: string): Promise<Claimed | undefined> {
  const r = await db
    .selectFrom('deliveries')
    .select(['id', 'account_id', 'message_id', 'campaign_id', 'recipient', 'attempts', 'give_up_at', 'created_at', 'pseudonym'])
    .where('id', '=', id)
    .where('status', '=', 'QUEUED')
    .executeTakeFirst();
  return r && { ...r, attempts: Number(r.attempts), give_up_at: Number(r.give_up_at), created_at: Number(r.created_at), campaign_id: r.campaign_id === null ? null : Number(r.campaign_id) };
}

/**
 * Records what happened to a claimed delivery, with its events, if `owner` still holds the lease
 * (`owner` null: whoever holds it — replaying a dead process's journal). Answers false when the
 * delivery was no longer ours to settle. Run it inside a transaction.
 */
export async function settle(trx: Kysely<Schema>, owner: string | null, d: Claimed, outcome: Outcome, extraEvents: NewEvent[] = []): Promise<boolean> {
  const now = Date.now();
  const attempt = d.attempts + 1;
  {
    let base = trx.updateTable('deliveries').where('id', '=', d.id).where('status', '=', 'QUEUED');
    if (owner !== null) base = base.where('lease_owner', '=', owner);
    const common = { attempts: attempt, last_response: outcome.response.slice(0, 1000), lease_owner: null, lease_until: null };
    const res =
      outcome.kind === 'DEFERRED'
        ? await base.set({ ...common, next_attempt_at: outcome.retryAt }).executeTakeFirst()
        : await base.set({ ...common, status: outcome.kind, sent_at: outcome.kind === 'SENT' ? now : null }).executeTakeFirst();
    if (!Number(res.numUpdatedRows)) return false;
    const event = (type: NewEvent['type'], details: Record<string, unknown>): NewEvent => ({
      accountId: d.account_id,
      type,
      recipient: d.pseudonym ?? d.recipient,
      campaignId: d.campaign_id,
      deliveryId: d.id,
      created: now,
      sentBy: { id: d.id, created: d.created_at },
      details,
    });
    const events: NewEvent[] = [];
    if (outcome.kind === 'SENT') events.push(event('SENT', {}), event('DELIVERED', { response: outcome.response, attempt }));
    if (outcome.kind === 'DEFERRED') events.push(event('DEFERRED', { response: outcome.response, attempt }));
    if (outcome.kind === 'BOUNCED') events.push(event('BOUNCE', { response: outcome.response, attempt, category: 'UNKNOWN_USER', status: outcome.response.slice(0, 3) }));
    if (outcome.kind === 'DROPPED') events.push(event('DROPPED', { dropReason: outcome.reason, dropMessage: outcome.response }));
    await recordEvents(trx, [...events, ...extraEvents]);
    if (outcome.kind !== 'DEFERRED') await forgetErasedRecipients(trx, d.message_id);
    return true;
  }
}

/**
 * An erased recipient's address is kept only while a copy of the message still has to go out: once
 * none is queued, it is written over in the message and its deliveries keep only the pseudonym.
 */
async function forgetErasedRecipients(trx: Kysely<Schema>, messageId: string): Promise<void> {
  const erased = await trx
    .selectFrom('deliveries')
    .select(['id', 'recipient', 'pseudonym', 'status'])
    .where('message_id', '=', messageId)
    .where((eb) => eb.or([eb('status', '=', 'QUEUED'), eb.and([eb('pseudonym', 'is not', null), eb('recipient', '!=', eb.ref('pseudonym'))])]))
    .execute();
  if (!erased.length || erased.some((r) => r.status === 'QUEUED')) return;
  const m = await trx.selectFrom('messages').select(['raw', 'subject']).where('id', '=', messageId).executeTakeFirst();
  if (m) {
    let raw: Buffer = Buffer.from(m.raw);
    let subject = m.subject;
    for (const r of erased) {
      raw = scrubBytes(raw, r.recipient.toLowerCase(), ERASED_REPLACEMENT);
      subject = subject === null ? null : scrubAddress(subject, r.recipient.toLowerCase(), ERASED_REPLACEMENT);
    }
    await trx.updateTable('messages').set({ raw, size: raw.length, subject }).where('id', '=', messageId).execute();
  }
  for (const r of erased) {
    await trx.updateTable('deliveries').set({ recipient: r.pseudonym! }).where('id', '=', r.id).execute();
    await trx.updateTable('send_statuses').set({ recipient: r.pseudonym! }).where('delivery_id', '=', r.id).execute();
  }
}

/** What a tracking hit on a delivery needs: its recipient, campaign, times, and the message's subject and sender. */
export async function deliveryForTracking(db: Kysely<Schema>, id: string) {
  return db
    .selectFrom('deliveries')
    .innerJoin('messages', 'messages.id', 'deliveries.message_id')
    .select(['deliveries.account_id', 'deliveries.recipient', 'deliveries.campaign_id', 'deliveries.sent_at', 'deliveries.created_at', 'messages.user_id', 'messages.token_id', 'messages.subject'])
    .where('deliveries.id', '=', id)
    .executeTakeFirst();
}
