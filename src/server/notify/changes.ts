// Changes that every process, and each process's background thread, must apply at once: settings
// that are cached (tracking reads them for every hit and send), and credentials revoked (live feeds
// opened with them end). One way for all of them: `publish` applies a change here before the caller
// answers and announces it to the other processes — NOTIFY on PostgreSQL, a row that SQLite's
// processes read twice a second — which apply it on arrival. A command (`mailbeacon user …`) only
// announces; the running servers apply it.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Dialect } from '../db/index.js';
import type { Schema } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { CHANGES_CHANNEL, changesAfter, lastChangeSeq, pruneChanges, recordChange } from '../store/changes.js';
import type { PgListener } from './pg-listener.js';

export type Change =
  /** An account's settings (no userId) or one user's changed: cached copies are read again. */
  | { type: 'settings-changed'; accountId: string; userId?: string }
  /** Credentials revoked (all of a user's, or these ids): live feeds re-check theirs and end if gone. */
  | { type: 'credential-revoked'; userId?: string; tokenIds?: string[] }
  /** Sending domains were added, re-keyed or removed: DKIM keys are read again. */
  | { type: 'domains-changed' }
  /** Some changes may have been missed (the LISTEN connection was lost): everything is re-read. */
  | { type: 'resync' };

export type ChangeListener = (change: Change) => void | Promise<void>;

const POLL_MS = 500; // SQLite: a change from another process applies within this, plus the work
const KEEP_MS = 60 * 60_000;
const PRUNE_MS = 10 * 60_000;
const MAX_NOTIFY = 7000; // PostgreSQL's NOTIFY payload is limited to 8000 bytes

/** Announces a change to every server process (a command's way; a server uses ChangeFeed.publish). */
export async function announce(db: Kysely<Schema>, dialect: Dialect, change: Change, origin = 'command'): Promise<void> {
  const json = JSON.stringify(change);
  await recordChange(db, dialect, origin, json.length > MAX_NOTIFY ? JSON.stringify({ type: 'resync' }) : json);
}

export class ChangeFeed {
  /** This process, so that it skips what it applied itself when its own change comes back. */
  private readonly origin = randomUUID();
  private readonly listeners: ChangeListener[] = [];
  private lastSeq = 0;
  private timers: NodeJS.Timeout[] = [];
  private polling = false;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  on(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** Applies a change here (this thread and the background thread) and announces it to the others. */
  async publish(change: Change): Promise<void> {
    await this.apply(change);
    await announce(this.database.db, this.database.dialect, change, this.origin);
  }

  /** PostgreSQL: hears the others through `listener` (started after this). SQLite: reads the table. */
  async start(listener: PgListener | undefined): Promise<void> {
    if (listener) {
      listener.on(CHANGES_CHANNEL, (payload) => this.received(payload));
      listener.onReconnect(() => void this.apply({ type: 'resync' }));
      return;
    }
    this.lastSeq = await lastChangeSeq(this.database.db);
    this.every(POLL_MS, () => this.poll());
    this.every(PRUNE_MS, () => pruneChanges(this.database.db, Date.now() - KEEP_MS));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  private every(ms: number, fn: () => Promise<void>) {
    const t = setInterval(() => void fn().catch((err) => this.logger.debug({ err }, 'reading changes failed; trying again')), ms);
    t.unref();
    this.timers.push(t);
  }

  private received(payload: string) {
    try {
      const { origin, change } = JSON.parse(payload) as { origin: string; change: string };
      if (origin !== this.origin) void this.apply(JSON.parse(change) as Change);
    } catch (err) {
      this.logger.warn({ err }, 'ignored a change that does not parse');
    }
  }

  private async poll() {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const row of await changesAfter(this.database.db, this.lastSeq)) {
        this.lastSeq = row.seq;
        if (row.origin !== this.origin) await this.apply(JSON.parse(row.change) as Change);
      }
    } finally {
      this.polling = false;
    }
  }

  /** Every listener, each on its own: one failing does not keep the change from the others. */
  private async apply(change: Change): Promise<void> {
    await Promise.all(
      this.listeners.map(async (listener) => {
        try {
          await listener(change);
        } catch (err) {
          this.logger.warn({ err, change: change.type }, 'applying a change failed');
        }
      }),
    );
  }
}
