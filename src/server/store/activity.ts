// The person's activity as the web app's Activity page lists it (docs/product.md §10): every open and
// click of their mail — one-to-one mail they tracked and sends they made —, counted or filtered, newest
// first, with the subject of the mail it belongs to and the contact's name.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

export interface ActivityRow {
  seq: number;
  id: string;
  type: string;
  recipient: string;
  created: number;
  filtered: number;
  details: string;
  email_id: string | null;
  subject: string | null;
  contact_name: string | null;
}

export async function listActivity(
  db: Kysely<Schema>,
  owner: { accountId: string; userId: string },
  f: { filteredOnly?: boolean; beforeSeq?: number; limit: number },
): Promise<ActivityRow[]> {
  let q = db
    .selectFrom('email_events as e')
    .leftJoin('tracked_emails as t', 't.id', 'e.tracked_email_id')
    .leftJoin('deliveries as d', 'd.id', 'e.delivery_id')
    .leftJoin('messages as m', 'm.id', 'd.message_id')
    .leftJoin('contacts as c', (join) => join.onRef('c.account_id', '=', 'e.account_id').onRef('c.email', '=', 'e.recipient'))
    .select(['e.seq', 'e.id', 'e.type', 'e.recipient', 'e.created', 'e.filtered', 'e.details', 'c.name as contact_name'])
    .select((eb) => [eb.fn.coalesce('e.tracked_email_id', 'e.delivery_id').as('email_id'), eb.fn.coalesce('t.subject', 'm.subject').as('subject')])
    .where('e.account_id', '=', owner.accountId)
    .where('e.user_id', '=', owner.userId)
    .where('e.type', 'in', ['OPEN', 'CLICK']);
  if (f.filteredOnly) q = q.where('e.filtered', '=', 1);
  if (f.beforeSeq !== undefined) q = q.where('e.seq', '<', f.beforeSeq);
  const rows = await q.orderBy('e.seq', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), created: Number(r.created), filtered: Number(r.filtered) }) as ActivityRow);
}
