// VAPID keys for Web Push: generated once into DATA_DIR/vapid.json and kept in the database too,
// so every process on one database signs pushes with the same key the browsers subscribed with.
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import webpush from 'web-push';
import type { Schema } from '../db/schema.js';
import { getOrCreateServerKey } from '../store/server-keys.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export async function loadVapidKeys(db: Kysely<Schema>, dataDir: string): Promise<VapidKeys> {
  const file = path.join(dataDir, 'vapid.json');
  const local = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as VapidKeys) : undefined;
  const candidate = local ?? webpush.generateVAPIDKeys();
  const keys = JSON.parse(await getOrCreateServerKey(db, 'vapid', JSON.stringify(candidate))) as VapidKeys;
  if (!local || local.publicKey !== keys.publicKey) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  }
  return keys;
}
