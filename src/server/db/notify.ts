// PostgreSQL's NOTIFY, for telling every process's LISTEN connection that something changed (the
// listeners then read what changed from the tables; the payload stays empty).
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export async function pgNotify(db: Kysely<Schema>, channel: string, payload = ''): Promise<void> {
  await db.executeQuery(db.selectNoFrom((eb) => eb.fn('pg_notify', [eb.val(channel), eb.val(payload)]).as('n')).compile());
}
