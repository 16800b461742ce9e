// Fan-out of new notifications to every process's live listeners. On SQLite (one process) they go
// straight to the hub. On PostgreSQL the process that stored them sends NOTIFY; every process LISTENs
// and then reads the rows it has not yet delivered (so a missed NOTIFY, e.g. across a database
// restart, is caught up by the next one or by a periodic check).
import type pg from 'pg';
import type { Database } from '../db/index.js';
import { pgNotify } from '../db/notify.js';
import type { Logger } from '../log.js';
import { lastNotificationSeq, notificationsAfter, type StoredNotification } from '../store/notifications.js';
import { NotificationHub } from './hub.js';
import type { PushSender } from './push.js';

const CHANNEL = 'mailbeacon_notifications';
const CATCH_UP_MS = 2000;

export class Notifier {
  readonly hub = new NotificationHub();
  private client: pg.Client | undefined;
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly push: PushSender | undefined,
  ) {}

  async start(databaseUrl: string | undefined): Promise<void> {
    if (this.database.dialect !== 'postgres' || !databaseUrl) return;
    this.lastSeq = await lastNotificationSeq(this.database.db);
    await this.listen(databaseUrl);
    this.timer = setInterval(() => void this.catchUp(), CATCH_UP_MS);
    this.timer.unref();
  }

  /** New notifications, just committed by this process. */
  published(items: StoredNotification[]): void {
    if (!items.length) return;
    if (this.database.dialect === 'postgres') {
      void pgNotify(this.database.db, CHANNEL).catch((err) => this.logger.warn({ err }, 'NOTIFY failed; listeners catch up shortly'));
    } else {
      this.hub.deliver(items);
    }
    void this.push?.send(items).catch((err) => this.logger.warn({ err }, 'web push failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.hub.closeAll();
    await this.client?.end().catch(() => {});
  }

  private async listen(url: string): Promise<void> {
    const { default: pgLib } = await import('pg');
    const client = new pgLib.Client({ connectionString: url });
    client.on('notification', () => void this.catchUp());
    client.on('error', (err) => {
      this.logger.warn({ err }, 'notification listener lost its connection; reconnecting');
      this.client = undefined;
      void this.reconnect(url);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  private async reconnect(url: string) {
    for (let attempt = 1; !this.stopped && !this.client; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
      try {
        await this.listen(url);
        await this.catchUp();
      } catch {
        /* the database is still down */
      }
    }
  }

  private catching = false;

  /** Delivers rows newer than the last one seen, for the users listening here. */
  private async catchUp(): Promise<void> {
    if (this.catching) return;
    this.catching = true;
    try {
      const users = this.hub.users();
      const rows = await notificationsAfter(this.database.db, this.lastSeq);
      if (rows.length) this.lastSeq = rows[rows.length - 1].seq;
      this.hub.deliver(rows.filter((r) => users.includes(r.userId)));
    } catch (err) {
      this.logger.debug({ err }, 'notification catch-up failed');
    } finally {
      this.catching = false;
    }
  }
}
