// The API rate limit's shared counters (PostgreSQL, several processes): requests per account per
// second, summed over the last ten seconds (HubSpot's TEN_SECONDLY_ROLLING).
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

export interface Bucket {
  second: number;
  count: number;
}

/** Counts one request in `second`; answers the account's buckets after `since` (this one included). */
export async function countRequest(db: Kysely<Schema>, accountId: string, second: number, since: number): Promise<Bucket[]> {
  await db
    .insertInto('rate_windows')
    .values({ account_id: accountId, second, count: 1 })
    .onConflict((oc) => oc.columns(['account_id', 'second']).doUpdateSet((eb) => ({ count: eb('rate_windows.count', '+', 1) })))
    .execute();
  const rows = await db.selectFrom('rate_windows').select(['second', 'count']).where('account_id', '=', accountId).where('second', '>', since).execute();
  return rows.map((r) => ({ second: Number(r.second), count: Number(r.count) }));
}

/** Takes back a request that was refused: refused requests do not count against the window. */
export async function uncountRequest(db: Kysely<Schema>, accountId: string, second: number): Promise<void> {
  await db
    .updateTable('rate_windows')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('account_id', '=', accountId)
    .where('second', '=', second)
    .execute();
}

/** Forgets windows that can no longer count. */
export async function dropWindowsBefore(db: Kysely<Schema>, second: number): Promise<void> {
  await db.deleteFrom('rate_windows').where('second', '<', second).execute();
}
