// Files a logged email on its participants' timelines, in one transaction: contacts (found or
// created), the email, its attachments (content stored once per account). A batch of emails is filed
// the same way, in one transaction. The same internet message id logged again stores nothing and
// answers the first logging's result.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { Schema } from '../db/schema.js';
import type { LoggedEmailResult } from '../../shared/api.js';
import { newId } from '../secrets.js';
import { storeBlobs } from '../store/blobs.js';
import { contactsForLogging } from '../store/contacts.js';
import {
  attachmentRef,
  attachmentsOf,
  contactsOf,
  findLoggedEmailByMessageId,
  inMessageOrder,
  insertAttachments,
  insertLoggedEmails,
  loggedMessageIds,
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

export interface EmailToLog {
  email: LoggedEmail;
  /** Its attachments, staged to files. */
  files: StagedFile[];
}

/** Logs the email; a repeat of an internet message id answers the first result, `duplicate: true`. */
export async function logEmail(deps: LoggingDeps, author: Author, email: LoggedEmail, files: StagedFile[]): Promise<LoggedEmailResult> {
  const [result] = await logEmails(deps, author, [{ email, files }]);
  return result ?? (await loggedResult(deps.database.db, author.accountId, email.internetMessageId))!;
}

/**
 * Logs many emails by the same rules as one, in one transaction (a connected mailbox catching up
 * logs a few hundred at a time: one commit, one look-up of settings and contacts for all). Answers
 * each email's result in order, or undefined for an email the account had logged already (or that
 * came twice). When this returns, all of them are committed; when it throws, none is.
 */
export async function logEmails(deps: LoggingDeps, author: Author, items: EmailToLog[]): Promise<Array<LoggedEmailResult | undefined>> {
  const { db } = deps.database;
  const earlier = await loggedMessageIds(db, author.accountId, items.map((i) => i.email.internetMessageId));
  const fresh = items.map((i) => (earlier.has(i.email.internetMessageId.trim()) ? undefined : i));
  if (!fresh.some(Boolean)) return fresh.map(() => undefined);
  const [user, account] = await Promise.all([getUserSettings(db, author.accountId, author.userId), getAccountSettings(db, author.accountId)]);
  const neverLog = [...user.neverLog, ...account.neverLog];
  // Each address once: a batch from one mailbox names the user, and the same few recipients, hundreds of times.
  const everyone = [...new Set(fresh.flatMap((i) => (i ? [i.email.from, ...i.email.to, ...i.email.cc, ...i.email.bcc] : [])))];
  const gone = deps.erased ? await deps.erased.among(db, author.accountId, everyone) : new Map();
  const planned = fresh.map((i) => {
    if (!i) return undefined;
    const found = participants(i.email, { userAddress: author.email, neverLog });
    return { email: gone.size ? scrubbed(i.email, [...gone.keys()]) : i.email, files: i.files, who: gone.size ? withoutErased(found, gone) : found, id: newId() };
  });
  const results = await db.transaction().execute(async (trx) => {
    const wanted = [...new Set(planned.flatMap((p) => p?.who.log ?? []))];
    const { contacts, missing } = await contactsForLogging(trx, author.accountId, wanted, account.createContacts);
    const contactOf = new Map(contacts.map((c) => [c.email, c]));
    const unmade = new Set(missing);
    const firstLink = new Set<string>();
    const rows = planned.map((p) => {
      if (!p) return undefined;
      // A contact this batch created counts as created by the first email that names it, as if they were logged one by one.
      const mine = p.who.log.flatMap((a) => {
        const c = contactOf.get(a);
        if (!c) return [];
        const created = c.created && !firstLink.has(a);
        firstLink.add(a);
        return [{ ...c, created }];
      });
      const skipped = [...p.who.skipped, ...p.who.log.filter((a) => unmade.has(a)).map((address) => ({ address, reason: 'NO_CONTACT_CREATION' as const }))];
      return { ...p, contacts: mine, skipped, row: emailRow(p.id, author, p.email, JSON.stringify(skipped)) };
    });
    // One that a concurrent logging of the same message got in first is left to that one.
    const inserted = await insertLoggedEmails(trx, rows.flatMap((r) => (r ? [r.row] : [])));
    const kept = rows.map((r) => (r && inserted.has(r.id) ? r : undefined));
    await linkContacts(trx, author.accountId, kept.flatMap((r) => (r ? [{ loggedEmailId: r.id, contacts: r.contacts, at: r.email.sentAtMs }] : [])));
    const attachments = await storeAttachments(trx, author.accountId, kept.flatMap((r) => (r ? [{ loggedEmailId: r.id, files: r.files }] : [])));
    return kept.map((r) => r && { id: r.id, duplicate: false, contacts: r.contacts, skipped: r.skipped, attachments: (attachments.get(r.id) ?? []).map(attachmentRef) });
  });
  for (const [n, r] of results.entries()) if (r) await inferOpenFromReply(deps, author.accountId, planned[n]!.email);
  return results;
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

/** Stores each email's files (content once per account); answers the attachment rows by email. */
async function storeAttachments(trx: Kysely<Schema>, accountId: string, emails: Array<{ loggedEmailId: string; files: StagedFile[] }>): Promise<Map<string, AttachmentRow[]>> {
  await storeBlobs(trx, accountId, emails.flatMap((e) => e.files));
  const byEmail = new Map<string, AttachmentRow[]>();
  for (const { loggedEmailId, files } of emails) {
    const rows: AttachmentRow[] = [];
    for (const [position, f] of files.entries()) {
      rows.push({ id: newId(), account_id: accountId, logged_email_id: loggedEmailId, sha256: f.sha256, filename: f.filename, content_type: f.contentType, size: f.size, position });
    }
    byEmail.set(loggedEmailId, rows);
  }
  await insertAttachments(trx, [...byEmail.values()].flat());
  return byEmail;
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
