// Contacts: one per address per account (addresses are compared lower-cased).
import type { Kysely, Selectable } from 'kysely';
import type { ContactsTable, Schema } from '../db/schema.js';
import { newId } from '../secrets.js';
import { contains } from './search.js';
import { enqueueWebhookEvents } from './webhooks.js';

export type ContactRow = Selectable<ContactsTable>;

/** The legal bases a contact may carry (GDPR Art. 6(1)); null means none recorded. */
export { LEGAL_BASES } from '../../shared/api.js';
export const MAX_PROPERTIES = 200;

export class TooManyProperties extends Error {}

/** Creates a contact for each address that has none yet; answers the addresses that were created. */
export async function ensureContacts(db: Kysely<Schema>, accountId: string, emails: string[]): Promise<string[]> {
  const wanted = [...new Set(emails.map((e) => e.toLowerCase()))];
  if (!wanted.length) return [];
  const existing = new Set(
    (await db.selectFrom('contacts').select('email').where('account_id', '=', accountId).where('email', 'in', wanted).execute()).map((r) => r.email),
  );
  const missing = wanted.filter((e) => !existing.has(e));
  if (!missing.length) return [];
  const now = Date.now();
  // `returning` names only the rows this call inserted: a concurrent creator's are not ours.
  const inserted = await db
    .insertInto('contacts')
    .values(missing.map((email) => ({ id: newId(), account_id: accountId, email, name: null, properties: '{}', legal_basis: null, created_at: now, updated_at: now })))
    .onConflict((oc) => oc.columns(['account_id', 'email']).doNothing())
    .returning(['id', 'email'])
    .execute();
  await enqueueWebhookEvents(db, accountId, inserted.map((r) => createdEvent({ id: r.id, email: r.email, name: null, created_at: now })));
  return inserted.map((r) => r.email);
}

/**
 * Writes properties onto the address's contact, other properties kept; creates the contact with them
 * when there is none (`known` is the row the caller already read, if any). A contact created meanwhile
 * by someone else gets the properties too.
 */
export async function mergeContactProperties(db: Kysely<Schema>, accountId: string, email: string, known: ContactRow | undefined, properties: Record<string, string>): Promise<void> {
  let id = known?.id;
  if (!id) {
    const created = await createContact(db, accountId, { email, properties });
    if ('created' in created) return;
    id = created.existingId;
  }
  await updateContact(db, accountId, id, { properties });
}

export async function getContact(db: Kysely<Schema>, accountId: string, id: string): Promise<ContactRow | undefined> {
  return db.selectFrom('contacts').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function findContactByEmail(db: Kysely<Schema>, accountId: string, email: string): Promise<ContactRow | undefined> {
  return db.selectFrom('contacts').selectAll().where('account_id', '=', accountId).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

/** The account's contacts, oldest first, after the (createdAt, id) of the last one seen. */
export async function listContacts(db: Kysely<Schema>, accountId: string, page: { after?: { createdAt: number; id: string }; limit: number; search?: string }): Promise<ContactRow[]> {
  let q = db.selectFrom('contacts').selectAll().where('account_id', '=', accountId);
  if (page.search) {
    const search = page.search;
    q = q.where((eb) => eb.or([contains('email', search), contains('name', search)]));
  }
  if (page.after) {
    const { createdAt, id } = page.after;
    q = q.where((eb) => eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]));
  }
  return q.orderBy('created_at').orderBy('id').limit(page.limit).execute();
}

export interface NewContact {
  email: string;
  name?: string | null;
  properties?: Record<string, string>;
  legalBasis?: string | null;
}

/** The `contact.created` webhook event, queued in the transaction that created the contact. */
const createdEvent = (c: { id: string; email: string; name: string | null; created_at: number }) => ({ type: 'contact.created' as const, at: c.created_at, data: { contactId: c.id, email: c.email, name: c.name } });

