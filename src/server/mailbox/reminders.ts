// Follow-up reminders: a tracked email with `remindAfterDays` keeps its due time in the database; this
// sweeper fires each due one that has no reply, once (store/replies.ts fireReminder claims it and
// stores the notification in one transaction), so a restart neither loses nor repeats one.
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import { dueReminders, fireReminder } from '../store/replies.js';
import type { StoredNotification } from '../store/notifications.js';

export interface ReminderDeps {
  database: Database;
  logger: Logger;
  everyMs: number;
  /** The clock reminders use (tests move it forward). */
  now(): number;
  published(items: StoredNotification[]): void;
}

const parseList = (json: string): string[] => {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

export class ReminderSweeper {
  private timer: NodeJS.Timeout | undefined;
  /** The sweep under way, if any: one at a time, and stop() waits for it. */
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly deps: ReminderDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.deps.everyMs);
    this.timer.unref();
    void this.sweep();
  }

  /** Stops sweeping; the reminder being fired is fired (and published) before this resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  sweep(): Promise<void> {
    this.running ??= this.fireDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async fireDue(): Promise<void> {
    try {
      const now = this.deps.now();
      for (const r of await dueReminders(this.deps.database.db, now, 200)) {
        if (this.stopping) break; // the rest stay due: the next start fires them
        const recipients = parseList(r.recipients);
        const who = recipients.length > 1 ? `${recipients[0]} and ${recipients.length - 1} more` : (recipients[0] ?? 'Nobody');
        const created = await fireReminder(this.deps.database.db, { ...r, remind_at: Number(r.remind_at) }, who, now);
        if (created.length) this.deps.published(created);
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'reminder sweep failed; retried next time');
    }
  }
}
