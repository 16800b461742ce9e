// The per-account API rate limit (docs/product.md §2 API_RATE_LIMIT): every authenticated REST call counts;
// over the limit the answer is HubSpot's `429` with policy TEN_SECONDLY_ROLLING (which the official
// client recognises) and a Retry-After. Per-second buckets over a rolling ten seconds: in memory on
// SQLite (one process), in the database on PostgreSQL so that every process shares one count.
import type { FastifyInstance } from 'fastify';
import { bookkeeping, type Database } from '../db/index.js';
import { countRequest, dropWindowsBefore, uncountRequest, type Bucket } from '../store/rate-limits.js';
import type { AppContext } from './app.js';
import { ApiError } from '../errors.js';

const WINDOW_S = 10;

interface Verdict {
  allowed: boolean;
  /** Requests left in the window after this one. */
  remaining: number;
  /** Seconds until a refused request may succeed. */
  retryAfter: number;
}

interface Counter {
  hit(accountId: string, now: number, limit: number): Promise<Verdict>;
}

function verdict(buckets: Bucket[], second: number, limit: number, now: number): Verdict {
  const live = buckets.filter((b) => b.second > second - WINDOW_S && b.count > 0);
  const used = live.reduce((n, b) => n + b.count, 0);
  if (used <= limit) return { allowed: true, remaining: limit - used, retryAfter: 0 };
  // Room comes back when the oldest counted second leaves the window.
  const oldest = Math.min(...live.map((b) => b.second));
  return { allowed: false, remaining: 0, retryAfter: Math.max(1, Math.ceil(((oldest + WINDOW_S) * 1000 - now) / 1000)) };
}

/** One process: ten buckets per account in memory. */
class MemoryCounter implements Counter {
  private accounts = new Map<string, Bucket[]>();

  async hit(accountId: string, now: number, limit: number): Promise<Verdict> {
    const second = Math.floor(now / 1000);
    let ring = this.accounts.get(accountId);
    if (!ring) this.accounts.set(accountId, (ring = Array.from({ length: WINDOW_S }, () => ({ second: 0, count: 0 }))));
    const slot = ring[second % WINDOW_S];
    if (slot.second !== second) Object.assign(slot, { second, count: 0 });
    slot.count++;
    const v = verdict(ring, second, limit, now);
    if (!v.allowed) slot.count--;
    return v;
  }
}

/** Several processes: buckets in `rate_windows`, counted with an upsert the database serialises. */
class SharedCounter implements Counter {
  private lastSweep = 0;

  constructor(private readonly database: Database) {}

  async hit(accountId: string, now: number, limit: number): Promise<Verdict> {
    const second = Math.floor(now / 1000);
    // Counters need no durability: bookkeeping commits do not wait for the disk.
    const v = await bookkeeping(this.database, async (trx) => {
      const result = verdict(await countRequest(trx, accountId, second, second - WINDOW_S), second, limit, now);
      if (!result.allowed) await uncountRequest(trx, accountId, second);
      return result;
    });
    if (now - this.lastSweep > WINDOW_S * 1000) {
      this.lastSweep = now;
      void bookkeeping(this.database, (trx) => dropWindowsBefore(trx, second - 6 * WINDOW_S)).catch(() => {});
    }
    return v;
  }
}

export function installRateLimit(api: FastifyInstance, ctx: AppContext): void {
  const limit = ctx.config.apiRateLimit;
  const counter: Counter = ctx.database.dialect === 'postgres' ? new SharedCounter(ctx.database) : new MemoryCounter();
  // Runs after authentication (registered after it): the account is known.
  api.addHook('onRequest', async (request, reply) => {
    const v = await counter.hit(request.principal.accountId, Date.now(), limit);
    reply.header('X-HubSpot-RateLimit-Interval-Milliseconds', String(WINDOW_S * 1000));
    reply.header('X-HubSpot-RateLimit-Max', String(limit));
    reply.header('X-HubSpot-RateLimit-Remaining', String(v.remaining));
    if (v.allowed) return;
    reply.header('Retry-After', String(v.retryAfter));
    throw new ApiError(
      429,
      'RATE_LIMITS',
      `You have reached your ten_secondly_rolling limit: ${limit} requests per ${WINDOW_S} seconds for this account. Retry after ${v.retryAfter} s.`,
      [],
      { policyName: 'TEN_SECONDLY_ROLLING' },
    );
  });
}
