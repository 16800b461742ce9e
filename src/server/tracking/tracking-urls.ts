// Tracking URLs: the signer of their tokens and, per account, the base they start with
// (PUBLIC_URL, or the account's custom tracking domain with PUBLIC_URL's scheme). Not to be confused
// with mail-context.ts, what one hit needs to know about the mail it belongs to.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { TrackingSigner } from './tokens.js';
import { getAccountSettings } from '../store/settings.js';
import type { TrackingKey } from '../config.js';

// A safety net only: a change reaches every process's copy within a second (notify/changes.ts).
const CACHE_MS = 10_000;

export class TrackingUrls {
  readonly signer: TrackingSigner;
  private bases = new Map<string, { at: number; base: string }>();
  /** Bumped by every forget: a read that began before one is not kept (it may hold the old value). */
  private generation = 0;

  constructor(
    private readonly db: Kysely<Schema>,
    keys: TrackingKey[],
    private readonly publicUrl: string,
  ) {
    this.signer = new TrackingSigner(keys);
  }

  /** The account's settings changed (or, with no account, anything may have): read them again. */
  forget(accountId?: string): void {
    this.generation++;
    if (accountId === undefined) this.bases.clear();
    else this.bases.delete(accountId);
  }

  async baseFor(accountId: string): Promise<string> {
    const hit = this.bases.get(accountId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.base;
    const generation = this.generation;
    const { trackingDomain } = await getAccountSettings(this.db, accountId);
    const base = trackingDomain ? `${new URL(this.publicUrl).protocol}//${trackingDomain}` : this.publicUrl;
    if (generation === this.generation) this.bases.set(accountId, { at: Date.now(), base });
    return base;
  }
}