/** Creates the contact; when the address is taken, answers the existing contact's id instead. */
export async function createContact(db: Kysely<Schema>, accountId: string, c: NewContact): Promise<{ created: ContactRow } | { existingId: string }> {
  // The contact and its webhook commit together.
  if (!db.isTransaction) return db.transaction().execute((trx) => createContact(trx, accountId, c));
  const now = Date.now();
  const row = {
    id: newId(),
    account_id: accountId,
    email: c.email.trim().toLowerCase(),
    name: c.name ?? null,
    properties: JSON.stringify(c.properties ?? {}),
    legal_basis: c.legalBasis ?? null,
    created_at: now,
    updated_at: now,
  };
  const inserted = await db.insertInto('contacts').values(row).onConflict((oc) => oc.columns(['account_id', 'email']).doNothing()).returning('id').executeTakeFirst();
  if (inserted) {
    await enqueueWebhookEvents(db, accountId, [createdEvent(row)]);
    return { created: row };
  }
  return { existingId: (await findContactByEmail(db, accountId, row.email))!.id };
}

export interface ContactChange {
  name?: string | null;
  /** Merged into the stored properties; a null value removes that property. */
  properties?: Record<string, string | null>;
  legalBasis?: string | null;
}

/**
 * Applies the change; answers the updated contact, or undefined when the account has no such id.
 * Throws TooManyProperties when the result would hold more than `maxProperties`.
 */
export async function updateContact(db: Kysely<Schema>, accountId: string, id: string, change: ContactChange, maxProperties = Infinity): Promise<ContactRow | undefined> {
  for (;;) {
    const current = await getContact(db, accountId, id);
    if (!current) return undefined;
    const properties = { ...(JSON.parse(current.properties) as Record<string, string>) };
    for (const [k, v] of Object.entries(change.properties ?? {})) {
      if (v === null) delete properties[k];
      else properties[k] = v;
    }
    if (Object.keys(properties).length > maxProperties) throw new TooManyProperties(`A contact holds at most ${maxProperties} properties.`);
    const next = {
      name: change.name !== undefined ? change.name : current.name,
      legal_basis: change.legalBasis !== undefined ? change.legalBasis : current.legal_basis,
      properties: JSON.stringify(properties),
      updated_at: Math.max(Date.now(), current.updated_at + 1),
    };
    // Compare-and-swap on updated_at (it always moves forward): a concurrent change makes us reapply ours.
    const res = await db.updateTable('contacts').set(next).where('account_id', '=', accountId).where('id', '=', id).where('updated_at', '=', current.updated_at).executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) return { ...current, ...next };
  }
}

export interface LoggedContact {
  id: string;
  email: string;
  name: string | null;
  created: boolean;
}

/**
 * The contacts of these (lower-cased) addresses, creating the missing ones when `create` is set.
 * Addresses left without a contact are answered apart.
 */
export async function contactsForLogging(db: Kysely<Schema>, accountId: string, emails: string[], create: boolean): Promise<{ contacts: LoggedContact[]; missing: string[] }> {
  const created = new Set<string>();
  const byEmail = new Map<string, { id: string; email: string; name: string | null }>();
  // A batch of emails may name thousands of addresses: asked about in pieces, within any database's
  // limit on bound parameters.
  for (let i = 0; i < emails.length; i += 500) {
    const piece = emails.slice(i, i + 500);
    if (create) for (const e of await ensureContacts(db, accountId, piece)) created.add(e);
    const rows = await db.selectFrom('contacts').select(['id', 'email', 'name']).where('account_id', '=', accountId).where('email', 'in', piece).execute();
    for (const r of rows) byEmail.set(r.email, r);
  }
  const contacts: LoggedContact[] = [];
  const missing: string[] = [];
  for (const email of emails) {
    const r = byEmail.get(email);
    if (r) contacts.push({ id: r.id, email: r.email, name: r.name, created: created.has(email) });
    else missing.push(email);
  }
  return { contacts, missing };
}
