// A contact's timeline (docs/product.md §6): logged emails, transactional sends, opens and clicks, newest first.
// Each source is read in the same order from the cursor on and the pages are merged, so paging is
// stable: the cursor is the (at, kind, id) of the last entry seen, and every source compares with it
// the same way JS does (ids are fixed-shape ASCII, ordered alike by every collation).
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { TimelineEntry, TimelineEntryType, Verdict } from '../../shared/api.js';
import { htmlWords } from '../../shared/html-text.js';
import { attachmentRef, attachmentsOf } from './logged-emails.js';

export interface TimelineCursor {
  at: number;
  kind: TimelineEntryType;
  id: string;
}

export interface TimelineQuery {
  after?: TimelineCursor;
  limit: number;
  /** Leave out opens and clicks that were not counted (scanners, privacy prefetch, self). */
  countedOnly?: boolean;
}

interface Keyed {
  at: number;
  kind: TimelineEntryType;
  id: string;
}

type LoggedRow = Keyed & { kind: 'LOGGED_EMAIL'; subject: string; from: string; to: string; cc: string; text: string; html: string };
type SentRow = Keyed & { kind: 'SENT_EMAIL'; subject: string | null; campaignId: number | null; status: string | null; templateId: number | null };
type EngagementRow = Keyed & { kind: 'OPEN' | 'CLICK' | 'REPLY'; subject: string | null; filtered: number; details: string; trackedEmailId: string | null };
type Row = LoggedRow | SentRow | EngagementRow;

