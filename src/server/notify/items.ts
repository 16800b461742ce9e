// A stored notification as the API and the live feed show it.
import type { Selectable } from 'kysely';
import type { NotificationsTable } from '../db/schema.js';
import type { Delivered } from './hub.js';

export function toItem(r: Selectable<NotificationsTable>): Delivered {
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
