// Records opens and clicks off the response path. A hit is appended to this process's journal and
// answered at once; batches then go to the hit store (on the background thread), one at a time, and
// leave the journal once stored. A crash loses nothing answered: the next process on this machine
// replays the journal (event ids are the hit ids, so replays are no-ops).
import type { Logger } from '../logger.js';
import { Journal, replayOrphans } from '../journal.js';
import type { MailRef } from './tokens.js';
import type { StoredNotification } from '../store/notifications.js';

/** What the tracking endpoints know about a hit when they answer it. */
export interface RawHit {
  id: string;
  at: number;
  /** open, click, or the honeypot link */
  kind: 'o' | 'c' | 'h';
  ref: MailRef;
  url?: string;
  link?: number;
  method: string;
  ip: string;
  headers: Record<string, string | undefined>;
}

export interface InferredOpen {
  accountId: string;
  /** The add-in's tracked email, or a transactional delivery. */
  trackedEmailId?: string;
  deliveryId?: string;
  /** Who it was, when known (the author of a reply), even on mail whose pixel several people share. */
  recipient?: string;
  /** e.g. "reply logged". */
  reason: string;
  at?: number;
}

/** A notification a stored hit created, for the live feeds. */

/** A RawHit as JSON: the journal's line, kept and sent as is (a string is a fraction of the object's size). */
export type HitLine = string;

/** Where hits are stored: the HitStore, in this thread or (through messages) on the background thread. */
export interface HitSink {
  store(hits: HitLine[]): Promise<StoredNotification[]>;
  forget(ref: MailRef): void;
  selfViewed(ref: MailRef, at: number): Promise<void>;
  inferOpen(o: InferredOpen): Promise<{ recorded: boolean; created: StoredNotification[] }>;
}

export interface RecorderDeps {
  sink: HitSink;
  logger: Logger;
  journalDir: string;
  /** Called after a batch is stored with the notifications it created. */
  onNotifications: (items: StoredNotification[]) => void;
  batchMs?: number;
  /**
   * Answered hits kept in memory at most (default 1000); past this — a pixel load above what the store
   * writes — they wait only in the journal on disk and are read back from it in order, so memory does
   * not grow with the backlog (docs/product.md §13, bounded memory).
   */
  maxInMemory?: number;
}

// Hits per batch sent to the store. A batch's hits, rows and queries stay alive until its transaction
// commits, longer than the background thread's young generation lasts, so V8 promotes them to old
// space, which then grows until a late mark-compact: at 500 per batch that thread's old space reached
// about 48 MB under pixel load, at 100-200 about 15-27 MB, for a little less store throughput (README,
// Benchmarks: peak RSS).
const MAX_BATCH = 200;

/** Request headers the classifier reads. */
export const SIGNAL_HEADERS = ['user-agent', 'referer', 'accept', 'accept-language', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user', 'via', 'from', 'purpose', 'sec-purpose', 'x-purpose', 'x-moz'];

export class HitRecorder {
  private pending: HitLine[] = [];
  /** Hits only in the journal, from byte `spillFrom` on (undefined: none). */
  private spilled = 0;
  private spillFrom: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private journal: Journal<RawHit> | undefined;

  constructor(private readonly deps: RecorderDeps) {}

  /** Writes down what dead processes of this machine answered but never stored, then starts. */
  async start(): Promise<void> {
    const n = await replayOrphans<RawHit>(this.deps.journalDir, 'hits', async (hits) => {
      const lines = hits.map((h) => JSON.stringify(h));
      for (let i = 0; i < lines.length; i += MAX_BATCH) this.notify(await this.deps.sink.store(lines.slice(i, i + MAX_BATCH)));
    });
    if (n) this.deps.logger.warn({ hits: n }, 'stored tracking hits that a stopped process had answered');
    this.journal = new Journal<RawHit>(this.deps.journalDir, 'hits');
  }

  /** Called on the response path: journal it, answer, store it with the next batch. */
  record(hit: RawHit): void {
    const journal = this.journal!;
    const at = journal.size;
    const line = journal.append(hit);
    if (this.spillFrom === undefined && this.pending.length < (this.deps.maxInMemory ?? 1000)) this.pending.push(line);
    else {
      // Behind by more than memory holds: this one waits on disk (after any that wait already).
      this.spillFrom ??= at;
      this.spilled++;
    }
    if (this.pending.length >= MAX_BATCH) this.schedule(0);
    else if (!this.timer) this.schedule(this.deps.batchMs ?? 20);
  }

  /** Stores everything answered so far (graceful stop). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.journal?.close();
  }

  /**
   * The sender reported looking at this email at `at`: hits answered before the report are stored
   * with its context read afresh, then those from just before it are corrected to SELF.
   */
  async selfViewed(ref: MailRef, at: number): Promise<void> {
    this.deps.sink.forget(ref);
    await this.flush();
    await this.deps.sink.selfViewed(ref, at);
  }

  /**
   * An open inferred from something other than the pixel (a logged reply): recorded, and notified,
   * only when the email has no counted open yet. Answers whether it was recorded.
   */
  async inferOpen(o: InferredOpen): Promise<boolean> {
    const { recorded, created } = await this.deps.sink.inferOpen(o);
    this.notify(created);
    return recorded;
  }

  private notify(created: StoredNotification[]) {
    if (created.length) this.deps.onNotifications(created);
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  /** One batch at a time: while the store is busy, answered hits wait here (and in the journal). */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.pending.length || this.spilled) {
        if (this.pending.length < MAX_BATCH && this.spilled) this.readBack();
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          this.notify(await this.deps.sink.store(batch));
          this.journal!.settled(batch.length);
        } catch (err) {
          // Kept in the journal and in memory: the next flush tries again.
          this.deps.logger.error({ err, hits: batch.length }, 'cannot store tracking hits; retrying');
          this.pending.unshift(...batch);
          this.schedule(1000);
          return;
        }
      }
    });
    return this.flushing;
  }

  /** Moves the oldest hits waiting on disk into memory, as many as a batch needs. */
  private readBack() {
    const { lines, next } = this.journal!.readLines(this.spillFrom!, MAX_BATCH);
    this.pending.push(...lines);
    this.spilled -= lines.length;
    this.spillFrom = this.spilled > 0 ? next : undefined;
  }
}
