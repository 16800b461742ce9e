// Stores tracking hits: classifies each against its mail's context, writes a batch in one
// transaction with the opens it implies, corrects scanner bursts, and creates the notifications the
// owners asked for. It runs on the background thread (background/entry.ts), so that these writes
// never hold up the event loop that answers the pixels; the recorder on the main thread feeds it.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { Schema } from '../db/schema.js';
import { clicksSince, enqueueWebhooksOfEvents, eventDetails, type EventScope, hasCountedOpen, insertTrackingEvents, markEventFiltered, trackedHitsBetween } from '../store/events.js';
import { enqueueChannelPosts } from '../store/webhooks.js';
import { deleteNotificationsOfEvents, insertNotifications, type NewNotification, type StoredNotification, wasNotifiedOfOpen } from '../store/notifications.js';
import { classify, describeUserAgent, findScannerBursts, LIMITS, type Classification } from './classify.js';
import { type MailContext, MailContexts } from './mail-context.js';
import type { MailRef } from './tokens.js';
import { readJournalLines } from '../journal.js';
import type { HitSink, InferredOpen, JournalRange, RawHit, StoredRange } from './recorder.js';

interface Prepared {
  hit: RawHit;
  mail: MailContext;
  verdict: Classification;
  inferred?: boolean;
}

const BURST_LOOKBACK_MS = 60_000;

export class HitStore implements HitSink {
  private readonly contexts: MailContexts;

  constructor(private readonly deps: { database: Database }) {
    this.contexts = new MailContexts(deps.database.db);
  }

  /** Settings of this account (or, with none, of any) changed: hits from now on read them afresh. */
  forgetAccount(accountId?: string): void {
    this.contexts.forgetAccount(accountId);
  }

  /** Hits stored from now on read this mail's context afresh (its sender just viewed it). */
  forget(ref: MailRef): void {
    this.contexts.forget(ref);
  }

  /**
   * The sender reported looking at this email at `at`. Hits already stored from just before the
   * report (their pixel often loads before the add-in's call arrives) become SELF and lose their
   * notifications; later ones see the report through the context (forget it first).
   */
  async selfViewed(ref: MailRef, at: number): Promise<void> {
    if (!('t' in ref)) return;
    const db = this.deps.database.db;
    await db.transaction().execute(async (trx) => {
      const rows = await trackedHitsBetween(trx, ref.t, at - LIMITS.selfViewLeadMs, at);
      await relabel(trx, rows, 'SELF', 'the sender was viewing this email at the time');
      await deleteNotificationsOfEvents(trx, rows.map((r) => r.id));
    });
  }

  /**
   * An open inferred from something other than the pixel (a logged reply): recorded, and notified,
   * only when the email has no counted open yet. Answers whether it was recorded.
   */
  async inferOpen(o: InferredOpen): Promise<{ recorded: boolean; created: StoredNotification[] }> {
    const ref: MailRef = o.trackedEmailId ? { t: o.trackedEmailId } : { d: o.deliveryId! };
    const found = await this.contexts.get(ref);
    if (!found || found.accountId !== o.accountId) return { recorded: false, created: [] };
    if (await hasCountedOpen(this.deps.database.db, scopeOf(found))) return { recorded: false, created: [] };
    // A reply names its author, which a shared pixel cannot.
    const replier = o.recipient?.toLowerCase();
    const mail = replier && !found.recipient && !found.anonymous ? { ...found, recipient: replier, who: replier } : found;
    const hit: RawHit = { id: `inferred-${randomUUID()}`, at: o.at ?? Date.now(), kind: 'o', ref, method: 'GET', ip: '', headers: {} };
    const created = await this.write([{ hit, mail, verdict: { verdict: 'HUMAN', counted: true, reasons: [o.reason] }, inferred: true }]);
    return { recorded: true, created };
  }

  /**
   * Reads a batch of hits from the recorder's journal, classifies and stores them in one transaction
   * (idempotent); answers the notifications it created and how far it read.
   */
  async storeJournal(range: JournalRange): Promise<StoredRange> {
    const { lines, next } = readJournalLines(range.file, range.from, range.to, range.max);
    return { created: await this.store(lines), count: lines.length, next };
  }

