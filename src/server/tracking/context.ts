// What tracking needs from the rest of the server: the signer and, per account, the base of its
// tracking URLs (PUBLIC_URL, or the account's custom tracking domain with PUBLIC_URL's scheme).
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { TrackingSigner } from './tokens.js';
import { getAccountSettings } from '../store/settings.js';
import type { TrackingKey } from '../config.js';

// Other processes see a changed tracking domain within this long; the one that saved it at once.
const CACHE_MS = 10_000;

export class TrackingContext {
  readonly signer: TrackingSigner;
  private bases = new Map<string, { at: number; base: string }>();
  private listeners: Array<(accountId: string) => void> = [];

  constructor(
    private readonly db: Kysely<Schema>,
    keys: TrackingKey[],
    private readonly publicUrl: string,
  ) {
    this.signer = new TrackingSigner(keys);
  }

  /** Drops the cached base here and in every context that asked to follow this one (the background thread). */
  forget(accountId: string): void {
    this.bases.delete(accountId);
    for (const listener of this.listeners) listener(accountId);
  }

  onForget(listener: (accountId: string) => void): void {
    this.listeners.push(listener);
  }

  async baseFor(accountId: string): Promise<string> {
    const hit = this.bases.get(accountId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.base;
    const { trackingDomain } = await getAccountSettings(this.db, accountId);
    const base = trackingDomain ? `${new URL(this.publicUrl).protocol}//${trackingDomain}` : this.publicUrl;
    this.bases.set(accountId, { at: Date.now(), base });
    return base;
  }
}
