// Relays queued deliveries: prepares each recipient's copy, hands it to the relay and records the
// outcome. Every process runs one; they share the work through the database under leases, so a
// process that dies leaves nothing stuck — its leases run out and are taken over.
//
// Deliveries this process has just accepted are handed over directly (inserted already leased to
// it), and outcomes are committed in groups: one transaction settles whatever finished meanwhile.
import os from 'node:os';
import type { Logger } from '../logger.js';
import type { QueueTiming } from '../config.js';
import { bookkeeping, type Database } from '../db/index.js';
import { newId } from '../secrets.js';
import { Journal, replayOrphans } from '../journal.js';
import { type Claimed, claimDue, confirmLeases, loadMessage, loadQueued, type MessageRow, nextDueAt, type Outcome, renewLeases, settle } from '../store/queue.js';
import { suppress, suppressedAmong } from '../store/suppressions.js';
import { retryDelay } from './backoff.js';
import { type Relay, RelayError } from './relay.js';
import { RelaySlots } from './slots.js';

export type PrepareCopy = (message: MessageRow, delivery: Claimed) => Promise<Buffer>;
export type OnSettled = (delivery: Claimed, outcome: Outcome, message: MessageRow) => Promise<void> | void;

/** "The relay took this delivery": written the moment it answers, before the database knows. */
interface Relayed {
  d: string;
  r: string;
}

export interface WorkerDeps {
  database: Database;
  /** Where this process keeps its journal of relayed deliveries (DATA_DIR/journal). */
  journalDir: string;
  relay: Relay;
  logger: Logger;
  timing: QueueTiming;
  concurrency: number;
  prepare: PrepareCopy;
  onSettled?: OnSettled;
  /** The lease owner name (given when another thread reserves slots for this worker). */
  owner?: string;
  /** Told the number of deliveries in flight whenever it changes. */
  onLoad?: (inFlight: number) => void;
}

interface PendingOutcome {
  delivery: Claimed;
  outcome: Outcome;
  message: MessageRow | undefined;
  suppressRecipient: boolean;
  done: () => void;
}

const IDLE_POLL_MS = 1000;

/** A lease owner name unique to this process and worker. */
export function workerOwner(): string {
  return `${os.hostname()}:${process.pid}:${newId(6)}`;
}

export class DeliveryWorker {
  readonly owner: string;
  private inFlight = new Map<string, Promise<void>>();
  private readonly slots: RelaySlots;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private journal: Journal<Relayed> | undefined;
  private lastReplay = 0;
  private outcomes: PendingOutcome[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly deps: WorkerDeps) {
    this.owner = deps.owner ?? workerOwner();
    this.slots = new RelaySlots(deps.concurrency, () => this.inFlight.size);
  }

