// The one LISTEN connection a server process holds on PostgreSQL, shared by everything that hears
// from the other processes (new notifications, changes). It reconnects by itself after losing the
// database; whoever listens is told then, since NOTIFYs sent meanwhile are lost.
import type pg from 'pg';
import type { Logger } from '../logger.js';

type Handler = (payload: string) => void;

export class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private readonly handlers = new Map<string, Handler>();
  private readonly reconnected: Array<() => void> = [];

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  /** Hears `channel`; call before start(). */
  on(channel: string, handler: Handler): void {
    this.handlers.set(channel, handler);
  }

  /** Called once the connection is back after a loss: NOTIFYs may have been missed. */
  onReconnect(handler: () => void): void {
    this.reconnected.push(handler);
  }

  async start(): Promise<void> {
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const { default: pgLib } = await import('pg');
    const client = new pgLib.Client({ connectionString: this.url });
    client.on('notification', (n) => this.handlers.get(n.channel)?.(n.payload ?? ''));
    client.on('error', (err) => {
      // A lost connection may report more than one error: reconnect once.
      if (this.client !== client) return;
      this.logger.warn({ err }, 'the LISTEN connection was lost; reconnecting');
      this.client = undefined;
      void this.reconnect();
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
  }

  private async reconnect() {
    for (let attempt = 1; !this.stopped && !this.client; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
      try {
        await this.listen();
        for (const handler of this.reconnected) handler();
      } catch {
        /* the database is still down */
      }
    }
  }
}
