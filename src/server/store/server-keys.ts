// Keys the server makes for itself once and every process on one database shares: the tracking URL
// signing keys (when TRACKING_KEYS is not set), the VAPID keys of Web Push, and the key of erased
// addresses' hashes (lifecycle/erased.ts).
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

export type ServerKeyName = 'tracking_keys' | 'vapid' | 'erasure_key' | 'mailbox_secret_key';

/**
 * The stored value of key `name`, storing `candidate` first if there is none. Concurrent first starts
 * race on the insert; the one that lands wins and everybody reads it back.
 */
export async function getOrCreateServerKey(db: Kysely<Schema>, name: ServerKeyName, candidate: string): Promise<string> {
  await db
    .insertInto('server_keys')
    .values({ name, value: candidate, created_at: Date.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('server_keys').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}
