// Sending domains and their DKIM keys (`mailbeacon domain add`), shared by every process.
import type { Kysely, Selectable } from 'kysely';
import type { Schema, SendingDomainsTable } from '../db/schema.js';

export type SendingDomain = Selectable<SendingDomainsTable>;

export async function addSendingDomain(db: Kysely<Schema>, d: Omit<SendingDomain, 'created_at'>): Promise<void> {
  await db
    .insertInto('sending_domains')
    .values({ ...d, created_at: Date.now() })
    .onConflict((oc) => oc.column('domain').doUpdateSet({ selector: d.selector, private_key: d.private_key, public_key: d.public_key }))
    .execute();
}

export async function getSendingDomain(db: Kysely<Schema>, domain: string): Promise<SendingDomain | undefined> {
  return db.selectFrom('sending_domains').selectAll().where('domain', '=', domain.toLowerCase()).executeTakeFirst();
}

export async function listSendingDomains(db: Kysely<Schema>): Promise<SendingDomain[]> {
  return db.selectFrom('sending_domains').selectAll().orderBy('domain').execute();
}

export async function removeSendingDomain(db: Kysely<Schema>, domain: string): Promise<boolean> {
  const res = await db.deleteFrom('sending_domains').where('domain', '=', domain.toLowerCase()).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
