// One connected mailbox being synced by this process, while it holds the mailbox's lease: log in,
// catch up the Sent folder and the inbox from the last UID kept per folder (or the backfill window
// on the first connection and after a UIDVALIDITY change), then wait on IDLE in Sent (or poll) and
// repeat. Every message is logged through the same code as POST /api/v1/logged-emails; a reply in
// the inbox is recorded through recordReply. Whatever the server sends, the worst outcome is this
// session ending with an error that the syncer retries with back-off.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { MailboxTiming } from '../config.js';
import { logEmail, logEmails, type Author, type EmailToLog, type LoggingDeps } from '../logging/log-email.js';
import { normalizeAddress } from '../../shared/addresses.js';
import type { InferredOpen } from '../tracking/recorder.js';
import type { ErasedAddresses } from '../lifecycle/erased.js';
import type { StoredNotification } from '../store/notifications.js';
import { getFolderState, renewMailboxLease, setFolderState, setMailboxStatus, type FolderRole, type MailboxRow } from '../store/mailboxes.js';
import { linkTrackedMessageId, loggedWithTrackingId, mailNamedBy } from '../store/replies.js';
import { getUserSettings } from '../store/settings.js';
import { getUser } from '../store/users.js';
import { imapClient, MAX_MESSAGE_BYTES, publicAddress } from './imap.js';
import { idTokens, parseMessage } from './message.js';
import { recordReply } from './replies.js';
import type { SecretBox } from './secret-box.js';

export interface SessionDeps {
  database: Database;
  box: SecretBox;
  timing: MailboxTiming;
  logger: Logger;
  owner: string;
  /** Erased addresses are never logged (lifecycle/erased.ts). */
  erased?: ErasedAddresses;
  inferOpen(o: InferredOpen): Promise<boolean>;
  published(items: StoredNotification[]): void;
}

/** Inbox messages whose headers are fetched per round trip. */
const CHUNK = 100;
/** Sent messages logged in one transaction, and the bytes such a batch may hold in memory. */
const BATCH = 200;
const BATCH_BYTES = 8 * 1024 * 1024;
/** Bigger messages are streamed one by one rather than fetched with their neighbours. */
const STREAM_OVER = 1024 * 1024;
/**
 * Size classes asked with SEARCH LARGER: a message counts as big as the top of its class (a batch of
 * the smallest is BATCH of them in BATCH_BYTES); one over STREAM_OVER is streamed alone, and one over
 * MAX_MESSAGE_BYTES skipped.
 */
export const SIZE_CLASSES = [Math.floor(BATCH_BYTES / BATCH), 256 * 1024, STREAM_OVER, MAX_MESSAGE_BYTES];

/** Messages of one batch parsed at the same time (parsing waits on attachment files too). */
const PARALLEL = 8;

/** A batch of Sent: the UIDs to fetch, and the last UID it accounts for (oversized ones are skipped). */
export interface Batch {
  uids: number[];
  last: number;
  /** One message over STREAM_OVER, streamed. */
  big: boolean;
}

type Source = { uid: number; source: Buffer | NodeJS.ReadableStream };

/** Maps `items` through `fn`, at most `n` at a time, in order; the first failure is thrown once all have settled. */
async function mapInParallel<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}

/** An IMAP sequence set for sorted UIDs: runs become `a:b` (RFC 3501 §9, sequence-set). */
function uidSet(uids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; i++) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j] + 1) j++;
    parts.push(j > i ? `${uids[i]}:${uids[j]}` : String(uids[i]));
    i = j;
  }
  return parts.join(',');
}

/**
 * Sent's UIDs (ascending) in batches, by the most each message may hold (`bounds`, a size or the top
 * of its size class; missing counts as 0): up to BATCH messages and BATCH_BYTES in one fetch, one
 * over STREAM_OVER streamed alone, one over MAX_MESSAGE_BYTES skipped (the batch after it still moves
 * the folder's last UID past it).
 */
