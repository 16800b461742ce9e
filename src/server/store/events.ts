// Email events (HubSpot's Email Events API): what happened to each copy, in order. Type-specific
// fields live in `details` (JSON) so every type fits one table.
import { sortableId } from '../secrets.js';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { EmailEventsTable, Schema } from '../db/schema.js';
import type { CampaignCounters, EmailEvent, EmailEventType } from '../../shared/hubspot.js';
import { enqueueEmailEvents, hasWebhooks } from './webhooks.js';
import { inFixedRuns } from './fixed-runs.js';

export interface NewEvent {
  accountId: string;
  type: EmailEventType;
  recipient: string;
  campaignId: number | null;
  deliveryId: string | null;
  created?: number;
  /** The copy the event belongs to (HubSpot's `sentBy`): the delivery id and when it was accepted. */
  sentBy: { id: string; created: number };
  filtered?: boolean;
  details?: Record<string, unknown>;
}

export async function recordEvents(db: Kysely<Schema>, events: NewEvent[]): Promise<string[]> {
  if (!events.length) return [];
  const now = Date.now();
  const rows = events.map((e) => ({
    id: sortableId(),
    account_id: e.accountId,
    type: e.type,
    recipient: e.recipient.toLowerCase(),
    campaign_id: e.campaignId,
    delivery_id: e.deliveryId,
    created: e.created ?? now,
    sent_by_id: e.sentBy.id,
    sent_by_created: e.sentBy.created,
    filtered: e.filtered ? 1 : 0,
    details: JSON.stringify(e.details ?? {}),
  }));
  // Large batches are split so one statement stays under the engines' parameter limits.
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('email_events').values(rows.slice(i, i + 500)).execute();
  // Webhooks for these events commit with them (store/webhooks.ts).
  await enqueueEmailEvents(db, rows);
  return rows.map((r) => r.id);
}

export interface EventFilter {
  recipient?: string;
  campaignId?: number;
  eventType?: EmailEventType;
  startTimestamp?: number;
  endTimestamp?: number;
  /** Events older than this position (the `offset` of the previous page). */
  beforeSeq?: number;
  limit: number;
  excludeFiltered?: boolean;
}

/** Newest first; one more than `limit` is read to know whether there is more. */
export async function listEvents(db: Kysely<Schema>, accountId: string, f: EventFilter): Promise<{ events: Array<Selectable<EmailEventsTable>>; hasMore: boolean }> {
  let q = db.selectFrom('email_events').selectAll().where('account_id', '=', accountId);
  if (f.recipient) q = q.where('recipient', '=', f.recipient.toLowerCase());
  if (f.campaignId !== undefined) q = q.where('campaign_id', '=', f.campaignId);
  if (f.eventType) q = q.where('type', '=', f.eventType);
  if (f.startTimestamp !== undefined) q = q.where('created', '>=', f.startTimestamp);
  if (f.endTimestamp !== undefined) q = q.where('created', '<=', f.endTimestamp);
  if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
  if (f.excludeFiltered) q = q.where('filtered', '=', 0);
  const rows = await q.orderBy('seq', 'desc').limit(f.limit + 1).execute();
  return { events: rows.slice(0, f.limit), hasMore: rows.length > f.limit };
}

export function toEmailEvent(r: Selectable<EmailEventsTable>): EmailEvent {
  const d = JSON.parse(r.details) as Record<string, unknown>;
  return {
    id: r.id,
    type: r.type as EmailEventType,
    recipient: r.recipient,
    emailCampaignId: r.campaign_id === null ? null : String(r.campaign_id),
    created: Number(r.created),
    sentBy: { id: r.sent_by_id, created: Number(r.sent_by_created) },
    filteredEvent: !!r.filtered,
    ...d,
  } as EmailEvent;
}

const COUNTERS: Record<string, keyof CampaignCounters> = {
  PROCESSED: 'processed',
  SENT: 'sent',
  DELIVERED: 'delivered',
  DEFERRED: 'deferred',
  BOUNCE: 'bounce',
  DROPPED: 'dropped',
  OPEN: 'open',
  CLICK: 'click',
  SPAMREPORT: 'spamreport',
};

const zero = (): CampaignCounters => ({ processed: 0, sent: 0, delivered: 0, deferred: 0, bounce: 0, dropped: 0, open: 0, click: 0, spamreport: 0 });