  private async store(lines: string[]): Promise<StoredNotification[]> {
    const prepared: Prepared[] = [];
    for (const line of lines) {
      const hit = parseHit(line);
      if (!hit) continue; // not a hit we wrote: nothing to store, and nothing to retry
      const mail = await this.contexts.get(hit.ref);
      if (!mail) continue; // signed by us, but its mail is gone: nothing to attribute it to
      prepared.push({ hit, mail, verdict: this.classify(hit, mail) });
    }
    return this.write(prepared);
  }

  private async write(prepared: Prepared[]): Promise<StoredNotification[]> {
    if (!prepared.length) return [];
    const db = this.deps.database.db;
    const created = await db.transaction().execute(async (trx) => {
      const inserted = await insertTrackingEvents(trx, prepared.map((p) => eventRow(p.hit, p.mail, p.verdict, p.inferred)));
      inserted.push(...(await this.inferOpens(trx, prepared)));
      const corrected = await this.correctBursts(trx, prepared);
      // Webhooks and the reps' Slack/Teams posts commit with the hits, after this batch's corrections
      // (a replayed hit, already stored, queues nothing again).
      await enqueueWebhooksOfEvents(trx, inserted, [...new Set(prepared.map((p) => p.mail.accountId))]);
      const notified = await this.notify(trx, prepared.filter((p) => p.verdict.counted && !corrected.has(p.hit.id)));
      const accountOf = new Map(prepared.map((p) => [p.mail.ownerUserId, p.mail.accountId]));
      await enqueueChannelPosts(trx, notified, (userId) => accountOf.get(userId)!);
      return notified;
    });
    return created;
  }

  private classify(hit: RawHit, mail: MailContext): Classification {
    return classify({
      kind: hit.kind === 'o' ? 'OPEN' : 'CLICK',
      method: hit.method,
      ip: hit.ip,
      headers: hit.headers,
      at: hit.at,
      sentAt: mail.sentAt,
      honeypot: hit.kind === 'h',
      self: { blockedIps: mail.blockedIps, selfViewSince: mail.selfViewSince, senderIps: mail.senderIps },
    });
  }

  /** A counted click with no counted open before it means the mail was opened (docs/product.md §5). */
  private async inferOpens(trx: Kysely<Schema>, prepared: Prepared[]): Promise<string[]> {
    const inserted: string[] = [];
    for (const p of prepared) {
      if (p.hit.kind !== 'c' || !p.verdict.counted) continue;
      if (await hasCountedOpen(trx, scopeOf(p.mail))) continue;
      const open: RawHit = { ...p.hit, id: `${p.hit.id}:open`, kind: 'o', url: undefined, link: undefined };
      const row = eventRow(open, p.mail, { ...p.verdict, reasons: ['a click with no open before it (images were probably blocked)'] }, true);
      inserted.push(...(await insertTrackingEvents(trx, [row])));
    }
    return inserted;
  }

  /**
   * Security scanners open every link of a message within seconds, and hit the honeypot link no
   * person can see. Such clicks (and the opens inferred from them) are corrected to SCANNER, and
   * their notifications withdrawn from the history.
   */
  private async correctBursts(trx: Kysely<Schema>, prepared: Prepared[]): Promise<Set<string>> {
    const corrected = new Set<string>();
    const touched = new Map<string, MailContext>();
    for (const p of prepared) if (p.hit.kind !== 'o') touched.set(p.mail.key, p.mail);
    for (const mail of touched.values()) {
      const clicks = await recentClicks(trx, mail, Date.now() - BURST_LOOKBACK_MS);
      const honeypot = clicks.find((c) => c.honeypot);
      const ids = honeypot
        ? clicks.filter((c) => c.verdict !== 'SCANNER' && Math.abs(c.at - honeypot.at) < BURST_LOOKBACK_MS).map((c) => c.id)
        : findScannerBursts(clicks.filter((c) => !c.honeypot));
      const reason = honeypot ? 'the invisible honeypot link of this email was followed around the same time' : 'several links of this email were clicked within seconds';
      for (const id of ids) {
        await markScanner(trx, [id, `${id}:open`], reason);
        corrected.add(id);
      }
    }
    return corrected;
  }

