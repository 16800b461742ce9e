// The delivery worker runs on a thread of its own, so that relaying (MIME parsing, tracking, DKIM,
// the SMTP conversation with the relay, recording outcomes) never competes with the event loop that
// answers clients. This is the main thread's side: it hands freshly accepted deliveries over, keeps
// count of how busy the thread is, restarts it if it dies, and stops it last.
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Claimed } from '../store/queue.js';
import type { Handoff } from './accept.js';
import { workerOwner } from './worker.js';

export type ToThread = { type: 'take'; claimed: Claimed[] } | { type: 'wake' } | { type: 'forget'; accountId: string } | { type: 'stop' };
export type FromThread = { type: 'ready' } | { type: 'load'; inFlight: number } | { type: 'stopped' } | { type: 'failed'; message: string };

export interface ThreadData {
  config: Config;
  owner: string;
  concurrency: number;
}

export class DeliveryThread implements Handoff {
  private worker!: Worker;
  private inFlight = 0;
  private reserved = 0;
  private stopping = false;
  private readonly owner = workerOwner();

  private constructor(
    private readonly entry: URL,
    private readonly config: Config,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  static async start(entry: URL, config: Config, concurrency: number, logger: Logger): Promise<DeliveryThread> {
    const thread = new DeliveryThread(entry, config, concurrency, logger);
    await thread.spawn();
    return thread;
  }

  reserve(n: number) {
    const slots = this.stopping ? 0 : Math.max(0, Math.min(n, this.concurrency - this.inFlight - this.reserved));
    this.reserved += slots;
    return { owner: this.owner, leaseUntil: Date.now() + this.config.queue.lease, slots };
  }

  release(slots: number): void {
    this.reserved = Math.max(0, this.reserved - slots);
  }

  take(claimed: Claimed[]): void {
    this.release(claimed.length);
    if (!claimed.length) return;
    this.inFlight += claimed.length; // until the thread reports its own count
    this.post({ type: 'take', claimed });
  }

  wake(): void {
    this.post({ type: 'wake' });
  }

  /** The account's tracking settings changed: the thread's tracking context reads them again. */
  forgetAccount(accountId: string): void {
    this.post({ type: 'forget', accountId });
  }

  /** Finishes the deliveries in flight (the thread records them) and ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    const stopped = new Promise<void>((resolve) => {
      this.worker.on('message', (m: FromThread) => m.type === 'stopped' && resolve());
      this.worker.once('exit', () => resolve());
    });
    this.post({ type: 'stop' });
    await stopped;
    await this.worker.terminate();
  }

  private post(message: ToThread) {
    this.worker.postMessage(message);
  }

  private spawn(): Promise<void> {
    const data: ThreadData = { config: this.config, owner: this.owner, concurrency: this.concurrency };
    this.worker = new Worker(this.entry, { workerData: data, name: 'mailbeacon-delivery' });
    return new Promise((resolve, reject) => {
      this.worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') resolve();
        if (m.type === 'load') this.inFlight = m.inFlight;
        if (m.type === 'failed') reject(new Error(`the delivery thread could not start: ${m.message}`));
      });
      this.worker.on('error', (err) => this.logger.error({ err }, 'the delivery thread failed'));
      this.worker.on('exit', (code) => {
        if (this.stopping) return;
        // Its leases run out and are taken over by the new thread: nothing is lost.
        this.logger.error({ code }, 'the delivery thread stopped unexpectedly; starting a new one');
        this.inFlight = 0;
        setTimeout(() => void this.spawn().catch((err) => this.logger.fatal({ err }, 'cannot restart the delivery thread')), 1000);
      });
    });
  }
}