/** Counts of a campaign: counted events, unique recipients for opens and clicks, and filtered ones apart. */
export async function campaignCounters(db: Kysely<Schema>, accountId: string, campaignId: number) {
  // Events past retention or of erased addresses live on as rollups (store/retention.ts): counted with the rest.
  const { rows } = await sql<{ type: string; filtered: number; total: number; uniq: number }>`
    select type, filtered, sum(total) as total, count(distinct recipient) as uniq from (
      select type, filtered, recipient, count(*) as total from email_events
        where account_id = ${accountId} and campaign_id = ${campaignId} group by type, filtered, recipient
      union all
      select type, filtered, recipient, total from event_rollups
        where account_id = ${accountId} and campaign_id = ${campaignId}
    ) counted group by type, filtered`.execute(db);
  const counters = zero();
  const uniqueCounters = { open: 0, click: 0 };
  const filteredCounters = { open: 0, click: 0 };
  for (const r of rows) {
    const key = COUNTERS[r.type];
    if (!key) continue;
    if (r.filtered) {
      if (key === 'open' || key === 'click') filteredCounters[key] += Number(r.total);
      continue;
    }
    counters[key] += Number(r.total);
    if (key === 'open' || key === 'click') uniqueCounters[key] += Number(r.uniq);
  }
  return { counters, uniqueCounters, filteredCounters };
}

// ---- tracking hits (written by tracking/hit-store.ts on the background thread) ----

export type TrackingEventRow = Omit<Selectable<EmailEventsTable>, 'seq'>;

/** Which copy's events: one delivery's (SMTP, single send) or one tracked one-to-one email's. */
export type EventScope = { accountId: string; deliveryId: string | null; trackedEmailId: string | null };

/** Inserts hit events; an id already stored (a replayed journal line) is skipped. Answers the ids inserted. */
export async function insertTrackingEvents(db: Kysely<Schema>, rows: TrackingEventRow[]): Promise<string[]> {
  const inserted = await inFixedRuns(rows, (run) => db.insertInto('email_events').values(run).onConflict((oc) => oc.column('id').doNothing()).returning('id').execute());
  return inserted.map((r) => r.id);
}

/**
 * Queues the webhooks of these (just stored) events of these accounts as they stand now, verdict
 * corrections included. Accounts without a webhook cost one small query, not a read of every event.
 */
export async function enqueueWebhooksOfEvents(db: Kysely<Schema>, ids: string[], accountIds: string[]): Promise<void> {
  if (!ids.length || !(await hasWebhooks(db, accountIds))) return;
  const rows = await db
    .selectFrom('email_events')
    .select(['id', 'account_id', 'type', 'recipient', 'campaign_id', 'delivery_id', 'tracked_email_id', 'created', 'filtered', 'details'])
    .where('id', 'in', ids)
    .execute();
  await enqueueEmailEvents(db, rows.map((r) => ({ ...r, campaign_id: r.campaign_id === null ? null : Number(r.campaign_id), created: Number(r.created), filtered: Number(r.filtered) })));
}

function scopedEvents(db: Kysely<Schema>, s: EventScope) {
  const q = db.selectFrom('email_events').where('account_id', '=', s.accountId);
  return s.deliveryId ? q.where('delivery_id', '=', s.deliveryId) : q.where('tracked_email_id', '=', s.trackedEmailId);
}

export async function hasCountedOpen(db: Kysely<Schema>, s: EventScope): Promise<boolean> {
  return !!(await scopedEvents(db, s).select('id').where('type', '=', 'OPEN').where('filtered', '=', 0).executeTakeFirst());
}

/** The copy's clicks since `since`, with their details (JSON). */
export async function clicksSince(db: Kysely<Schema>, s: EventScope, since: number) {
  return scopedEvents(db, s).select(['id', 'created', 'link_index', 'details']).where('type', '=', 'CLICK').where('created', '>=', since).execute();
}

/** Opens and clicks of a tracked one-to-one email between two times, with their details. */
export async function trackedHitsBetween(db: Kysely<Schema>, trackedEmailId: string, from: number, to: number) {
  return db
    .selectFrom('email_events')
    .select(['id', 'details'])
    .where('tracked_email_id', '=', trackedEmailId)
    .where('type', 'in', ['OPEN', 'CLICK'])
    .where('created', '>=', from)
    .where('created', '<=', to)
    .execute();
}

export async function eventDetails(db: Kysely<Schema>, ids: string[]) {
  return ids.length ? db.selectFrom('email_events').select(['id', 'details']).where('id', 'in', ids).execute() : [];
}

/** A corrected verdict: the event no longer counts, with details saying why. */
export async function markEventFiltered(db: Kysely<Schema>, id: string, details: Record<string, unknown>): Promise<void> {
  await db.updateTable('email_events').set({ filtered: 1, details: JSON.stringify(details) }).where('id', '=', id).execute();
}
