// Email events (HubSpot's Email Events API): what happened to each copy, in order. Type-specific
// fields live in `details` (JSON) so every type fits one table.
import { sortableId } from '../secrets.js';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { EmailEventsTable, Schema } from '../db/schema.js';
import type { CampaignCounters, EmailEvent, EmailEventType } from '../../shared/hubspot.js';

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
  const rows = await db
    .selectFrom('email_events')
    .select(['type', 'filtered', sql<number>`count(*)`.as('total'), sql<number>`count(distinct recipient)`.as('uniq')])
    .where('account_id', '=', accountId)
    .where('campaign_id', '=', campaignId)
    .groupBy(['type', 'filtered'])
    .execute();
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
