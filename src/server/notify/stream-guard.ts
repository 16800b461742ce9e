// Ends live feeds whose credential no longer works: re-checked when a `credential-revoked` change
// names it (within a second, in every process: see changes.ts), when the stream opens (a revocation
// may have come between its authentication and its subscription), and every few seconds for all
// streams, in case a change was lost.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { liveTokenIds } from '../store/access-tokens.js';
import type { Change } from './changes.js';
import type { Listener, NotificationHub } from './hub.js';

const SWEEP_MS = 5000;

export class StreamGuard {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly hub: NotificationHub,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(this.hub.listeners()).catch((err) => this.logger.debug({ err }, 'checking live feeds failed')), SWEEP_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Re-checks the streams a change concerns. */
  async changed(change: Change): Promise<void> {
    if (change.type === 'resync') return this.check(this.hub.listeners());
    if (change.type !== 'credential-revoked') return;
    const named = new Set(change.tokenIds ?? []);
    const concerned = change.userId !== undefined ? this.hub.listeners(change.userId) : this.hub.listeners().filter((l) => named.has(l.tokenId));
    await this.check(concerned);
  }

  /** Ends those of `listeners` whose token no longer works. */
  async check(listeners: Listener[]): Promise<void> {
    if (!listeners.length) return;
    const live = await liveTokenIds(this.db, [...new Set(listeners.map((l) => l.tokenId))]);
    const ended = listeners.filter((l) => !live.has(l.tokenId));
    for (const l of ended) l.close();
    if (ended.length) this.logger.info({ streams: ended.length }, 'ended live feeds whose credential was revoked');
  }
}
