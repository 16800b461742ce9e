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
import { logEmail } from '../logging/log-email.js';
import { normalizeAddress } from '../../shared/addresses.js';
import type { InferredOpen } from '../tracking/recorder.js';
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
  inferOpen(o: InferredOpen): Promise<boolean>;
  published(items: StoredNotification[]): void;
}

/** Messages fetched per round trip: bounds memory (a chunk of sources) while keeping the pipe full. */
const CHUNK = 100;
/** Bigger messages are streamed one by one rather than fetched with their neighbours. */
const STREAM_OVER = 1024 * 1024;

/** Messages of one chunk logged at the same time. */
const PARALLEL = 8;

/** Runs `fn` over `items`, at most `n` at a time; the first failure is thrown once all have settled. */
async function inParallel<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failure !== undefined) throw failure;
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
    const client = imapClient({ ...this.row, address, port: Number(this.row.port), secret }, { tlsCa: this.deps.timing.tlsCa, timeoutMs: this.deps.timing.timeout });
    this.client = client;
    // imapflow reports socket errors as events too; the awaited calls below carry them.
    client.on('error', (err: Error) => this.deps.logger.debug({ err: { message: err.message }, userId: this.row.user_id }, 'imap connection error'));
    const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    await this.watched(client, client.connect());
    if (this.stopped) return;
    const list = await this.watched(client, client.list());
    const sentPath = list.find((f) => f.specialUse === '\\Sent')?.path ?? this.row.sent_folder;
    const inboxPath = this.row.inbox_folder;
    await this.status({ status: 'CONNECTED', last_error: null, failures: 0 });
    this.deps.logger.info({ userId: this.row.user_id, host: this.row.host, sentFolder: sentPath }, 'mailbox connected');
    const author = { accountId: this.row.account_id, userId: this.row.user_id, email: user.email };
    client.on('exists', () => this.wake?.());
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
        void closed.then(() => this.wake?.());
      });
      this.wake = undefined;
      if (!client.usable && !this.stopped) throw new Error('the server closed the connection');
    }
  }

  /**
   * A server that answers in a way no command can complete with (a tag that never comes) must not
   * hold the mailbox forever: past the timeout the connection is closed and the session fails.
   */
  private async watched<T>(client: ImapFlow, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        client.close();
        reject(new Error(`the server stopped answering (no reply within ${Math.round(this.deps.timing.timeout / 1000)} s)`));
      }, this.deps.timing.timeout);
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async syncFolder(client: ImapFlow, role: FolderRole, folder: string, author: { accountId: string; userId: string; email: string }) {
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
        if (!uids.length) await setFolderState(db, this.who, role, uidValidity, Math.max(0, Number(mb.uidNext ?? 1) - 1));
      } else {
        if (mb.uidNext !== undefined && Number(mb.uidNext) <= state.lastUid + 1) return;
        const found = mb.exists ? await client.search({ uid: `${state.lastUid + 1}:*` }, { uid: true }) : [];
        // `n:*` also names the last message when it is older than n.
        uids = (found || []).filter((u) => u > state.lastUid).sort((a, b) => a - b);
      }
      for (let i = 0; i < uids.length && !this.stopped; i += CHUNK) {
        const chunk = uids.slice(i, i + CHUNK);
        if (role === 'sent') await this.logSent(client, chunk, uidValidity, author);
        else await this.noticeReplies(client, chunk, uidValidity, author);
        await setFolderState(db, this.who, role, uidValidity, chunk[chunk.length - 1]);
      }
    } finally {
      lock.release();
    }
  }

  /** Sent mail: logged, unless the add-in logged it already (X-Mailbeacon-Id, else Message-ID). */
  private async logSent(client: ImapFlow, uids: number[], uidValidity: string, author: { accountId: string; userId: string; email: string }) {
    const sizes = await client.fetchAll(uids.join(','), { uid: true, size: true }, { uid: true });
    const small = sizes.filter((m) => (m.size ?? 0) <= STREAM_OVER).map((m) => m.uid);
    const big = sizes.filter((m) => (m.size ?? 0) > STREAM_OVER && (m.size ?? 0) <= MAX_MESSAGE_BYTES).map((m) => m.uid);
    for (const m of sizes) if ((m.size ?? 0) > MAX_MESSAGE_BYTES) this.deps.logger.warn({ userId: this.row.user_id, uid: m.uid, size: m.size }, 'sent message too large to log; skipped');
    const sources = small.length ? await client.fetchAll(small.join(','), { uid: true, source: true }, { uid: true }) : [];
    // Logging one message mostly waits (files, database); several at once keep both busy.
    await inParallel(sources, PARALLEL, (m) => (m.source ? this.logOne(m.source, `${uidValidity}.${m.uid}`, author) : Promise.resolve()));
    for (const uid of big) {
      const dl = await client.download(String(uid), undefined, { uid: true });
      if (dl && 'content' in dl && dl.content) await this.logOne(dl.content, `${uidValidity}.${uid}`, author);
    }
  }

  private async logOne(source: Buffer | NodeJS.ReadableStream, key: string, author: { accountId: string; userId: string; email: string }) {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mailbeacon-imap-'));
    try {
      let parsed;
      try {
        parsed = await parseMessage(source as Buffer, dir, () => fallbackId(source, key));
      } catch (err) {
        // A message no parser can read is skipped, not retried forever.
        this.deps.logger.warn({ err: { message: (err as Error).message }, userId: this.row.user_id, key }, 'unreadable sent message skipped');
        return;
      }
      const db = this.deps.database.db;
      if (parsed.mailbeaconId) {
        await linkTrackedMessageId(db, this.who, parsed.mailbeaconId, parsed.email.internetMessageId);
        if (await loggedWithTrackingId(db, this.who, parsed.mailbeaconId)) return;
      }
      await logEmail({ database: this.deps.database, inferOpen: (o) => this.deps.inferOpen(o), log: this.deps.logger }, author, parsed.email, parsed.files);
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }

  /** Inbox: headers first; only a message that names the user's mail is read whole. */
  private async noticeReplies(client: ImapFlow, uids: number[], uidValidity: string, author: { accountId: string; userId: string; email: string }) {
    const heads = await client.fetchAll(uids.join(','), { uid: true, size: true, headers: ['in-reply-to', 'references'] }, { uid: true });
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
        if (settings.logReplies) await logEmail({ database: this.deps.database, inferOpen: (o) => this.deps.inferOpen(o), log: this.deps.logger }, author, parsed.email, parsed.files);
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
