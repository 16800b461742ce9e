// Erased addresses (docs/product.md §13): only a keyed hash of each, never the address, so that later
// mail to it is recognised — delivered, but neither logged, tracked nor made a contact — and a hard
// bounce it had stays suppressed. The hash and its key are the domain's (lifecycle/erased.ts).
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/** Records the hash (again: keeps the first record, adds a suppression it lacked). */
export async function recordErased(db: Kysely<Schema>, accountId: string, hash: string, suppressed: string | null): Promise<void> {
  await db
    .insertInto('erased_addresses')
    .values({ account_id: accountId, hash, suppressed, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['account_id', 'hash']).doUpdateSet((eb) => ({ suppressed: eb.fn.coalesce('erased_addresses.suppressed', 'excluded.suppressed') })))
    .execute();
}

/** Which of these hashes are erased in the account, each with its kept suppression (or null). */
export async function erasedAmong(db: Kysely<Schema>, accountId: string, hashes: string[]): Promise<Map<string, string | null>> {
  if (!hashes.length) return new Map();
  const rows = await db.selectFrom('erased_addresses').select(['hash', 'suppressed']).where('account_id', '=', accountId).where('hash', 'in', [...new Set(hashes)]).execute();
  return new Map(rows.map((r) => [r.hash, r.suppressed]));
}
