// Sending domains and their DKIM keys (`mailbeacon domain add`), shared by every process. Each belongs
// to one account (queue/domain-owner.ts says what that allows).
import type { Kysely, Selectable } from 'kysely';
import type { Schema, SendingDomainsTable } from '../db/schema.js';

export type SendingDomain = Selectable<SendingDomainsTable>;

/**
 * Adds the domain for `account_id`, or gives it a new key if that account already owns it (or nobody
 * does). Answers the owning account's id when another account has it, and changes nothing then.
 */
export async function addSendingDomain(db: Kysely<Schema>, d: Omit<SendingDomain, 'created_at' | 'account_id'> & { account_id: string }): Promise<{ ownedBy?: string }> {
  return db.transaction().execute(async (trx) => {
    const existing = await getSendingDomain(trx, d.domain);
    if (existing?.account_id && existing.account_id !== d.account_id) return { ownedBy: existing.account_id };
    // The update applies only to a domain this account (or nobody) owns: when another account's insert
    // won a race after the check above, nothing changes hands and no row comes back.
    const written = await trx
      .insertInto('sending_domains')
      .values({ ...d, created_at: Date.now() })
      .onConflict((oc) =>
        oc
          .column('domain')
          .doUpdateSet({ selector: d.selector, private_key: d.private_key, public_key: d.public_key, account_id: d.account_id })
          .where((eb) => eb.or([eb('sending_domains.account_id', '=', d.account_id), eb('sending_domains.account_id', 'is', null)])),
      )
      .returning('account_id')
      .executeTakeFirst();
    if (!written) return { ownedBy: (await getSendingDomain(trx, d.domain))?.account_id ?? 'another account' };
    return {};
  });
}

export async function getSendingDomain(db: Kysely<Schema>, domain: string): Promise<SendingDomain | undefined> {
  return db.selectFrom('sending_domains').selectAll().where('domain', '=', domain.toLowerCase()).executeTakeFirst();
}

/** The owned domains among `names` (exact names, lower-cased), with their owners. */
export async function ownersOf(db: Kysely<Schema>, names: string[]): Promise<Array<{ domain: string; account_id: string | null }>> {
  if (!names.length) return [];
  return db.selectFrom('sending_domains').select(['domain', 'account_id']).where('domain', 'in', names).execute();
}

/** Owned domains below `domain` (`mail.acme.com` under `acme.com`). */
export async function ownedBelow(db: Kysely<Schema>, domain: string): Promise<Array<{ domain: string; account_id: string | null }>> {
  return db.selectFrom('sending_domains').select(['domain', 'account_id']).where('domain', 'like', `%.${domain.toLowerCase()}`).execute();
}

export async function listSendingDomains(db: Kysely<Schema>, accountId?: string): Promise<Array<SendingDomain & { account_name: string | null }>> {
  let q = db.selectFrom('sending_domains').leftJoin('accounts', 'accounts.id', 'sending_domains.account_id').selectAll('sending_domains').select('accounts.name as account_name');
  if (accountId) q = q.where('sending_domains.account_id', '=', accountId);
  return q.orderBy('sending_domains.domain').execute();
}

/** Removes the domain (only when `accountId` owns it, if given); false when there was none to remove. */
export async function removeSendingDomain(db: Kysely<Schema>, domain: string, accountId?: string): Promise<boolean> {
  let q = db.deleteFrom('sending_domains').where('domain', '=', domain.toLowerCase());
  if (accountId !== undefined) q = q.where('account_id', '=', accountId);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
