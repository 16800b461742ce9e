// The background thread runs what must not compete with the event loop that answers clients:
// relaying (MIME parsing, tracking, DKIM, the SMTP conversation with the relay, recording outcomes)
// and storing tracking hits (classifying, writing, correcting, notifying). This is the main thread's
// side: it hands freshly accepted deliveries over and keeps count of how busy the thread is, passes
// hits to store and answers back (as a HitSink), restarts the thread if it dies, and stops it last.
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Claimed } from '../store/queue.js';
import type { Handoff } from '../queue/accept.js';
import { workerOwner } from '../queue/worker.js';
import type { HitSink, InferredOpen, JournalRange, StoredRange } from '../tracking/recorder.js';
import type { MailRef } from '../tracking/tokens.js';
import { RelaySlots } from '../queue/slots.js';
import { keepHeapsSmall } from '../heap-size.js';
import type { StoredNotification } from '../store/notifications.js';
import type { Change } from '../notify/changes.js';

/** Calls into the thread's HitStore, answered by a `reply` with the same id. */
export type HitCall =
  | { op: 'storeJournal'; range: JournalRange }
  | { op: 'selfViewed'; ref: MailRef; at: number }
  | { op: 'inferOpen'; open: InferredOpen };

export type ToThread =
  | { type: 'take'; claimed: Claimed[] }
  | { type: 'wake' }
  | { type: 'change'; change: Change }
  | { type: 'forget-mail'; ref: MailRef }
  | { type: 'call'; id: number; call: HitCall }
  | { type: 'stop' };
export type FromThread =
  | { type: 'ready' }
  | { type: 'load'; inFlight: number }
  | { type: 'reply'; id: number; value?: unknown; error?: string }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

export interface ThreadData {
  config: Config;
  owner: string;
  concurrency: number;
}

export class BackgroundThread implements Handoff, HitSink {
  private worker!: Worker;
  private alive = false;
  private inFlight = 0;
  private readonly slots: RelaySlots;
  private stopping = false;
  private readonly owner = workerOwner();
  private nextCall = 1;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly entry: URL,
    private readonly config: Config,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {
    this.slots = new RelaySlots(concurrency, () => this.inFlight);
  }

  static async start(entry: URL, config: Config, concurrency: number, logger: Logger): Promise<BackgroundThread> {
    const thread = new BackgroundThread(entry, config, concurrency, logger);
    await thread.spawn();
    return thread;
  }

  // ---- deliveries (Handoff) ----

  reserve(n: number) {
    const slots = this.slots.reserve(n, !this.stopping && this.alive);
    return { owner: this.owner, leaseUntil: Date.now() + this.config.queue.lease, slots };
  }

  release(slots: number): void {
    this.slots.release(slots);
  }

  take(claimed: Claimed[]): void {
    this.release(claimed.length);
    if (!claimed.length) return;
    this.inFlight += claimed.length; // until the thread reports its own count
    this.post({ type: 'take', claimed });
  }

  wake(): void {
    this.post({ type: 'wake' });
  }

  /** A change (notify/changes.ts) for the thread's copies of settings. Posted before any hit that
   * follows it, so the thread applies it first. */
  changed(change: Change): void {
    this.post({ type: 'change', change });
  }

  // ---- tracking hits (HitSink) ----

  /** The thread reads the range from the journal itself: the hits never pass through this one's heap. */
  storeJournal(range: JournalRange): Promise<StoredRange> {
    return this.call({ op: 'storeJournal', range }) as Promise<StoredRange>;
  }

  forget(ref: MailRef): void {
    this.post({ type: 'forget-mail', ref });
  }

  selfViewed(ref: MailRef, at: number): Promise<void> {
    return this.call({ op: 'selfViewed', ref, at }) as Promise<void>;
  }

  inferOpen(open: InferredOpen): Promise<{ recorded: boolean; created: StoredNotification[] }> {
    return this.call({ op: 'inferOpen', open }) as Promise<{ recorded: boolean; created: StoredNotification[] }>;
  }

  /** Finishes the deliveries in flight (the thread records them) and ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    const stopped = new Promise<void>((resolve) => {
      this.worker.on('message', (m: FromThread) => m.type === 'stopped' && resolve());
      this.worker.once('exit', () => resolve());
    });
    this.post({ type: 'stop' });
    await stopped;
    await this.worker.terminate();
  }

  private call(call: HitCall): Promise<unknown> {
    // While the thread restarts, callers keep their work and try again (the recorder does).
    if (!this.alive) return Promise.reject(new Error('the background thread is restarting'));
    const id = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.post({ type: 'call', id, call });
    });
  }

  private post(message: ToThread) {
    if (this.alive) this.worker.postMessage(message);
  }

  private spawn(): Promise<void> {
    const data: ThreadData = { config: this.config, owner: this.owner, concurrency: this.concurrency };
    // The thread's garbage is short-lived (a batch of hits parsed, classified, written, dropped): a young
    // generation of V8's default 32 MB only grew its heap from 12 to 70 MB under pixel load. A small one
    // is collected more often, at a cost of a few % CPU (README, Benchmarks: peak RSS). It starts at its
    // full 8 MB (2 × 4 MB semi-spaces): with the growth factor at 1 (below) it would never grow from
    // V8's initial 1 MB, and a batch would outlive its scavenges and be promoted to old space. The flag
    // is read only when an isolate is created, so the main thread's stays as it is.
    v8.setFlagsFromString('--min-semi-space-size=4');
    this.worker = new Worker(this.entry, { workerData: data, name: 'mailbeacon-background', resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    // The thread's isolate, created on the thread itself, sets the (process-wide) growth factor back
    // to V8's default; 'online' comes after that. Applied any earlier, the main thread's young
    // generation grew to 2 × 16 MB anyway (heap-size.ts).
    this.worker.once('online', keepHeapsSmall);
    return new Promise((resolve, reject) => {
      this.worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') {
          this.alive = true;
          resolve();
        } else if (m.type === 'load') this.inFlight = m.inFlight;
        else if (m.type === 'reply') this.settle(m);
        else if (m.type === 'failed') reject(new Error(`the background thread could not start: ${m.message}`));
      });
      this.worker.on('error', (err) => this.logger.error({ err }, 'the background thread failed'));
      this.worker.on('exit', (code) => {
        this.alive = false;
        for (const { reject: fail } of this.calls.values()) fail(new Error('the background thread stopped'));
        this.calls.clear();
        if (this.stopping) return;
        // Its leases run out and are taken over by the new thread, and the recorder sends its hits
        // again: nothing is lost.
        this.logger.error({ code }, 'the background thread stopped unexpectedly; starting a new one');
        this.inFlight = 0;
        setTimeout(() => void this.spawn().catch((err) => this.logger.fatal({ err }, 'cannot restart the background thread')), 1000);
      });
    });
  }

  private settle(m: Extract<FromThread, { type: 'reply' }>) {
    const pending = this.calls.get(m.id);
    this.calls.delete(m.id);
    if (m.error === undefined) pending?.resolve(m.value);
    else pending?.reject(new Error(m.error));
  }
}
