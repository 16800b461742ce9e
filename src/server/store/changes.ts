// Changes every process must apply at once (see notify/changes.ts): on PostgreSQL a NOTIFY carrying
// the change, delivered to every listening process when the transaction commits; on SQLite a row in
// `changes`, which each server process reads within half a second.
import type { Kysely } from 'kysely';
import type { Dialect } from '../db/index.js';
import type { Schema } from '../db/schema.js';

export const CHANGES_CHANNEL = 'mailbeacon_changes';

export interface ChangeRow {
  seq: number;
  origin: string;
  change: string;
}

/** Announces a change (JSON) to every process; inside a transaction, it goes out with the commit. */
export async function recordChange(db: Kysely<Schema>, dialect: Dialect, origin: string, change: string): Promise<void> {
  if (dialect === 'postgres') {
    await db.selectNoFrom((eb) => eb.fn('pg_notify', [eb.val(CHANGES_CHANNEL), eb.val(JSON.stringify({ origin, change }))]).as('n')).execute();
  } else {
    await db.insertInto('changes').values({ origin, change, at: Date.now() }).execute();
  }
}

/** The newest change's number (0 when there is none): a process starting up reads from there on. */
export async function lastChangeSeq(db: Kysely<Schema>): Promise<number> {
  const row = await db.selectFrom('changes').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirst();
  return Number(row?.max ?? 0);
}

/** Changes recorded after `seq`, oldest first. */
export async function changesAfter(db: Kysely<Schema>, seq: number, limit = 1000): Promise<ChangeRow[]> {
  const rows = await db.selectFrom('changes').select(['seq', 'origin', 'change']).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
  return rows.map((r) => ({ seq: Number(r.seq), origin: r.origin, change: r.change }));
}

/** Deletes changes recorded before `before` (every process has read them long since). */
export async function pruneChanges(db: Kysely<Schema>, before: number): Promise<void> {
  await db.deleteFrom('changes').where('at', '<', before).execute();
}
