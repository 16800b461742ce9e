// The retention sweeper (docs/product.md §13; like Postmark's per-server retention settings): every
// `every`, each account's events, message bodies with their delivery logs, send statuses, logged
// emails with attachments, and notifications older than its `retentionDays` are deleted — a batch at a
// time, each batch a short transaction of its own, yielding between batches, so the server keeps
// answering and no lock is held for long. Counters stay (events are folded into rollups first);
// content no attachment points at any more is removed. One process sweeps at a time (a lease in the
// database), so several servers on one PostgreSQL do not repeat each other's work.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import {
  accountsForRetention,
  releaseLease,
  sweepEvents,
  sweepLoggedEmails,
  sweepMessages,
  sweepNotifications,
  sweepOrphanBlobs,
  sweepSendStatuses,
  takeLease,
} from '../store/retention.js';

const DAY_MS = 86_400_000;
const LEASE = 'retention';
// Renewed after every batch; a process killed mid-sweep holds it this long at most, then the next one resumes.
const LEASE_MS = 60_000;

export const RETENTION_DAYS = { default: 365, min: 1, max: 3650 };

export interface SweepReport {
  events: number;
  messages: number;
  sendStatuses: number;
  loggedEmails: number;
  notifications: number;
  blobs: number;
}

export class RetentionSweeper {
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport | undefined> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: { database: Database; logger: Logger; every: number; batch: number; now?: () => number },
  ) {}

  start(): void {
    // The first sweep soon after start, then every `every`.
    this.schedule(Math.min(this.deps.every, 10_000));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every account; undefined when another process holds the lease. */
  sweep(): Promise<SweepReport | undefined> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.sweep()
        .catch((err) => this.deps.logger.error({ err }, 'retention sweep failed; trying again at the next one'))
        .finally(() => this.schedule(this.deps.every));
    }, ms);
    this.timer.unref();
  }

  private async pass(): Promise<SweepReport | undefined> {
    const { database, batch } = this.deps;
    const db = database.db;
    const now = () => this.deps.now?.() ?? Date.now();
    if (!(await takeLease(db, LEASE, this.owner, now() + LEASE_MS, now()))) return undefined;
    const report: SweepReport = { events: 0, messages: 0, sendStatuses: 0, loggedEmails: 0, notifications: 0, blobs: 0 };
    try {
      for (const account of await accountsForRetention(db)) {
        const cutoff = now() - account.retentionDays * DAY_MS;
        const kinds: Array<[keyof SweepReport, () => Promise<number>]> = [
          ['events', () => sweepEvents(db, account.id, cutoff, batch)],
          ['notifications', () => sweepNotifications(db, account.id, cutoff, batch)],
          ['messages', () => sweepMessages(db, account.id, cutoff, batch)],
          ['sendStatuses', () => sweepSendStatuses(db, account.id, cutoff, batch)],
          ['loggedEmails', () => sweepLoggedEmails(db, account.id, cutoff, batch)],
        ];
        for (const [kind, step] of kinds) report[kind] += await this.inBatches(step, now);
      }
      report.blobs += await this.inBatches(() => sweepOrphanBlobs(db, batch), now);
    } finally {
      await releaseLease(db, LEASE, this.owner).catch(() => {});
    }
    if (Object.values(report).some((n) => n > 0)) this.deps.logger.info({ deleted: report }, 'retention sweep');
    return report;
  }

  /** Repeats one batch until nothing is left, yielding to other work and renewing the lease between batches. */
  private async inBatches(step: () => Promise<number>, now: () => number): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const n = await step();
      total += n;
      if (n < this.deps.batch) return total;
      await new Promise((r) => setImmediate(r));
      if (!(await takeLease(this.deps.database.db, LEASE, this.owner, now() + LEASE_MS, now()))) return total;
    }
  }
}