  /** Notifications for counted hits, honouring each owner's choices (opens, clicks, first open only). */
  private async notify(trx: Kysely<Schema>, counted: Prepared[]) {
    const rows: NewNotification[] = [];
    const firstOpens = new Set<string>();
    for (const { mail, hit } of counted) {
      const choices = mail.notifications;
      if (!mail.ownerUserId || !choices) continue;
      const type: 'OPEN' | 'CLICK' = hit.kind === 'o' ? 'OPEN' : 'CLICK';
      if (type === 'OPEN' && !choices.opens) continue;
      if (type === 'CLICK' && !choices.clicks) continue;
      if (type === 'OPEN' && choices.firstOpenOnly) {
        const key = `${mail.ownerUserId}:${mail.emailId}`;
        if (firstOpens.has(key)) continue;
        firstOpens.add(key);
        if (await wasNotifiedOfOpen(trx, mail.ownerUserId, mail.emailId)) continue;
      }
      rows.push({ id: randomUUID(), account_id: mail.accountId, user_id: mail.ownerUserId, event_id: hit.id, type, who: mail.who, subject: mail.subject, url: hit.kind === 'c' ? (hit.url ?? null) : null, email_id: mail.emailId, at: hit.at, read_at: null });
    }
    // A replayed hit already has its notification: the unique event_id keeps it single.
    return insertNotifications(trx, rows);
  }
}

function eventRow(hit: RawHit, mail: MailContext, c: Classification, inferred = false) {
  // Device data only for people seen directly: proxies hide it, and anonymous contacts keep none.
  const ua = hit.headers['user-agent'];
  const device = !mail.anonymous && c.verdict === 'HUMAN' ? describeUserAgent(ua, c.verdict) : {};
  const details = {
    ...(hit.kind !== 'o' && hit.url ? { url: hit.url } : {}),
    verdict: c.verdict,
    reasons: mail.anonymous ? [] : c.reasons,
    ...(c.counted ? {} : { filterReason: c.verdict }),
    ...(inferred ? { inferred: true } : {}),
    ...(hit.kind === 'h' ? { honeypot: true } : {}),
    ...(!mail.anonymous && ua ? { userAgent: ua.slice(0, 512) } : {}),
    ...device,
  };
  return {
    id: hit.id,
    account_id: mail.accountId,
    type: hit.kind === 'o' ? 'OPEN' : 'CLICK',
    recipient: mail.recipient,
    campaign_id: mail.campaignId,
    delivery_id: mail.deliveryId,
    tracked_email_id: mail.trackedEmailId,
    user_id: mail.ownerUserId,
    link_index: hit.kind === 'c' ? (hit.link ?? null) : null,
    created: hit.at,
    sent_by_id: mail.sentBy.id,
    sent_by_created: mail.sentBy.created,
    filtered: c.counted ? 0 : 1,
    details: JSON.stringify(details),
  };
}

function parseHit(line: string): RawHit | undefined {
  try {
    return JSON.parse(line) as RawHit;
  } catch {
    return undefined;
  }
}

const scopeOf = (mail: MailContext): EventScope => ({ accountId: mail.accountId, deliveryId: mail.deliveryId, trackedEmailId: mail.trackedEmailId });

async function recentClicks(trx: Kysely<Schema>, mail: MailContext, since: number) {
  const rows = await clicksSince(trx, scopeOf(mail), since);
  return rows.map((r) => {
    const d = JSON.parse(r.details) as { verdict: Classification['verdict']; honeypot?: boolean };
    return { id: r.id, at: Number(r.created), linkIndex: r.link_index === null ? -1 : Number(r.link_index), verdict: d.verdict, honeypot: !!d.honeypot };
  });
}

/** A later verdict for stored hits: they stop counting and say why (their notifications are the caller's to withdraw). */
async function relabel(trx: Kysely<Schema>, rows: Array<{ id: string; details: string }>, verdict: 'SELF' | 'SCANNER', reason: string) {
  for (const r of rows) {
    const d = JSON.parse(r.details) as Record<string, unknown> & { reasons?: string[] };
    if (d.verdict === verdict) continue;
    await markEventFiltered(trx, r.id, { ...d, verdict, filterReason: verdict, reasons: [...(d.reasons ?? []), `corrected: ${reason}`] });
  }
}

async function markScanner(trx: Kysely<Schema>, ids: string[], reason: string) {
  await relabel(trx, await eventDetails(trx, ids), 'SCANNER', reason);
  await deleteNotificationsOfEvents(trx, ids);
}
