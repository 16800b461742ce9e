// The account's sent messages as the web app lists them (docs/product.md §10): one row per recipient's
// copy (a delivery) of mail sent with an SMTP token or single send, newest first, with what the relay
// last said and the events of that copy. One-to-one mail from the add-in is not listed (it is not
// relayed by us). Read-only: the queue (queue.ts) writes these rows.
import type { Kysely, Selectable } from 'kysely';
import type { EmailEventsTable, Schema } from '../db/schema.js';
import type { MessageStatus } from '../../shared/api.js';

export interface MessageListRow {
  id: string;
  source: 'SMTP' | 'API';
  mail_from: string;
  recipient: string;
  subject: string | null;
  status: 'QUEUED' | 'SENT' | 'BOUNCED' | 'DROPPED';
  attempts: number;
  last_response: string | null;
  created_at: number;
  sent_at: number | null;
  next_attempt_at: number;
  campaign_id: number | null;
  token_id: string | null;
}

export interface MessageFilter {
  status?: MessageStatus;
  /** Exact recipient address (case-insensitive). */
  recipient?: string;
  /** Rows older than this position (the previous page's last row). */
  before?: { createdAt: number; id: string };
  limit: number;
}

function selectMessages(db: Kysely<Schema>, accountId: string) {
  return db
    .selectFrom('deliveries')
    .innerJoin('messages', 'messages.id', 'deliveries.message_id')
    .select([
      'deliveries.id',
      'messages.source',
      'messages.mail_from',
      'deliveries.recipient',
      'messages.subject',
      'deliveries.status',
      'deliveries.attempts',
      'deliveries.last_response',
      'deliveries.created_at',
      'deliveries.sent_at',
      'deliveries.next_attempt_at',
      'deliveries.campaign_id',
      'messages.token_id',
    ])
    .where('deliveries.account_id', '=', accountId)
    .where('messages.source', 'in', ['SMTP', 'API']);
}

const toRow = (r: Record<string, unknown>): MessageListRow =>
  ({
    ...r,
    attempts: Number(r.attempts),
    created_at: Number(r.created_at),
    sent_at: r.sent_at === null ? null : Number(r.sent_at),
    next_attempt_at: Number(r.next_attempt_at),
    campaign_id: r.campaign_id === null ? null : Number(r.campaign_id),
  }) as MessageListRow;

/** Newest first; reads `limit` rows (ask for one more to know whether another page follows). */
export async function listMessages(db: Kysely<Schema>, accountId: string, f: MessageFilter): Promise<MessageListRow[]> {
  let q = selectMessages(db, accountId);
  // A deferred copy is still queued, with attempts behind it; a queued one has none yet.
  if (f.status === 'QUEUED') q = q.where('deliveries.status', '=', 'QUEUED').where('deliveries.attempts', '=', 0);
  if (f.status === 'DEFERRED') q = q.where('deliveries.status', '=', 'QUEUED').where('deliveries.attempts', '>', 0);
  if (f.status === 'SENT' || f.status === 'DROPPED') q = q.where('deliveries.status', '=', f.status);
  if (f.status === 'BOUNCE') q = q.where('deliveries.status', '=', 'BOUNCED');
  if (f.recipient !== undefined) q = q.where('deliveries.recipient', '=', f.recipient.trim().toLowerCase());
  if (f.before) {
    const { createdAt, id } = f.before;
    q = q.where((eb) => eb.or([eb('deliveries.created_at', '<', createdAt), eb.and([eb('deliveries.created_at', '=', createdAt), eb('deliveries.id', '<', id)])]));
  }
  const rows = await q.orderBy('deliveries.created_at', 'desc').orderBy('deliveries.id', 'desc').limit(f.limit).execute();
  return rows.map(toRow);
}

/** One copy of the account's mail, or undefined (another account's id too). */
export async function getMessage(db: Kysely<Schema>, accountId: string, id: string): Promise<MessageListRow | undefined> {
  const row = await selectMessages(db, accountId).where('deliveries.id', '=', id).executeTakeFirst();
  return row && toRow(row);
}

/** The events of one copy, oldest first. */
export async function eventsOfDelivery(db: Kysely<Schema>, accountId: string, deliveryId: string): Promise<Array<Selectable<EmailEventsTable>>> {
  return db.selectFrom('email_events').selectAll().where('account_id', '=', accountId).where('delivery_id', '=', deliveryId).orderBy('seq').limit(1000).execute();
}
