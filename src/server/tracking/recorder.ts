// Records opens and clicks off the response path. A hit is appended to this process's journal and
// answered at once; batches then go to the hit store (on the background thread), one at a time, and
// leave the journal once stored. A batch is a range of the journal, which the store reads itself: this
// thread keeps offsets, not hits, so its memory does not grow with what waits (docs/product.md §13,
// bounded memory). A crash loses nothing answered: the next process on this machine replays the
// journal (event ids are the hit ids, so replays are no-ops).
import fs from 'node:fs';
import type { Logger } from '../logger.js';
import { Journal, orphanJournals } from '../journal.js';
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

/** Hits to store: up to `max` whole lines of the journal `file` from byte `from` to `to`. */
export interface JournalRange {
  file: string;
  from: number;
  to: number;
  max: number;
}

/** What storing a range did: the notifications it created, and the hits it read, up to byte `next`. */
export interface StoredRange {
  created: StoredNotification[];
  count: number;
  next: number;
}

/** Where hits are stored: the HitStore, in this thread or (through messages) on the background thread. */
export interface HitSink {
  storeJournal(range: JournalRange): Promise<StoredRange>;
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
}

// Hits per batch stored. A batch's hits, rows and queries stay alive until its transaction
// commits, longer than the background thread's young generation lasts, so V8 promotes them to old
// space, which then grows until a late mark-compact: at 500 per batch that thread's old space reached
// about 48 MB under pixel load, at 100-200 about 15-27 MB, for a little less store throughput (README,
// Benchmarks: peak RSS).
const MAX_BATCH = 200;

/** Request headers the classifier reads. */
export const SIGNAL_HEADERS = ['user-agent', 'referer', 'accept', 'accept-language', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user', 'via', 'from', 'purpose', 'sec-purpose', 'x-purpose', 'x-moz'];

export class HitRecorder {
  /** Where the journal's hits not yet stored begin (they are its unsettled entries: each batch settles once stored). */
  private unsentFrom = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private journal: Journal<RawHit> | undefined;

  constructor(private readonly deps: RecorderDeps) {}

  /** Stores what dead processes of this machine answered but never stored, a batch at a time, then starts. */
  async start(): Promise<void> {
    let n = 0;
    for (const file of orphanJournals(this.deps.journalDir, 'hits')) {
      const to = fs.statSync(file).size;
      for (let from = 0; from < to; ) {
        const stored = await this.deps.sink.storeJournal({ file, from, to, max: MAX_BATCH });
        if (!stored.count) break; // what is left is a line the crash cut short, never answered
        this.notify(stored.created);
        n += stored.count;
        from = stored.next;
      }
      fs.rmSync(file, { force: true });
    }
    if (n) this.deps.logger.warn({ hits: n }, 'stored tracking hits that a stopped process had answered');
    this.journal = new Journal<RawHit>(this.deps.journalDir, 'hits');
  }

  /** Called on the response path: journal it, answer, store it with the next batch. */
  record(hit: RawHit): void {
    this.journal!.append(hit);
    if (this.journal!.unsettled >= MAX_BATCH) this.schedule(0);
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

  /** One batch at a time: while the store is busy, answered hits wait in the journal on disk. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const journal = this.journal!;
      while (journal.unsettled) {
        try {
          const stored = await this.deps.sink.storeJournal({ file: journal.file, from: this.unsentFrom, to: journal.size, max: MAX_BATCH });
          if (!stored.count) throw new Error(`no whole hit found in the journal from byte ${this.unsentFrom}`);
          this.unsentFrom = stored.next;
          this.notify(stored.created);
          journal.settled(stored.count);
          if (journal.size === 0) this.unsentFrom = 0; // everything stored: the journal started again
        } catch (err) {
          // Still in the journal: the next flush tries again from the same byte.
          this.deps.logger.error({ err, hits: journal.unsettled }, 'cannot store tracking hits; retrying');
          this.schedule(1000);
          return;
        }
      }
    });
    return this.flushing;
  }
}