export function planBatches(uids: number[], bounds: Map<number, number>): { batches: Batch[]; skipped: number[] } {
  const batches: Batch[] = [];
  const skipped: number[] = [];
  let open: Batch | undefined;
  let bytes = 0;
  for (const uid of uids) {
    const size = bounds.get(uid) ?? 0;
    if (size > MAX_MESSAGE_BYTES) {
      skipped.push(uid);
      batches.push((open = { uids: [], last: uid, big: false }));
      bytes = 0;
    } else if (size > STREAM_OVER) {
      batches.push({ uids: [uid], last: uid, big: true });
      open = undefined;
    } else if (open && !open.big && open.uids.length < BATCH && bytes + size <= BATCH_BYTES) {
      open.uids.push(uid);
      open.last = uid;
      bytes += size;
    } else {
      batches.push((open = { uids: [uid], last: uid, big: false }));
      bytes = size;
    }
  }
  return { batches, skipped };
}

const trackingIdOf = (id: string) => /^<([^@<>]+)@mailbeacon>$/.exec(id)?.[1];

export class SyncSession {
  private client: ImapFlow | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly who: { accountId: string; userId: string };
  private readonly generation: number;
  private lost = false;

  constructor(
    private readonly deps: SessionDeps,
    private readonly row: MailboxRow,
  ) {
    this.who = { accountId: row.account_id, userId: row.user_id };
    this.generation = Number(row.generation);
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    this.client?.close();
  }

  /** Extends the lease; a lost lease (or changed settings) ends the session. */
  async renew(): Promise<void> {
    const ok = await renewMailboxLease(this.deps.database.db, this.row.user_id, this.deps.owner, this.generation, Date.now() + this.deps.timing.lease);
    if (!ok) {
      this.lost = true;
      this.stop();
    }
  }

  get leaseLost(): boolean {
    return this.lost;
  }

  /** Moves the folder's last UID; the mailbox replaced meanwhile (new settings) ends the session instead. */
  private async keepPlace(role: FolderRole, uidValidity: string, lastUid: number): Promise<void> {
    if (await setFolderState(this.deps.database.db, this.who, role, uidValidity, lastUid, this.generation)) return;
    this.lost = true;
    this.stop();
    throw new Error('the mailbox settings changed; the new ones are synced afresh');
  }

  private status(s: Parameters<typeof setMailboxStatus>[4]) {
    return setMailboxStatus(this.deps.database.db, this.row.user_id, this.deps.owner, this.generation, s);
  }

  /** Runs until stopped or the connection fails (then throws). */
  async run(): Promise<void> {
    const db = this.deps.database.db;
    const user = await getUser(db, this.row.account_id, this.row.user_id);
    if (!user) throw new Error('the user was removed');
    let secret: string;
    try {
      secret = this.deps.box.open(this.row.secret);
    } catch {
      throw new Error('the stored password cannot be decrypted (was SECRET_KEY changed?); connect the mailbox again');
    }
    const address = await publicAddress(this.row.host, this.deps.timing.allowPrivate);
    // Stopped while the lines above waited: connecting now would leave a connection nobody closes.
    if (this.stopped) return;
    const client = imapClient({ ...this.row, address, port: Number(this.row.port), secret }, { tlsCa: this.deps.timing.tlsCa, timeoutMs: this.deps.timing.timeout });
    this.client = client;
    try {
      await this.sync(client, user.email);
    } finally {
      // However the session ends (stopped, failed, its lease lost), its connection ends with it: an
      // open socket would keep the process alive after a graceful shutdown and the server's session
      // busy until it times out.
      client.close();
    }
  }

