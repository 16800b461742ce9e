// The keys that sign tracking URLs: TRACKING_KEYS when set (newest first), otherwise one key made
// on first start and kept in the database, so every process on one database signs alike.
import type { Kysely } from 'kysely';
import type { TrackingKey } from '../config.js';
import type { Schema } from '../db/schema.js';
import { newId, newSecret } from '../secrets.js';

const STORED = 'tracking_keys';

export async function loadTrackingKeys(db: Kysely<Schema>, configured: TrackingKey[] | undefined): Promise<TrackingKey[]> {
  if (configured?.length) return configured;
  const generated: TrackingKey[] = [{ id: newId(4), secret: newSecret(32) }];
  await db
    .insertInto('server_keys')
    .values({ name: STORED, value: JSON.stringify(generated), created_at: Date.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('server_keys').select('value').where('name', '=', STORED).executeTakeFirstOrThrow();
  return JSON.parse(row.value) as TrackingKey[];
}
