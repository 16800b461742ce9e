// Logged emails: one row per (account, internet message id), linked to each contact's timeline,
// with attachment rows that point at content-addressed blobs.
import type { Kysely, Selectable } from 'kysely';
import type { AttachmentsTable, LoggedEmailsTable, Schema } from '../db/schema.js';
import type { AttachmentRef, SkipReason } from '../../shared/api.js';
import type { LoggedContact } from './contacts.js';

export type LoggedEmailRow = Selectable<LoggedEmailsTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;
export type NewLoggedEmail = Omit<LoggedEmailRow, 'skipped'> & { skipped: string };

export const attachmentRef = (a: AttachmentRow): AttachmentRef => ({
  id: a.id,
  filename: a.filename,
  contentType: a.content_type,
  size: Number(a.size),
  url: `/api/v1/attachments/${a.id}`,
});

export const skippedOf = (row: LoggedEmailRow) => JSON.parse(row.skipped) as Array<{ address: string; reason: SkipReason }>;

/** Rows per INSERT: within any database's limit on bound parameters. */
const ROWS_PER_INSERT = 200;

function* pieces<T>(rows: T[], size = ROWS_PER_INSERT): Generator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/**
 * Inserts the emails; answers the ids of those inserted. One whose internet message id the account
 * logged already (or that comes twice in `rows`) is left out.
 */
export async function insertLoggedEmails(trx: Kysely<Schema>, rows: NewLoggedEmail[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const piece of pieces(rows)) {
    const r = await trx
      .insertInto('logged_emails')
      .values(piece)
      .onConflict((oc) => oc.columns(['account_id', 'internet_message_id']).doNothing())
      .returning('id')
      .execute();
    for (const { id } of r) inserted.add(id);
  }
  return inserted;
}

/** Which of these internet message ids the account has logged. */
export async function loggedMessageIds(db: Kysely<Schema>, accountId: string, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const piece of pieces([...new Set(ids.map((id) => id.trim()))], 500)) {
    const rows = await db.selectFrom('logged_emails').select('internet_message_id').where('account_id', '=', accountId).where('internet_message_id', 'in', piece).execute();
    for (const r of rows) found.add(r.internet_message_id);
  }
  return found;
}

/** Puts each email on its contacts' timelines at its `at`. */
export async function linkContacts(trx: Kysely<Schema>, accountId: string, links: Array<{ loggedEmailId: string; contacts: LoggedContact[]; at: number }>): Promise<void> {
  const rows = links.flatMap((l) => l.contacts.map((c) => ({ account_id: accountId, logged_email_id: l.loggedEmailId, contact_id: c.id, at: l.at, created: c.created ? 1 : 0 })));
  for (const piece of pieces(rows)) await trx.insertInto('logged_email_contacts').values(piece).execute();
}

export async function insertAttachments(trx: Kysely<Schema>, rows: AttachmentRow[]): Promise<void> {
  for (const piece of pieces(rows)) await trx.insertInto('attachments').values(piece).execute();
}

export async function getLoggedEmail(db: Kysely<Schema>, accountId: string, id: string): Promise<LoggedEmailRow | undefined> {
  return db.selectFrom('logged_emails').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export async function findLoggedEmailByMessageId(db: Kysely<Schema>, accountId: string, internetMessageId: string): Promise<LoggedEmailRow | undefined> {
  return db.selectFrom('logged_emails').selectAll().where('account_id', '=', accountId).where('internet_message_id', '=', internetMessageId.trim()).executeTakeFirst();
}

/** The contacts the email was filed to (by address; see inMessageOrder). */
export async function contactsOf(db: Kysely<Schema>, accountId: string, loggedEmailId: string): Promise<LoggedContact[]> {
  const rows = await db
    .selectFrom('logged_email_contacts as l')
    .innerJoin('contacts as c', (j) => j.onRef('c.id', '=', 'l.contact_id').onRef('c.account_id', '=', 'l.account_id'))
    .select(['c.id', 'c.email', 'c.name', 'l.created'])
    .where('l.account_id', '=', accountId)
    .where('l.logged_email_id', '=', loggedEmailId)
    .orderBy('c.email')
    .execute();
  return rows.map((r) => ({ id: r.id, email: r.email, name: r.name, created: Number(r.created) === 1 }));
}

/** Contacts in the order the email names them: sender (of a received email), then to, cc and bcc. */
export function inMessageOrder(row: LoggedEmailRow, contacts: LoggedContact[]): LoggedContact[] {
  const order = [row.from_address, ...JSON.parse(row.to_addresses), ...JSON.parse(row.cc_addresses), ...JSON.parse(row.bcc_addresses)].map((a: string) => a.trim().toLowerCase());
  const rank = (email: string) => (order.includes(email) ? order.indexOf(email) : order.length);
  return [...contacts].sort((a, b) => rank(a.email) - rank(b.email) || (a.email < b.email ? -1 : 1));
}

/** Attachments of these logged emails, by email id, in upload order. */
export async function attachmentsOf(db: Kysely<Schema>, accountId: string, loggedEmailIds: string[]): Promise<Map<string, AttachmentRow[]>> {
  const out = new Map<string, AttachmentRow[]>(loggedEmailIds.map((id) => [id, []]));
  if (!loggedEmailIds.length) return out;
  const rows = await db.selectFrom('attachments').selectAll().where('account_id', '=', accountId).where('logged_email_id', 'in', loggedEmailIds).orderBy('position').execute();
  for (const r of rows) out.get(r.logged_email_id)?.push(r);
  return out;
}

export async function getAttachment(db: Kysely<Schema>, accountId: string, id: string): Promise<AttachmentRow | undefined> {
  return db.selectFrom('attachments').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

/** Tracked emails of the account named by these Message-IDs (`<…>` forms) or tracking ids. */
export async function trackedEmailsNamed(db: Kysely<Schema>, accountId: string, messageIds: string[], trackingIds: string[]) {
  if (!messageIds.length && !trackingIds.length) return [];
  // Stored ids may or may not keep their angle brackets.
  const forms = messageIds.flatMap((id) => [id, id.replace(/^<|>$/g, '')]);
  const rows = await db
    .selectFrom('tracked_emails')
    .select(['id', 'internet_message_id', 'recipients'])
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([...(forms.length ? [eb('internet_message_id', 'in', forms)] : []), ...(trackingIds.length ? [eb('id', 'in', trackingIds)] : [])]))
    .execute();
  return rows.map((r) => ({ id: r.id, internetMessageId: r.internet_message_id, recipients: parseList(r.recipients) }));
}

function parseList(json: string): string[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
