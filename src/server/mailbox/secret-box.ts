// Mailbox passwords and access tokens at rest: AES-256-GCM with a random 12-byte IV per secret, the
// key from SECRET_KEY or one generated once and kept in the database like the tracking keys (so
// every process on one database can read what another stored). Stored as base64(iv | tag | data).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { getOrCreateServerKey } from '../store/server-keys.js';

export class SecretBox {
  constructor(private readonly key: Buffer) {}

  static async load(db: Kysely<Schema>, configured: Buffer | undefined): Promise<SecretBox> {
    if (configured) return new SecretBox(configured);
    const stored = await getOrCreateServerKey(db, 'mailbox_secret_key', randomBytes(32).toString('base64'));
    return new SecretBox(Buffer.from(stored, 'base64'));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
  }

  /** Throws when the secret was sealed with another key (SECRET_KEY changed) or was altered. */
  open(sealed: string): string {
    const all = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, all.subarray(0, 12));
    decipher.setAuthTag(all.subarray(12, 28));
    return Buffer.concat([decipher.update(all.subarray(28)), decipher.final()]).toString('utf8');
  }
}