/** Newest first: by time, then kind, then id, all descending. */
export function compareKeys(a: Keyed, b: Keyed): number {
  if (a.at !== b.at) return b.at - a.at;
  if (a.kind !== b.kind) return a.kind < b.kind ? 1 : -1;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

/** One page of the contact's timeline and the cursor of the next, if there is more. */
export async function timeline(db: Kysely<Schema>, accountId: string, contact: { id: string; email: string }, q: TimelineQuery): Promise<{ entries: TimelineEntry[]; next?: TimelineCursor }> {
  const n = q.limit + 1;
  const sources = await Promise.all([loggedRows(db, accountId, contact.id, q.after, n), sentRows(db, accountId, contact.email, q.after, n), engagementRows(db, accountId, contact.email, q, n)]);
  const rows = dedupe(sources.flat().sort(compareKeys)).slice(0, n);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { entries: await toEntries(db, accountId, page), ...(rows.length > q.limit ? { next: { at: last.at, kind: last.kind, id: last.id } } : {}) };
}

/** The newest counted entry, as a contact card shows it ("Opened your email" 2 days ago). */
export async function lastActivity(db: Kysely<Schema>, accountId: string, contact: { id: string; email: string }) {
  const [entry] = (await timeline(db, accountId, contact, { limit: 1, countedOnly: true })).entries;
  return entry ? { type: entry.type, at: entry.at, summary: SUMMARY[entry.type] } : null;
}

const SUMMARY: Record<TimelineEntryType, string> = {
  LOGGED_EMAIL: 'Email logged',
  SENT_EMAIL: 'Received an email',
  OPEN: 'Opened your email',
  CLICK: 'Clicked a link in your email',
  REPLY: 'Replied to your email',
};

// ---- cursor conditions ------------------------------------------------------------------------

type Eb = ExpressionBuilder<any, any>;

/** Rows after the cursor for a source whose entries all have one kind. */
function afterFixedKind(eb: Eb, at: string, id: string, kind: TimelineEntryType, c: TimelineCursor) {
  if (kind < c.kind) return eb(at, '<=', c.at);
  if (kind > c.kind) return eb(at, '<', c.at);
  return eb.or([eb(at, '<', c.at), eb.and([eb(at, '=', c.at), eb(id, '<', c.id)])]);
}

/** Rows after the cursor for a source whose kind is a column. */
function afterKindColumn(eb: Eb, at: string, kind: string, id: string, c: TimelineCursor) {
  return eb.or([eb(at, '<', c.at), eb.and([eb(at, '=', c.at), eb.or([eb(kind, '<', c.kind), eb.and([eb(kind, '=', c.kind), eb(id, '<', c.id)])])])]);
}

// ---- sources ----------------------------------------------------------------------------------

async function loggedRows(db: Kysely<Schema>, accountId: string, contactId: string, after: TimelineCursor | undefined, n: number): Promise<LoggedRow[]> {
  let q = db
    .selectFrom('logged_email_contacts as l')
    .innerJoin('logged_emails as e', (j) => j.onRef('e.id', '=', 'l.logged_email_id').onRef('e.account_id', '=', 'l.account_id'))
    .select([
      'e.id',
      'l.at',
      'e.subject',
      'e.from_address',
      'e.to_addresses',
      'e.cc_addresses',
      // Enough of the bodies for a snippet, not whole multi-megabyte emails.
      sql<string>`substr(e.text, 1, 1000)`.as('text'),
      sql<string>`substr(e.html, 1, 20000)`.as('html'),
    ])
    .where('l.account_id', '=', accountId)
    .where('l.contact_id', '=', contactId);
  if (after) q = q.where((eb) => afterFixedKind(eb, 'l.at', 'e.id', 'LOGGED_EMAIL', after));
  const rows = await q.orderBy('l.at', 'desc').orderBy('e.id', 'desc').limit(n).execute();
  return rows.map((r) => ({ kind: 'LOGGED_EMAIL', id: r.id, at: Number(r.at), subject: r.subject, from: r.from_address, to: r.to_addresses, cc: r.cc_addresses, text: r.text, html: r.html }));
}

async function sentRows(db: Kysely<Schema>, accountId: string, email: string, after: TimelineCursor | undefined, n: number): Promise<SentRow[]> {
  let q = db
    .selectFrom('email_events as e')
    .leftJoin('deliveries as d', (j) => j.onRef('d.id', '=', 'e.delivery_id').onRef('d.account_id', '=', 'e.account_id'))
    .leftJoin('messages as m', (j) => j.onRef('m.id', '=', 'd.message_id').onRef('m.account_id', '=', 'd.account_id'))
    .leftJoin('send_statuses as s', (j) => j.onRef('s.delivery_id', '=', 'e.delivery_id').onRef('s.account_id', '=', 'e.account_id'))
    .select(['e.id', 'e.created', 'e.campaign_id', 'd.status', 'm.subject', 's.template_id'])
    .where('e.account_id', '=', accountId)
    .where('e.recipient', '=', email)
    .where('e.type', '=', 'SENT');
  if (after) q = q.where((eb) => afterFixedKind(eb, 'e.created', 'e.id', 'SENT_EMAIL', after));
  const rows = await q.orderBy('e.created', 'desc').orderBy('e.id', 'desc').limit(n).execute();
  return rows.map((r) => ({
    kind: 'SENT_EMAIL',
    id: r.id,
    at: Number(r.created),
    subject: r.subject,
    campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
    status: r.status,
    templateId: r.template_id === null ? null : Number(r.template_id),
  }));
}

/**
 * Opens and clicks attributed to the address, and those of one-to-one emails tracked to it whose
 * shared pixel could not tell who it was (recipient '', shown as "Someone").
 */
async function engagementRows(db: Kysely<Schema>, accountId: string, email: string, query: TimelineQuery, n: number): Promise<EngagementRow[]> {
  // tracked_emails.recipients is a JSON array: the address appears in it as "address".
  const pattern = '%' + JSON.stringify(email).replace(/[!%_]/g, (ch) => '!' + ch) + '%';
  let q = db
    .selectFrom('email_events as e')
    .leftJoin('tracked_emails as t', (j) => j.onRef('t.id', '=', 'e.tracked_email_id').onRef('t.account_id', '=', 'e.account_id'))
    .leftJoin('deliveries as d', (j) => j.onRef('d.id', '=', 'e.delivery_id').onRef('d.account_id', '=', 'e.account_id'))
    .leftJoin('messages as m', (j) => j.onRef('m.id', '=', 'd.message_id').onRef('m.account_id', '=', 'd.account_id'))
    // A reply to logged (untracked) mail names the logged email as its copy.
    .leftJoin('logged_emails as l', (j) => j.onRef('l.id', '=', 'e.sent_by_id').onRef('l.account_id', '=', 'e.account_id'))
    .select(['e.id', 'e.type', 'e.created', 'e.filtered', 'e.details', 'e.tracked_email_id', sql<string | null>`coalesce(t.subject, m.subject, l.subject)`.as('subject')])
    .where('e.account_id', '=', accountId)
    .where('e.type', 'in', ['OPEN', 'CLICK', 'REPLY'])
    .where('e.recipient', 'in', [email, ''])
    .where((eb) => eb.or([eb('e.recipient', '=', email), eb.and([eb('t.id', 'is not', null), sql<boolean>`lower(t.recipients) like ${pattern} escape '!'`])]));
  if (query.countedOnly) q = q.where('e.filtered', '=', 0);
  const after = query.after;
  if (after) q = q.where((eb) => afterKindColumn(eb, 'e.created', 'e.type', 'e.id', after));
  const rows = await q.orderBy('e.created', 'desc').orderBy('e.type', 'desc').orderBy('e.id', 'desc').limit(n).execute();
  return rows.map((r) => ({
    kind: r.type as 'OPEN' | 'CLICK' | 'REPLY',
    id: r.id,
    at: Number(r.created),
    subject: r.subject,
    filtered: Number(r.filtered),
    details: r.details,
    trackedEmailId: r.tracked_email_id,
  }));
}

// ---- entries ----------------------------------------------------------------------------------

function dedupe(rows: Row[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.kind + r.id) && !!seen.add(r.kind + r.id));
}

