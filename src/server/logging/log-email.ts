// Files a logged email on its participants' timelines, in one transaction: contacts (found or
// created), the email, its attachments (content stored once per account). The same internet
// message id logged again stores nothing and answers the first logging's result.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { Schema } from '../db/schema.js';
import type { LoggedEmailResult } from '../../shared/api.js';
import { newId } from '../secrets.js';
import { storeBlob } from '../store/blobs.js';
import { contactsForLogging } from '../store/contacts.js';
import {
  attachmentRef,
  attachmentsOf,
  contactsOf,
  findLoggedEmailByMessageId,
  inMessageOrder,
  insertAttachments,
  insertLoggedEmail,
  linkContacts,
  skippedOf,
  trackedEmailsNamed,
  type AttachmentRow,
  type LoggedEmailRow,
} from '../store/logged-emails.js';
import { getAccountSettings, getUserSettings } from '../store/settings.js';
import type { InferredOpen } from '../tracking/recorder.js';
import type { LoggedEmail } from './input.js';
import { participants } from './recipients.js';
import { messageIds, replyTarget, trackingIdsIn } from './reply.js';
import type { StagedFile } from './upload.js';
import { ERASED_REPLACEMENT, type ErasedAddresses } from '../lifecycle/erased.js';
import { scrubAddress } from '../store/erasure.js';

export interface LoggingDeps {
  database: Database;
  /** Records an inferred open unless the email already has one (the tracking recorder). */
  inferOpen(open: InferredOpen): Promise<boolean>;
  /** Erased addresses are never logged, and their copy is written over (lifecycle/erased.ts). */
  erased?: ErasedAddresses;
  log?: { warn(obj: object, msg: string): void };
}

export interface Author {
  accountId: string;
  userId: string;
  /** The signed-in user's address: their domain is internal. */
  email: string;
}

class AlreadyLogged extends Error {}

/** Logs the email; a repeat of an internet message id answers the first result, `duplicate: true`. */
export async function logEmail(deps: LoggingDeps, author: Author, email: LoggedEmail, files: StagedFile[]): Promise<LoggedEmailResult> {
  const { db } = deps.database;
  const earlier = await loggedResult(db, author.accountId, email.internetMessageId);
  if (earlier) return earlier;
  const [user, account] = await Promise.all([getUserSettings(db, author.accountId, author.userId), getAccountSettings(db, author.accountId)]);
  const found = participants(email, { userAddress: author.email, neverLog: [...user.neverLog, ...account.neverLog] });
  const gone = deps.erased ? await deps.erased.among(db, author.accountId, [email.from, ...email.to, ...email.cc, ...email.bcc]) : new Map();
  const who = gone.size ? withoutErased(found, gone) : found;
  if (gone.size) email = scrubbed(email, [...gone.keys()]);
  let result: LoggedEmailResult;
  try {
    result = await db.transaction().execute(async (trx) => {
      const { contacts, missing } = await contactsForLogging(trx, author.accountId, who.log, account.createContacts);
      const skipped = [...who.skipped, ...missing.map((address) => ({ address, reason: 'NO_CONTACT_CREATION' as const }))];
      const id = newId();
      const row = emailRow(id, author, email, JSON.stringify(skipped));
      // A concurrent logging of the same message wins the unique key; ours rolls back whole.
      if (!(await insertLoggedEmail(trx, row))) throw new AlreadyLogged();
      await linkContacts(trx, author.accountId, id, contacts, email.sentAtMs);
      const attachments = await storeAttachments(trx, author.accountId, id, files);
      return { id, duplicate: false, contacts, skipped, attachments: attachments.map(attachmentRef) };
    });
  } catch (e) {
    if (!(e instanceof AlreadyLogged)) throw e;
    return (await loggedResult(db, author.accountId, email.internetMessageId))!;
  }
  await inferOpenFromReply(deps, author.accountId, email);
  return result;
}

