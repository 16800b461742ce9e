// Runs the connected mailboxes' syncs in this process (the server process: IMAP is waiting on
// sockets, not CPU, and logging, the hit recorder and the notifier all live here). Every so often it
// claims mailboxes nobody holds (a lease row in the database, so on PostgreSQL each mailbox is synced
// by one process and taken over when that process dies), runs a SyncSession for each, renews the
// leases, and on failure records the server's words and retries with back-off.
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { MailboxTiming } from '../config.js';
import { claimMailboxes, releaseMailboxLease, setMailboxStatus, type MailboxRow } from '../store/mailboxes.js';
import type { InferredOpen } from '../tracking/recorder.js';
import type { ErasedAddresses } from '../lifecycle/erased.js';
import type { StoredNotification } from '../store/notifications.js';
import { isLoginRefusal, serverWords } from './imap.js';
import type { SecretBox } from './secret-box.js';
import { SyncSession } from './session.js';

export interface SyncerDeps {
  database: Database;
  box: SecretBox;
  timing: MailboxTiming;
  logger: Logger;
  /** Erased addresses are never logged (lifecycle/erased.ts). */
  erased?: ErasedAddresses;
  inferOpen(o: InferredOpen): Promise<boolean>;
  published(items: StoredNotification[]): void;
}

/** A retry time no clock reaches: the mailbox waits for new settings (saving them sets it to 0). */
const NEVER = Number.MAX_SAFE_INTEGER;

/** Mailboxes one process syncs at once. */
const MAX_SESSIONS = 200;

export class MailboxSyncer {
  readonly owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly sessions = new Map<string, SyncSession>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly deps: SyncerDeps) {}

  start(): void {
    const every = Math.max(50, Math.min(this.deps.timing.lease / 3, this.deps.timing.poll, 2000));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    void this.tick();
  }

  /** Claims new mailboxes now (a mailbox was just connected). */
  poke(): void {
    void this.tick();
  }

  /** The claim under way, if any: one at a time, and stop() waits for it. */
  private claiming: Promise<void> | undefined;

  private tick(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.claiming ??= this.claim().finally(() => {
      this.claiming = undefined;
    });
    return this.claiming;
  }

  /** Renews this process's leases, then claims mailboxes nobody holds and starts their sessions. */
  private async claim(): Promise<void> {
    try {
      await Promise.all([...this.sessions.values()].map((s) => s.renew()));
      const room = MAX_SESSIONS - this.sessions.size;
      if (room <= 0) return;
      const rows = await claimMailboxes(this.deps.database.db, this.owner, Date.now(), this.deps.timing.lease, room);
      for (const row of rows) {
        if (this.stopping) {
          // The shutdown came while the claim waited on the database: give the mailbox back at
          // once (another process takes it over) rather than start a session nobody will stop.
          await releaseMailboxLease(this.deps.database.db, row.user_id, this.owner);
          continue;
        }
        if (this.sessions.has(row.user_id)) continue;
        const session = new SyncSession({ ...this.deps, owner: this.owner }, row);
        this.sessions.set(row.user_id, session);
        const done = this.runSession(session, row, Number(row.generation), Number(row.failures)).finally(() => {
          this.sessions.delete(row.user_id);
          this.running.delete(done);
        });
        this.running.add(done);
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'mailbox claim failed; retried shortly');
    }
  }

  private async runSession(session: SyncSession, row: MailboxRow, generation: number, failures: number): Promise<void> {
    const db = this.deps.database.db;
    const userId = row.user_id;
    let error: string | undefined;
    let refusedToken = false;
    try {
      await setMailboxStatus(db, userId, this.owner, generation, { status: 'CONNECTING' }).catch(() => {});
      await session.run();
    } catch (err) {
      error = serverWords(err);
      const refused = isLoginRefusal(err);
      // An OAuth access token lives about an hour and we hold no refresh token: once refused, no
      // retry can succeed. It waits for the user to save a new one (docs/product.md §11).
      refusedToken = refused && row.auth === 'xoauth2';
      if (refusedToken) error = `The access token was refused (${error}); paste a new one.`;
      this.deps.logger[refused ? 'warn' : 'info']({ userId, error }, refusedToken ? 'mailbox access token refused; waiting for a new one' : 'mailbox sync stopped; retrying with back-off');
    }
    try {
      if (error !== undefined && !this.stopping && !session.leaseLost) {
        const t = this.deps.timing;
        const delay = Math.min(t.retryMax, t.retryBase * 2 ** Math.min(failures, 20)) * (0.8 + Math.random() * 0.4);
        const retryAt = refusedToken ? NEVER : Date.now() + Math.round(delay);
        await setMailboxStatus(db, userId, this.owner, generation, { status: 'ERROR', last_error: error, failures: failures + 1, retry_at: retryAt });
      }
      await releaseMailboxLease(db, userId, this.owner);
    } catch (err) {
      this.deps.logger.warn({ err, userId }, 'mailbox lease release failed; it runs out on its own');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.claiming; // a claim under way ends first, giving back what it claimed
    for (const s of this.sessions.values()) s.stop();
    await Promise.allSettled([...this.running]);
  }
}
