// The keys that sign tracking URLs: TRACKING_KEYS when set (newest first), otherwise one key made
// on first start and kept in the database, so every process on one database signs alike.
import type { Kysely } from 'kysely';
import type { TrackingKey } from '../config.js';
import type { Schema } from '../db/schema.js';
import { newId, newSecret } from '../secrets.js';
import { getOrCreateServerKey } from '../store/server-keys.js';

export async function loadTrackingKeys(db: Kysely<Schema>, configured: TrackingKey[] | undefined): Promise<TrackingKey[]> {
  if (configured?.length) return configured;
  const generated: TrackingKey[] = [{ id: newId(4), secret: newSecret(32) }];
  return JSON.parse(await getOrCreateServerKey(db, 'tracking_keys', JSON.stringify(generated))) as TrackingKey[];
}
