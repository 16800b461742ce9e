// Sends the webhook outbox (store/webhooks.ts): signed events to the account's endpoints and the
// reps' Slack/Teams posts. It runs on the server's main thread, not the background thread: sending
// is waiting on sockets (cheap on an event loop), while the background thread's time belongs to the
// relay and the hit store, whose group commits a slow receiver must never hold up. Every process
// runs one; they share the outbox through leases (claimed with FOR UPDATE SKIP LOCKED on PostgreSQL),
// so a process killed mid-request leaves its deliveries to the others once the lease runs out.
//
// Per target, at most `concurrency` requests are in flight from one process, so one slow receiver
// holds only its own slots. Success is a 2xx within the timeout; otherwise the delivery is retried
// after the next wait of the schedule (±20 % jitter, so receivers coming back are not hit all at once),
// then FAILED. A 410 from an endpoint turns it off. Once a failing receiver answers again, what
// waits for it is sent at once instead of after the rest of its back-off.
import os from 'node:os';
import type { Agent } from 'undici';
import { loadLater } from '../load-later.js';
import type { Database } from '../db/index.js';
import type { WebhookConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { newId } from '../secrets.js';
import {
  type AttemptOutcome,
  type AttemptResult,
  type ClaimedWebhook,
  claimWebhookDeliveries,
  disableEndpoint,
  dueTargets,
  endpointTarget,
  hurryBacklog,
  pruneWebhookHistory,
  recordWebhookAttempts,
  type SettledAttempt,
} from '../store/webhooks.js';
import { type ChannelNotice, slackMessage, teamsMessage } from './channels.js';
import { signedHeaders } from './signing.js';
import { blockedReason, guardedLookup } from './targets.js';

const RESPONSE_KEPT = 2048;
/** More of an answer than this is not read: the connection is dropped instead. */
const RESPONSE_READ_MAX = 64 * 1024;
const PRUNE_EVERY_MS = 10 * 60_000;

export interface DispatcherDeps {
  database: Database;
  config: WebhookConfig;
  publicUrl: string;
  logger: Logger;
}

export class WebhookDispatcher {
  private readonly owner = `${os.hostname()}:${process.pid}:wh:${newId(6)}`;
  private agentMade: Agent | undefined;
  private readonly inFlight = new Map<string, Set<string>>();
  private readonly sending = new Set<Promise<void>>();
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private lastPrune = 0;
  /** Targets whose last attempt from this process failed: their next success brings the backlog forward. */
  private readonly failing = new Set<string>();
  /** Attempts made, waiting to be recorded together (one transaction for many answers). */
  private settled: Array<SettledAttempt & { done: () => void }> = [];
  private recording = false;
  /** Until then the outbox is looked at more often: work came in recently. */
  private busyUntil = 0;

  constructor(private readonly deps: DispatcherDeps) {}

  /** Made at the first delivery: most servers never send a webhook (load-later.ts). */
  private get agent(): Agent {
    if (this.agentMade) return this.agentMade;
    const { timeout, concurrency, allowPrivate, dnsServers } = this.deps.config;
    const { Agent } = loadLater('undici') as typeof import('undici');
    // Keep-alive connections, re-used across deliveries to the same receiver. Every connection
    // resolves its host through the SSRF guard; redirects are never followed (undici's default).
    this.agentMade = new Agent({
      keepAliveTimeout: 30_000,
      connections: concurrency * 4,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect: { timeout, lookup: guardedLookup({ allowPrivate, dnsServers }) },
    });
    return this.agentMade;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Something was queued in this process: look at the outbox now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming, lets requests in flight finish (each is bounded by the timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.sending]);
    await this.agentMade?.close().catch(() => {});
  }

  private async run(): Promise<void> {
    const { poll } = this.deps.config;
    while (this.running) {
      this.woken = false;
      try {
        await this.claimAndSend();
        await this.prune();
      } catch (err) {
        this.deps.logger.warn({ err }, 'webhook outbox: could not claim deliveries; trying again');
      }
      if (!this.running) break;
      if (this.woken) continue;
      // While events keep coming, look often (they are written by other threads and processes, which
      // cannot wake this loop); when idle, every WEBHOOK_POLL.
      const wait = Date.now() < this.busyUntil ? Math.max(5, Math.round(poll / 5)) : poll;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async claimAndSend(): Promise<void> {
    const { database, config } = this.deps;
    const now = Date.now();
    const targets = await dueTargets(database.db, now, 200);
    for (const target of targets) {
      const held = this.inFlight.get(target) ?? new Set<string>();
      const free = config.concurrency - held.size;
      if (free <= 0) continue;
      // An endpoint's URL and secret are read once per claim; a channel post carries its own URL.
      const endpoint = target.includes(':') ? undefined : await endpointTarget(database.db, target);
      if (!target.includes(':') && !endpoint?.enabled) continue; // turned off or deleted meanwhile
      // A lease outlives the longest request (by default): it only matters when this process dies.
      const claimed = await claimWebhookDeliveries(database.db, database.dialect, target, this.owner, free, now, now + config.lease);
      if (claimed.length) this.busyUntil = Date.now() + 2000;
      for (const d of claimed) {
        held.add(d.id);
        this.inFlight.set(target, held);
        // The slot is the request's: it frees when the answer is in, while the answer is still being
        // recorded (the lease keeps the delivery ours until then).
        const release = () => {
          if (!held.delete(d.id)) return;
          if (!held.size) this.inFlight.delete(target);
          this.wake(); // more of this target's deliveries may be due
        };
        const p = this.deliver(d, endpoint, release)
          .catch((err) => this.deps.logger.error({ err, deliveryId: d.id }, 'webhook delivery failed unexpectedly'))
          .finally(() => {
            release();
            this.sending.delete(p);
          });
        this.sending.add(p);
      }
    }
  }

  /** One attempt of one delivery, and what it leads to. */
  private async deliver(d: ClaimedWebhook, endpoint: { url: string; secret: string } | undefined, answered: () => void): Promise<void> {
    const { publicUrl } = this.deps;
    let url: string;
    let body: string;
    let headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Mailbeacon-Webhooks/1' };
    if (d.channel) {
      url = d.target_url!;
      const notice = JSON.parse(d.payload) as ChannelNotice;
      body = JSON.stringify(d.channel === 'slack' ? slackMessage(notice, publicUrl) : teamsMessage(notice, publicUrl));
    } else {
      url = endpoint!.url;
      body = d.payload;
      headers = { ...headers, ...signedHeaders(endpoint!.secret, d.id, body) };
    }
    const attempt = await this.post(url, headers, body);
    answered();
    await this.record({ delivery: d, attempt, outcome: this.outcome(d, attempt) });
  }

  /** Queues the attempt for the next shared transaction; resolves once it is recorded. */
  private record(s: SettledAttempt): Promise<void> {
    return new Promise<void>((done) => {
      this.settled.push({ ...s, done });
      if (!this.recording) void this.recordAll();
    });
  }

  private async recordAll(): Promise<void> {
    this.recording = true;
    // The flag is cleared in the same tick as the last look at the queue: nothing pushed can be missed.
    try {
      await this.recordBatches();
    } finally {
      this.recording = false;
    }
  }

  private async recordBatches(): Promise<void> {
    const { database, logger } = this.deps;
    while (this.settled.length) {
      const batch = this.settled;
      this.settled = [];
      try {
        const recorded = await recordWebhookAttempts(database.db, this.owner, batch);
        for (const { delivery: d, attempt, outcome } of batch) {
          if (!recorded.has(d.id)) continue;
          if (outcome.status !== 'DELIVERED') this.failing.add(d.endpoint_id);
          else if (this.failing.delete(d.endpoint_id)) {
            const hurried = await hurryBacklog(database.db, d.endpoint_id, Date.now());
            if (hurried) logger.info({ endpointId: d.endpoint_id, deliveries: hurried }, 'webhook receiver answers again: its backlog goes out now');
          }
          if (attempt.statusCode === 410 && !d.channel) {
            await disableEndpoint(database.db, d.endpoint_id, `The receiver answered 410 Gone at ${new Date(attempt.at).toISOString()}.`);
            logger.warn({ endpointId: d.endpoint_id }, 'webhook endpoint answered 410 Gone: turned off');
          }
        }
      } catch (err) {
        // Not recorded: the leases run out and the deliveries are sent again (same webhook-id).
        logger.warn({ err, attempts: batch.length }, 'webhook attempts could not be recorded; they will be sent again');
      } finally {
        for (const s of batch) s.done();
      }
    }
  }

  private outcome(d: ClaimedWebhook, r: AttemptResult): AttemptOutcome {
    const code = r.statusCode;
    if (code !== null && code >= 200 && code < 300) return { status: 'DELIVERED' };
    if (code === 410) return { status: 'FAILED' };
    // Slack and Teams answer 4xx for a URL that no longer works: retrying cannot help.
    if (d.channel && code !== null && code >= 400 && code < 500 && code !== 408 && code !== 429) return { status: 'FAILED' };
    const wait = this.deps.config.retrySchedule[d.attempts];
    if (wait === undefined) return { status: 'FAILED' };
    return { status: 'PENDING', retryAt: r.at + Math.round(wait * (0.8 + Math.random() * 0.4)) };
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    const started = Date.now();
    const done = (statusCode: number | null, response: string | null, error: string | null): AttemptResult => ({ at: started, statusCode, durationMs: Date.now() - started, response, error });
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    // A literal address never goes through the lookup: check it here.
    const literal = !this.deps.config.allowPrivate && /^[\d.]+$|:/.test(host) ? blockedReason(host) : undefined;
    if (literal) return done(null, null, `refused: ${host} is ${literal}`);
    try {
      const { request } = loadLater('undici') as typeof import('undici');
      const res = await request(url, { method: 'POST', headers, body, dispatcher: this.agent, signal: AbortSignal.timeout(this.deps.config.timeout) });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        if (size < RESPONSE_KEPT) chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size > RESPONSE_READ_MAX) break; // leaving the loop destroys the body: that connection is closed
      }
      const text = Buffer.concat(chunks).subarray(0, RESPONSE_KEPT).toString('utf8');
      return done(res.statusCode, text || null, null);
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
      const timedOut = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT';
      const why = timedOut ? `no answer within ${this.deps.config.timeout} ms` : `${e.code ?? e.cause?.code ?? e.name}: ${e.cause?.message ?? e.message}`;
      return done(null, null, why.slice(0, 500));
    }
  }

  /** History older than the retention is deleted in small batches, at most every few minutes. */
  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < Math.min(PRUNE_EVERY_MS, this.deps.config.retention)) return;
    this.lastPrune = now;
    while ((await pruneWebhookHistory(this.deps.database.db, now - this.deps.config.retention, 500)) > 0 && this.running);
  }
}
