// Erasure (docs/product.md §13; HubSpot's `POST /crm/v3/objects/contacts/gdpr-delete`; GDPR Art. 17):
// everything the account keeps of one address goes in one transaction (store/erasure.ts lists the
// steps), a keyed hash stays so later mail to it is neither logged nor tracked, and on SQLite the WAL is
// emptied into a file whose freed space is zeroed (secure_delete), so no copy is left on disk.
import type { Database } from '../db/index.js';
import { invalid, notFound } from '../errors.js';
import { getContact } from '../store/contacts.js';
import { eraseAddress } from '../store/erasure.js';
import { recordErased } from '../store/erased-addresses.js';
import { ERASED_REPLACEMENT, type ErasedAddresses } from './erased.js';

export interface ErasureDeps {
  database: Database;
  erased: ErasedAddresses;
  /** Tells every process and thread to drop what it caches of the account (hits read their mail afresh). */
  forgetAccount(accountId: string): Promise<void>;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface ErasureRequest {
  objectId: string;
  /** HubSpot's: absent (or `hs_object_id`) means `objectId` is the contact id; `email` means it is the address. */
  idProperty?: string;
}

/** Anything shaped like an address (non-ASCII too): erasure must reach addresses other rules refused. */
const ADDRESS_LIKE = /^[^\s@]+@[^\s@]+$/u;

/** A hit answered just before the erasure may still be on its way to the store: erase once more after it. */
const FOLLOW_UP_MS = 2000;

/** Erases the contact (or address) the request names; 404 for an unknown contact id. */
export async function eraseContact(deps: ErasureDeps, accountId: string, req: ErasureRequest): Promise<void> {
  const email = await addressOf(deps, accountId, req);
  const result = await eraseNow(deps, accountId, email);
  await deps.forgetAccount(accountId);
  deps.log.info({ steps: result }, 'address erased');
  // Hits and relays in flight read their mail before the commit; once they are through, the same
  // steps remove whatever they wrote. Best effort: the answer does not wait for it.
  setTimeout(() => void eraseNow(deps, accountId, email).catch((err) => deps.log.warn({ err }, 'erasure follow-up failed')), FOLLOW_UP_MS).unref();
}

async function addressOf(deps: ErasureDeps, accountId: string, req: ErasureRequest): Promise<string> {
  const property = req.idProperty ?? 'hs_object_id';
  if (property === 'email') {
    const email = req.objectId.trim().toLowerCase();
    if (email.length > 320 || !ADDRESS_LIKE.test(email)) throw invalid(`objectId ${JSON.stringify(req.objectId.slice(0, 100))} is not an email address; with idProperty "email" send the contact's address.`, 'objectId');
    return email;
  }
  if (property !== 'hs_object_id' && property !== 'id') throw invalid(`idProperty ${JSON.stringify(property)} is not supported: leave it out to name a contact by its id, or send "email".`, 'idProperty');
  const contact = await getContact(deps.database.db, accountId, req.objectId);
  if (!contact) throw notFound(`Contact ${req.objectId}`);
  return contact.email;
}

async function eraseNow(deps: ErasureDeps, accountId: string, email: string): Promise<Record<string, number>> {
  const hash = deps.erased.hash(accountId, email);
  const scope = { accountId, email, pseudonym: deps.erased.pseudonym(hash), replacement: ERASED_REPLACEMENT, suppressed: null };
  const result = await deps.database.db.transaction().execute(async (trx) => {
    const done = await eraseAddress(trx, scope);
    await recordErased(trx, accountId, hash, scope.suppressed);
    return done;
  });
  await deps.database.sync();
  if (!(await deps.database.checkpoint())) deps.log.warn({}, 'erased rows are still in the WAL until the next checkpoint (readers kept it busy)');
  return result;
}