  /** Settles what dead processes of this machine had relayed but not recorded, then starts. */
  async start(): Promise<void> {
    await this.replay();
    this.journal = new Journal<Relayed>(this.deps.journalDir, 'relayed');
    this.loopDone = this.loop();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(200, this.deps.timing.lease / 3));
    this.renewTimer.unref();
  }

  /** Something was queued elsewhere: look now instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Reserves up to `n` slots for deliveries about to be accepted here; the acceptor inserts that many
   * already leased to `owner` and then calls `take` (or `release` if the insert failed).
   */
  reserve(n: number): { owner: string; leaseUntil: number; slots: number } {
    const slots = this.slots.reserve(n, !this.stopping);
    return { owner: this.owner, leaseUntil: Date.now() + this.deps.timing.lease, slots };
  }

  release(slots: number): void {
    this.slots.release(slots);
  }

  /**
   * Starts deliveries that were inserted already leased to this worker, those still its own. Their
   * leases were set before the insert committed and the handover reached this thread; meanwhile
   * nothing renewed them, so one may have run out and been claimed by another process, which relays
   * it. Each is in flight (renewed with the others) from here on, and relayed only once its lease is
   * confirmed.
   */
  take(claimed: Claimed[]): void {
    this.release(claimed.length);
    if (!claimed.length) return;
    const ours = this.confirm(claimed.map((d) => d.id));
    for (const d of claimed) this.run(d, ours);
  }

  /** Takes no new work and waits for the deliveries in flight to settle. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopDone;
    await Promise.allSettled(this.inFlight.values());
    await this.flushing;
    clearInterval(this.renewTimer);
    this.journal?.close();
  }

  /**
   * A delivery the relay took just before a crash must not be sent again: its journal entry marks
   * it SENT. Also run now and then, so a sibling process's crash is settled before its leases run out.
   */
  private async replay(): Promise<void> {
    this.lastReplay = Date.now();
    const n = await replayOrphans<Relayed>(this.deps.journalDir, 'relayed', async (entries) => {
      for (const e of entries) {
        const d = await loadQueued(this.deps.database.db, e.d);
        if (d) await bookkeeping(this.deps.database, (trx) => settle(trx, null, d, { kind: 'SENT', response: e.r }));
      }
    });
    if (n) this.deps.logger.warn({ deliveries: n }, 'settled deliveries that a stopped process had relayed but not recorded');
  }

  /** Leases of `ids` renewed, and which are still this worker's; none if that cannot be checked (they run out and are claimed like any other). */
  private async confirm(ids: string[]): Promise<Set<string>> {
    const { database, timing, logger } = this.deps;
    try {
      return await bookkeeping(database, (trx) => confirmLeases(trx, this.owner, ids, Date.now() + timing.lease));
    } catch (err) {
      logger.warn({ err, deliveries: ids.length }, 'cannot confirm the leases of handed-over deliveries; leaving them to run out');
      return new Set();
    }
  }

  private run(d: Claimed, ours?: Promise<Set<string>>): void {
    // Handed over after its lease ran out, it may have been claimed by this worker's own loop too.
    if (this.inFlight.has(d.id)) return;
    const start = ours ? ours.then((held) => (held.has(d.id) ? this.deliver(d) : this.lostBeforeStart(d))) : this.deliver(d);
    this.inFlight.set(
      d.id,
      start
        .catch((err) => this.deps.logger.error({ err, deliveryId: d.id }, 'delivery failed unexpectedly; its lease will run out and it will be retried'))
        .finally(() => {
          this.inFlight.delete(d.id);
          this.deps.onLoad?.(this.inFlight.size);
          this.wake();
        }),
    );
    this.deps.onLoad?.(this.inFlight.size);
  }

  private lostBeforeStart(d: Claimed): void {
    this.deps.logger.warn({ deliveryId: d.id }, 'a handed-over delivery was taken over by another process before it started here; not relaying it');
  }

  private async loop(): Promise<void> {
    const { database, timing, logger } = this.deps;
    while (!this.stopping) {
      if (Date.now() - this.lastReplay > timing.lease / 2) await this.replay().catch((err) => logger.warn({ err }, 'cannot replay relay journals'));
      const free = this.slots.free();
      let claimed: Claimed[] = [];
      if (free > 0) {
        const now = Date.now();
        try {
          claimed = await bookkeeping(database, (trx) => claimDue(trx, database.dialect, this.owner, free, now, now + timing.lease));
        } catch (err) {
          logger.warn({ err }, 'cannot claim deliveries; the database may be down, retrying');
          await this.sleep(1000);
          continue;
        }
        for (const d of claimed) this.run(d);
      }
      if (free > 0 && claimed.length === free) continue; // more may be due right now
      await this.sleep(free > 0 ? await this.untilNextDue() : IDLE_POLL_MS);
    }
  }

  private async untilNextDue(): Promise<number> {
    try {
      const at = await nextDueAt(this.deps.database.db);
      return at === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, at - Date.now()));
    } catch {
      return IDLE_POLL_MS;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async renew() {
    if (!this.inFlight.size) return;
    try {
      await bookkeeping(this.deps.database, (trx) => renewLeases(trx, this.owner, [...this.inFlight.keys()], Date.now() + this.deps.timing.lease));
    } catch (err) {
      this.deps.logger.warn({ err }, 'cannot renew delivery leases');
    }
  }

  private async deliver(d: Claimed): Promise<void> {
    const { database, relay, logger, timing, prepare } = this.deps;
    const message = await this.retryDb(() => loadMessage(database.db, d.message_id));
    if (!message) {
      logger.error({ deliveryId: d.id }, 'delivery has no message; dropping it');
      return this.commitOutcome(d, { kind: 'DROPPED', response: 'the message of this delivery is missing', reason: 'MISSING_CONTENT' }, undefined, false);
    }
    if ((await this.retryDb(() => suppressedAmong(database.db, d.account_id, d.pseudonym ? [d.recipient, d.pseudonym] : [d.recipient]))).size) {
      return this.commitOutcome(d, { kind: 'DROPPED', response: `${d.pseudonym ?? d.recipient} bounced before and is suppressed`, reason: 'PREVIOUSLY_BOUNCED' }, message, false);
    }
    try {
      const copy = await prepare(message, d);
      const response = await relay.send({ from: message.mail_from, to: d.recipient, deliveryId: d.id }, copy);
      this.journal!.append({ d: d.id, r: response });
      return await this.commitOutcome(d, { kind: 'SENT', response }, message, false);
    } catch (err) {
      const outcome = this.failure(d, err, timing);
      logger.info({ deliveryId: d.id, outcome: outcome.kind, response: outcome.response }, 'relay attempt failed');
      return this.commitOutcome(d, outcome, message, err instanceof RelayError && err.recipientRefused);
    }
  }

  private failure(d: Claimed, err: unknown, timing: QueueTiming): Outcome {
    const response = err instanceof Error ? err.message : String(err);
    if (err instanceof RelayError && err.permanent) return { kind: 'BOUNCED', response };
    const retryAt = Date.now() + retryDelay(d.attempts + 1, timing.retryBase, timing.retryMax);
    if (retryAt > d.give_up_at) return { kind: 'DROPPED', response: `gave up after ${d.attempts + 1} attempts: ${response}`, reason: 'GAVE_UP' };
    return { kind: 'DEFERRED', response, retryAt };
  }

  /** Queues the outcome for the next group commit and resolves once it is committed. */
  private commitOutcome(delivery: Claimed, outcome: Outcome, message: MessageRow | undefined, suppressRecipient: boolean): Promise<void> {
    return new Promise((done) => {
      this.outcomes.push({ delivery, outcome, message, suppressRecipient, done });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  /** Commits every outcome gathered so far in one transaction; repeats while more arrive. */
  private async flush(): Promise<void> {
    while (this.outcomes.length) {
      const batch = this.outcomes.splice(0);
      let settled: boolean[];
      try {
        settled = await this.retryDb(() =>
        bookkeeping(this.deps.database, async (trx) => {
          const results: boolean[] = [];
          for (const p of batch) {
            results.push(await settle(trx, this.owner, p.delivery, p.outcome));
            if (p.suppressRecipient && !p.delivery.pseudonym) await suppress(trx, p.delivery.account_id, p.delivery.recipient, 'HARD_BOUNCE', p.outcome.response);
          }
          return results;
        }),
        );
      } catch (err) {
        // Still leased to us: when the leases run out they are retried (the journal keeps the sent ones).
        this.deps.logger.error({ err, deliveries: batch.length }, 'cannot record delivery outcomes');
        batch.forEach((p) => p.done());
        continue;
      }
      this.journal!.settled(batch.filter((p) => p.outcome.kind === 'SENT').length);
      // An erased recipient's copy is out and its address written over: old page images in SQLite's
      // WAL would still hold it (docs/product.md §13).
      if (batch.some((p) => p.delivery.pseudonym && p.outcome.kind !== 'DEFERRED')) void this.forgetOldPages();
      for (const [i, p] of batch.entries()) {
        if (!settled[i]) this.deps.logger.warn({ deliveryId: p.delivery.id }, 'lost the lease on a delivery while relaying it; another process has taken it over');
        else if (p.message) await Promise.resolve(this.deps.onSettled?.(p.delivery, p.outcome, p.message)).catch((err) => this.deps.logger.error({ err }, 'after-delivery hook failed'));
        p.done();
      }
    }
    this.flushing = undefined;
  }

  private async forgetOldPages(): Promise<void> {
    const { database, logger } = this.deps;
    await database.sync();
    if (!(await database.checkpoint())) logger.warn({}, 'an erased address stays in the WAL until the next checkpoint (readers kept it busy)');
  }

  /** Database calls after a relay attempt must not be lost to a short outage (a restart). */
  private async retryDb<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= 30) throw err;
        this.deps.logger.warn({ err, attempt }, 'database call failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  }
}