  /** Connects, then catches up and waits for new mail until stopped (or throws). */
  private async sync(client: ImapFlow, email: string): Promise<void> {
    // imapflow reports socket errors as events too; the awaited calls below carry them.
    client.on('error', (err: Error) => this.deps.logger.debug({ err: { message: err.message }, userId: this.row.user_id }, 'imap connection error'));
    await this.watched(client, client.connect());
    if (this.stopped) return;
    const list = await this.watched(client, client.list());
    const sentPath = list.find((f) => f.specialUse === '\\Sent')?.path ?? this.row.sent_folder;
    const inboxPath = this.row.inbox_folder;
    await this.status({ status: 'CONNECTED', last_error: null, failures: 0 });
    this.deps.logger.info({ userId: this.row.user_id, host: this.row.host, sentFolder: sentPath }, 'mailbox connected');
    const author = { accountId: this.row.account_id, userId: this.row.user_id, email };
    client.on('exists', () => this.wake?.());
    client.on('close', () => this.wake?.());
    while (!this.stopped) {
      await this.watched(client, this.syncFolder(client, 'sent', sentPath, author));
      if (inboxPath && inboxPath !== sentPath) await this.watched(client, this.syncFolder(client, 'inbox', inboxPath, author));
      await this.status({ last_sync_at: Date.now() });
      if (this.stopped) break;
      // IDLE in Sent until something arrives, or the poll interval passes (servers without IDLE,
      // and the inbox, which is checked on each pass).
      await this.watched(client, client.mailboxOpen(sentPath, { readOnly: true }));
      // IDLE at once (imapflow's own auto-IDLE waits 15 s); the next command ends it by itself.
      if (client.capabilities.has('IDLE')) void client.idle().catch(() => undefined);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.deps.timing.poll);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (!client.usable) this.wake(); // closed before the wait began
      });
      this.wake = undefined;
      if (!client.usable && !this.stopped) throw new Error('the server closed the connection');
    }
  }

  /** Tells the watchdogs running that the sync moved on (a long catch-up is not a stalled server). */
  private progressed: () => void = () => {};

  /**
   * A server that answers in a way no command can complete with (a tag that never comes) must not
   * hold the mailbox forever: past the timeout without progress the connection is closed and the
   * session fails.
   */
  private async watched<T>(client: ImapFlow, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        client.close();
        reject(new Error(`the server stopped answering (no reply within ${Math.round(this.deps.timing.timeout / 1000)} s)`));
      }, this.deps.timing.timeout);
    });
    const outer = this.progressed;
    this.progressed = () => {
      timer?.refresh();
      outer();
    };
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
      this.progressed = outer;
    }
  }

  private async syncFolder(client: ImapFlow, role: FolderRole, folder: string, author: Author) {
    const db = this.deps.database.db;
    const lock = await client.getMailboxLock(folder, { readOnly: true });
    try {
      const mb = client.mailbox;
      if (!mb) return;
      const uidValidity = String(mb.uidValidity);
      const state = await getFolderState(db, this.row.user_id, role);
      let uids: number[];
      if (!state || state.uidvalidity !== uidValidity) {
        // First connection, or the server renumbered the folder: the backfill window again (what
        // was logged before is recognised by its Message-ID).
        const since = new Date(Date.now() - this.deps.timing.backfill);
        const found = mb.exists ? await client.search({ since }, { uid: true }) : [];
        uids = (found || []).sort((a, b) => a - b);
        if (!uids.length) await this.keepPlace(role, uidValidity, Math.max(0, Number(mb.uidNext ?? 1) - 1));
      } else {
        if (mb.uidNext !== undefined && Number(mb.uidNext) <= state.lastUid + 1) return;
        const found = mb.exists ? await client.search({ uid: `${state.lastUid + 1}:*` }, { uid: true }) : [];
        // `n:*` also names the last message when it is older than n.
        uids = (found || []).filter((u) => u > state.lastUid).sort((a, b) => a - b);
      }
      if (role === 'sent') {
        await this.logSent(client, uids, uidValidity, author);
        return;
      }
      for (let i = 0; i < uids.length && !this.stopped; i += CHUNK) {
        const chunk = uids.slice(i, i + CHUNK);
        await this.noticeReplies(client, chunk, uidValidity, author);
        await this.keepPlace(role, uidValidity, chunk[chunk.length - 1]);
        this.progressed();
      }
    } finally {
      lock.release();
    }
  }

  /**
   * Sent mail, in batches: each batch is fetched with one command (the next one's while this one is
   * parsed), parsed, and logged in one transaction; only then does the folder's last UID move past
   * it, so a crash or a kill at any point loses nothing (the batch is fetched again, and what was
   * committed is recognised by its Message-ID). Mail the add-in logged already is recognised by its
   * X-Mailbeacon-Id.
   */
  private async logSent(client: ImapFlow, uids: number[], uidValidity: string, author: Author) {
    const batches = await this.plan(client, uids);
    let pending: Promise<Source[]> | undefined;
    for (const [i, batch] of batches.entries()) {
      if (this.stopped) break;
      const sources = await (pending ?? this.fetchBatch(client, batch));
      pending = undefined;
      const following = batches[i + 1];
      if (following && !batch.big && !following.big) {
        pending = this.fetchBatch(client, following);
        pending.catch(() => undefined); // awaited next round; a failure then is this session's end
      }
      await this.logBatch(sources, uidValidity, author);
      await this.keepPlace('sent', uidValidity, batch.last);
      this.progressed();
    }
  }

  /**
   * Groups the UIDs into batches by how big their messages may be. The sizes come from SEARCH LARGER
   * (RFC 3501 §6.4.4), one search per size class, each asked only of the messages over the class
   * below: most mail is small, so one short answer usually does instead of a size line for every
   * message. A server that refuses such a search is asked every message's size instead.
   */
  private async plan(client: ImapFlow, uids: number[]): Promise<Batch[]> {
    const bounds = new Map<number, number>();
    let larger = true; // until the server refuses SEARCH LARGER: then not asked again for the next chunks
    for (let i = 0; i < uids.length; i += 1000) {
      const chunk = uids.slice(i, i + 1000);
      const searched: Map<number, number> | undefined = larger ? await this.sizeBounds(client, chunk) : undefined;
      larger = searched !== undefined;
      const found = searched ?? (await this.sizes(client, chunk));
      // A message is skipped on its own RFC822.SIZE only, never on a search's word (a server that
      // ignored LARGER would otherwise have every message skipped).
      const skipping = searched ? [...found].filter(([, bound]) => bound > MAX_MESSAGE_BYTES).map(([uid]) => uid) : [];
      if (skipping.length) for (const [uid, size] of await this.sizes(client, skipping)) found.set(uid, size);
      for (const [uid, bound] of found) bounds.set(uid, bound);
    }
    const { batches, skipped } = planBatches(uids, bounds);
    for (const uid of skipped) this.deps.logger.warn({ userId: this.row.user_id, uid, size: bounds.get(uid) }, 'sent message too large to log; skipped');
    return batches;
  }

  /** The most each message may hold, by size class (SIZE_CLASSES); undefined when the server refuses SEARCH LARGER. */
  private async sizeBounds(client: ImapFlow, uids: number[]): Promise<Map<number, number> | undefined> {
    const bounds = new Map(uids.map((uid) => [uid, SIZE_CLASSES[0]] as [number, number]));
    let over = uids;
    for (const [k, floor] of SIZE_CLASSES.entries()) {
      if (!over.length) break;
      const found = await this.watched(client, client.search({ uid: uidSet(over), larger: floor }, { uid: true }));
      if (!Array.isArray(found)) return undefined;
      // Only the UIDs asked about count: a server's answer names no others.
      const asked = new Set(over);
      over = [...new Set(found)].filter((uid) => asked.has(uid)).sort((a, b) => a - b);
      for (const uid of over) bounds.set(uid, SIZE_CLASSES[k + 1] ?? MAX_MESSAGE_BYTES + 1);
    }
    return bounds;
  }

  /** Each message's own size (RFC822.SIZE): for servers without SEARCH LARGER, and before one is skipped as too large. */
  private async sizes(client: ImapFlow, uids: number[]): Promise<Map<number, number>> {
    const found = await this.watched(client, client.fetchAll(uidSet(uids), { uid: true, size: true }, { uid: true }));
    return new Map(found.map(({ uid, size = 0 }) => [uid, size] as [number, number]));
  }

  private async fetchBatch(client: ImapFlow, batch: Batch): Promise<Source[]> {
    if (!batch.uids.length) return [];
    if (batch.big) {
      const dl = await this.watched(client, client.download(String(batch.uids[0]), undefined, { uid: true }));
      return dl && 'content' in dl && dl.content ? [{ uid: batch.uids[0], source: dl.content }] : [];
    }
    const found = await this.watched(client, client.fetchAll(uidSet(batch.uids), { uid: true, source: true }, { uid: true }));
    return found.flatMap((m) => (m.source ? [{ uid: m.uid, source: m.source }] : []));
  }

  /** Parses a batch (attachments staged in one folder) and logs it in one transaction. */
  private async logBatch(sources: Source[], uidValidity: string, author: Author) {
    if (!sources.length) return;
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mailbeacon-imap-'));
    try {
      const parsed = await mapInParallel(sources, PARALLEL, (m) => this.parseSent(m.source, `${uidValidity}.${m.uid}`, dir));
      const db = this.deps.database.db;
      const items: EmailToLog[] = [];
      for (const p of parsed) {
        if (!p) continue;
        if (p.mailbeaconId) {
          await linkTrackedMessageId(db, this.who, p.mailbeaconId, p.email.internetMessageId);
          if (await loggedWithTrackingId(db, this.who, p.mailbeaconId)) continue;
        }
        items.push({ email: p.email, files: p.files });
      }
      if (items.length) await logEmails(this.loggingDeps, author, items);
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }

  /** A message no parser can read is skipped (undefined), not retried forever. */
  private async parseSent(source: Buffer | NodeJS.ReadableStream, key: string, dir: string) {
    try {
      return await parseMessage(source as Buffer, dir, () => fallbackId(source, key));
    } catch (err) {
      this.deps.logger.warn({ err: { message: (err as Error).message }, userId: this.row.user_id, key }, 'unreadable sent message skipped');
      return undefined;
    }
  }

  private get loggingDeps(): LoggingDeps {
    return { database: this.deps.database, erased: this.deps.erased, inferOpen: (o) => this.deps.inferOpen(o), log: this.deps.logger };
  }

  /** Inbox: headers first; only a message that names the user's mail is read whole. */
  private async noticeReplies(client: ImapFlow, uids: number[], uidValidity: string, author: Author) {
    const heads = await client.fetchAll(uidSet(uids), { uid: true, size: true, headers: ['in-reply-to', 'references'] }, { uid: true });
    const replies: Array<{ uid: number; mail: NonNullable<Awaited<ReturnType<typeof mailNamedBy>>> }> = [];
    for (const h of heads) {
      const text = h.headers?.toString('utf8') ?? '';
      const ids = [...new Set(idTokens(text.replace(/\r?\n[ \t]+/g, ' ')))];
      if (!ids.length || (h.size ?? 0) > MAX_MESSAGE_BYTES) continue;
      const trackingIds = ids.map(trackingIdOf).filter((t): t is string => !!t);
      const mail = await mailNamedBy(this.deps.database.db, this.who, ids, trackingIds);
      if (mail) replies.push({ uid: h.uid, mail });
    }
    for (const { uid, mail } of replies) {
      const dl = await client.download(String(uid), undefined, { uid: true });
      if (!dl || !('content' in dl) || !dl.content) continue;
      const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mailbeacon-imap-'));
      try {
        let parsed;
        try {
          parsed = await parseMessage(dl.content as never, dir, () => `<${uidValidity}.${uid}.${this.row.user_id}@imap.mailbeacon>`);
        } catch (err) {
          this.deps.logger.warn({ err: { message: (err as Error).message }, userId: this.row.user_id, uid }, 'unreadable reply skipped');
          continue;
        }
        const from = parsed.email.from;
        if (normalizeAddress(from) === normalizeAddress(author.email)) continue; // the user's own message in the thread
        const created = await recordReply(this.deps.database, this.who, mail, { from, fromName: parsed.fromName, replyMessageId: parsed.email.internetMessageId, at: parsed.email.sentAtMs });
        if (created.length) this.deps.published(created);
        if (mail.trackedEmailId) await this.deps.inferOpen({ accountId: this.who.accountId, trackedEmailId: mail.trackedEmailId, recipient: from, reason: 'reply received', at: parsed.email.sentAtMs });
        const settings = await getUserSettings(this.deps.database.db, this.who.accountId, this.who.userId);
        if (settings.logReplies) await logEmail(this.loggingDeps, author, parsed.email, parsed.files);
      } finally {
        await fs.promises.rm(dir, { recursive: true, force: true });
      }
    }
  }
}

/** A Message-ID for a message without one: from its bytes when we have them, so a resync finds it. */
function fallbackId(source: Buffer | NodeJS.ReadableStream, key: string): string {
  const basis = Buffer.isBuffer(source) ? createHash('sha256').update(source).digest('hex').slice(0, 32) : key;
  return `<${basis}@imap.mailbeacon>`;
}
