// Recognising erased addresses (docs/product.md §13) without keeping them: an HMAC of the account and
// the lower-cased address under a key made once per database (store/server-keys.ts). Mail to such an
// address is still delivered, but it is not tracked, logged or made a contact, and its events name a
// pseudonym derived from the same hash, so campaign counters stay right without the address.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { keyedHash, newSecret } from '../secrets.js';
import { erasedAmong } from '../store/erased-addresses.js';
import { getOrCreateServerKey } from '../store/server-keys.js';

export { ERASED_REPLACEMENT } from '../store/erasure.js';

export class ErasedAddresses {
  private constructor(private readonly key: string) {}

  static async load(db: Kysely<Schema>): Promise<ErasedAddresses> {
    return new ErasedAddresses(await getOrCreateServerKey(db, 'erasure_key', newSecret(32)));
  }

  hash(accountId: string, email: string): string {
    return keyedHash(this.key, `${accountId}\n${email.trim().toLowerCase()}`);
  }

  /** What events and counters say instead of the address. */
  pseudonym(hash: string): string {
    return `erased:${hash.slice(0, 24)}`;
  }

  /** The erased addresses among `emails` (lower-cased), each with its pseudonym and kept suppression. */
  async among(db: Kysely<Schema>, accountId: string, emails: string[]): Promise<Map<string, { pseudonym: string; suppressed: string | null }>> {
    const byHash = new Map(emails.map((e) => [this.hash(accountId, e), e.trim().toLowerCase()]));
    const found = await erasedAmong(db, accountId, [...byHash.keys()]);
    return new Map([...found].map(([hash, suppressed]) => [byHash.get(hash)!, { pseudonym: this.pseudonym(hash), suppressed }]));
  }
}
