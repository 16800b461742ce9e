// Send statuses of the single-send API: one row per request. A request that queues an email claims
// its sendId with the row (unique per account), so concurrent repeats cannot both send.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Schema, SendStatusesTable } from '../db/schema.js';

export type SendStatusRow = Selectable<SendStatusesTable>;
export type NewSendStatus = Insertable<SendStatusesTable>;

export async function insertStatus(db: Kysely<Schema>, row: NewSendStatus): Promise<void> {
  await db.insertInto('send_statuses').values(row).execute();
}

/** Inserts the row unless its sendId is taken in the account; true when this row won the sendId. */
export async function claimSendId(db: Kysely<Schema>, row: NewSendStatus): Promise<boolean> {
  const won = await db
    .insertInto('send_statuses')
    .values(row)
    .onConflict((oc) => oc.columns(['account_id', 'send_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return won !== undefined;
}

export async function findBySendId(db: Kysely<Schema>, accountId: string, sendId: string): Promise<SendStatusRow | undefined> {
  return db.selectFrom('send_statuses').selectAll().where('account_id', '=', accountId).where('send_id', '=', sendId).executeTakeFirst();
}

export async function getStatus(db: Kysely<Schema>, accountId: string, id: string): Promise<SendStatusRow | undefined> {
  return db.selectFrom('send_statuses').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

/** Emails queued to `recipient` by single send since `since` (the per-recipient send limit). */
export async function countQueuedTo(db: Kysely<Schema>, accountId: string, recipient: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('send_statuses')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('recipient', '=', recipient)
    .where('requested_at', '>=', since)
    .where('queued', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface StatusProgress {
  status: 'PROCESSING' | 'COMPLETE';
  sendResult: string | null;
  message: string | null;
  startedAt: number;
  completedAt: number | null;
  eventId: string | null;
  eventCreated: number | null;
}

/** Moves a status forward (never back, never out of COMPLETE) for its To delivery. */
export async function advanceStatus(
  db: Kysely<Schema>,
  target: { statusId: string; accountId: string; recipient: string; messageId: string; deliveryId: string },
  p: StatusProgress,
): Promise<void> {
  let q = db
    .updateTable('send_statuses')
    .set((eb) => ({
      status: p.status,
      send_result: p.sendResult,
      message: p.message,
      started_at: eb.fn.coalesce('started_at', eb.val(p.startedAt)),
      completed_at: p.completedAt,
      event_id: p.eventId,
      event_created: p.eventCreated,
      message_id: target.messageId,
      delivery_id: target.deliveryId,
    }))
    .where('id', '=', target.statusId)
    .where('account_id', '=', target.accountId)
    .where('recipient', '=', target.recipient)
    .where('status', '<>', 'COMPLETE');
  if (p.status === 'PROCESSING') q = q.where('status', '<>', 'PROCESSING');
  await q.execute();
}

/** Whether a relay slot holds the queued delivery now (its lease is live). */
export async function deliveryTaken(db: Kysely<Schema>, deliveryId: string, now: number): Promise<boolean> {
  const row = await db.selectFrom('deliveries').select('lease_until').where('id', '=', deliveryId).where('status', '=', 'QUEUED').executeTakeFirst();
  return row !== undefined && row.lease_until !== null && Number(row.lease_until) > now;
}

export interface DeliveryEvent {
  id: string;
  type: string;
  created: number;
  details: Record<string, unknown>;
}

/** What the queue recorded for these deliveries so far (attempts and outcome), oldest first, by delivery. */
export async function deliveryEvents(db: Kysely<Schema>, deliveryIds: string[]): Promise<Map<string, DeliveryEvent[]>> {
  const byDelivery = new Map<string, DeliveryEvent[]>();
  if (!deliveryIds.length) return byDelivery;
  const rows = await db
    .selectFrom('email_events')
    .select(['id', 'type', 'created', 'details', 'delivery_id'])
    .where('delivery_id', 'in', deliveryIds)
    .where('type', 'in', ['DEFERRED', 'SENT', 'BOUNCE', 'DROPPED'])
    .orderBy('seq')
    .execute();
  for (const r of rows) {
    const list = byDelivery.get(r.delivery_id!) ?? [];
    list.push({ id: r.id, type: r.type, created: Number(r.created), details: JSON.parse(r.details) as Record<string, unknown> });
    byDelivery.set(r.delivery_id!, list);
  }
  return byDelivery;
}