async function toEntries(db: Kysely<Schema>, accountId: string, rows: Row[]): Promise<TimelineEntry[]> {
  const attachments = await attachmentsOf(db, accountId, rows.filter((r) => r.kind === 'LOGGED_EMAIL').map((r) => r.id));
  return rows.map((r): TimelineEntry => {
    const base = { id: r.id, type: r.kind, at: new Date(r.at).toISOString(), subject: r.subject };
    if (r.kind === 'LOGGED_EMAIL') {
      const loggedEmail = { id: r.id, from: r.from, to: JSON.parse(r.to), cc: JSON.parse(r.cc), attachments: attachments.get(r.id)!.map(attachmentRef), snippet: snippet(r.text, r.html) };
      return { ...base, loggedEmail };
    }
    if (r.kind === 'SENT_EMAIL') {
      return { ...base, send: { emailCampaignId: r.campaignId === null ? null : String(r.campaignId), emailId: r.templateId, status: r.status ?? 'SENT' } };
    }
    const d = parseDetails(r.details);
    const engagement = {
      ...(typeof d.url === 'string' ? { url: d.url } : {}),
      verdict: (typeof d.verdict === 'string' ? d.verdict : 'HUMAN') as Verdict,
      counted: r.filtered === 0,
      inferred: d.inferred === true,
      ...(r.trackedEmailId ? { trackedEmailId: r.trackedEmailId } : {}),
    };
    return { ...base, engagement };
  });
}

function parseDetails(json: string): Record<string, unknown> {
  try {
    return JSON.parse(json) ?? {};
  } catch {
    return {};
  }
}

const SNIPPET = 140;

/** The first ~140 characters of the text (or of the HTML's words when there is no text). */
export function snippet(text: string, html: string): string {
  let words = text.replace(/\s+/g, ' ').trim();
  if (!words) words = htmlWords(html);
  return words.length > SNIPPET ? words.slice(0, SNIPPET - 1).trimEnd() + '…' : words;
}
