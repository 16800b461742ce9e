// Who waits after failed web sign-ins (docs/product.md, "People and sign-in"): more than ten failures
// for one email address, or from one client address, in ten minutes, and further attempts are refused
// with 429 until the oldest of those failures leaves the window — a right password too, or the answer
// would tell a guesser when it is right. The failures are rows in the same table as the SMTP login
// throttle's (store/login-failures.ts), under keys of their own, so every process on one PostgreSQL
// counts the same ones.
import { bookkeeping, type Database } from '../db/index.js';
import { dropLoginFailuresBefore, failureTimesSince, recordLoginFailure } from '../store/login-failures.js';
import { sha256 } from '../secrets.js';
import { throttleAddress } from '../../shared/ip-ranges.js';

export const SIGN_IN_LIMITS = { windowMs: 10 * 60_000, max: 10 };

export interface SignInAttempt {
  /** Above 0: refused, try again after this long. */
  waitMs: number;
  failed(): Promise<void>;
  /** The attempt is over, whatever its outcome. */
  end(): void;
}

export class SignInThrottle {
  /** Attempts this process is checking now, per key: a burst of parallel guesses must not all pass
   * before the first failure is written. */
  private inFlight = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly database: Database,
    private readonly limits = SIGN_IN_LIMITS,
  ) {}

  async begin(clientIp: string, email: string): Promise<SignInAttempt> {
    // The address column keeps web keys apart from SMTP's raw client addresses; the email is hashed:
    // the table never holds an address someone typed.
    const keys = { address: `web ${throttleAddress(clientIp)}`, token: `web ${sha256(email.trim().toLowerCase())}` };
    const now = Date.now();
    const since = now - this.limits.windowMs;
    const [byAddress, byEmail] = await Promise.all([
      failureTimesSince(this.database.db, { address: keys.address }, since, this.limits.max),
      failureTimesSince(this.database.db, { token: keys.token }, since, this.limits.max),
    ]);
    const wait = (times: number[], key: string) => {
      if (times.length + (this.inFlight.get(key) ?? 0) < this.limits.max) return 0;
      // Full from failures: until the oldest counted leaves the window; full from checks in flight: a moment.
      return times.length >= this.limits.max ? times[this.limits.max - 1] + this.limits.windowMs - now : 1000;
    };
    const waitMs = Math.max(wait(byAddress, keys.address), wait(byEmail, keys.token));
    if (waitMs > 0) return { waitMs, failed: async () => {}, end: () => {} };
    for (const k of [keys.address, keys.token]) this.inFlight.set(k, (this.inFlight.get(k) ?? 0) + 1);
    let ended = false;
    return {
      waitMs: 0,
      failed: () => this.record(keys),
      end: () => {
        if (ended) return;
        ended = true;
        for (const k of [keys.address, keys.token]) {
          const n = (this.inFlight.get(k) ?? 1) - 1;
          if (n > 0) this.inFlight.set(k, n);
          else this.inFlight.delete(k);
        }
      },
    };
  }

  private async record(keys: { address: string; token: string }) {
    const now = Date.now();
    await bookkeeping(this.database, (trx) => recordLoginFailure(trx, { ...keys, at: now }));
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now;
      // Only past the longest window any throttle on this table uses (both use ten minutes).
      void bookkeeping(this.database, (trx) => dropLoginFailuresBefore(trx, now - this.limits.windowMs)).catch(() => {});
    }
  }
}