/** Erased addresses are skipped, and named only by the replacement, never by themselves. */
function withoutErased(who: ReturnType<typeof participants>, gone: Map<string, unknown>): ReturnType<typeof participants> {
  const isGone = (a: string) => gone.has(a.trim().toLowerCase());
  const erased = [...who.log, ...who.skipped.map((s) => s.address)].some(isGone) ? [{ address: ERASED_REPLACEMENT, reason: 'ERASED' as const }] : [];
  return { ...who, log: who.log.filter((a) => !isGone(a)), skipped: [...who.skipped.filter((s) => !isGone(s.address)), ...erased] };
}

/** The email with every erased address written over, wherever it appears. */
function scrubbed(e: LoggedEmail, addresses: string[]): LoggedEmail {
  const scrub = (v: string) => addresses.reduce((text, a) => scrubAddress(text, a, ERASED_REPLACEMENT), v);
  return { ...e, from: scrub(e.from), to: e.to.map(scrub), cc: e.cc.map(scrub), bcc: e.bcc.map(scrub), subject: scrub(e.subject), html: scrub(e.html), text: scrub(e.text) };
}

/** The result of the earlier logging of this internet message id, with `duplicate: true`. */
export async function loggedResult(db: Kysely<Schema>, accountId: string, internetMessageId: string): Promise<LoggedEmailResult | undefined> {
  const row = await findLoggedEmailByMessageId(db, accountId, internetMessageId);
  return row && resultOf(db, row, true);
}

export async function resultOf(db: Kysely<Schema>, row: LoggedEmailRow, duplicate: boolean): Promise<LoggedEmailResult> {
  const [contacts, attachments] = await Promise.all([contactsOf(db, row.account_id, row.id), attachmentsOf(db, row.account_id, [row.id])]);
  return { id: row.id, duplicate, contacts: inMessageOrder(row, contacts), skipped: skippedOf(row), attachments: attachments.get(row.id)!.map(attachmentRef) };
}

function emailRow(id: string, author: Author, e: LoggedEmail, skipped: string) {
  return {
    id,
    account_id: author.accountId,
    user_id: author.userId,
    internet_message_id: e.internetMessageId,
    subject: e.subject,
    from_address: e.from,
    to_addresses: JSON.stringify(e.to),
    cc_addresses: JSON.stringify(e.cc),
    bcc_addresses: JSON.stringify(e.bcc),
    html: e.html,
    text: e.text,
    sent_at: e.sentAtMs,
    tracking_id: e.trackingId ?? null,
    skipped,
    created_at: Date.now(),
  };
}

async function storeAttachments(trx: Kysely<Schema>, accountId: string, loggedEmailId: string, files: StagedFile[]): Promise<AttachmentRow[]> {
  const rows: AttachmentRow[] = [];
  for (const [position, f] of files.entries()) {
    await storeBlob(trx, accountId, f);
    rows.push({ id: newId(), account_id: accountId, logged_email_id: loggedEmailId, sha256: f.sha256, filename: f.filename, content_type: f.contentType, size: f.size, position });
  }
  await insertAttachments(trx, rows);
  return rows;
}

/** A reply from a recipient of a tracked email proves it was read (recorded only if it had no open). */
async function inferOpenFromReply(deps: LoggingDeps, accountId: string, email: LoggedEmail): Promise<void> {
  const ids = messageIds(email.inReplyTo);
  if (!ids.length) return;
  try {
    const target = replyTarget(email, await trackedEmailsNamed(deps.database.db, accountId, ids, trackingIdsIn(ids)));
    if (target) await deps.inferOpen({ accountId, ...target, reason: 'reply logged', at: email.sentAtMs });
  } catch (err) {
    // The email is logged either way; a missed inferred open is not worth failing the request.
    deps.log?.warn({ err, internetMessageId: email.internetMessageId }, 'inferred open from a logged reply failed');
  }
}
