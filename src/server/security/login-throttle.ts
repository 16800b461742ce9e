// Who waits after failed SMTP logins. Failures must slow down the one who fails, never the one who
// knows the password — behind a NAT or a balancer without the PROXY protocol, one address is many
// clients. So failures count per (client address, token id), and:
//  - ten on one pair in ten minutes refuse that pair (454, the right password included: that very
//    pair is being guessed, and answering it would tell the guesser when it is right);
//  - twenty on one token from anywhere, or failures on ten distinct tokens from one address, make
//    further *failures* wait before their 535 (longer the further past the cap), while a right
//    password is answered at once.
// A success resets nothing: it would let a guesser who owns a token, or shares the address with the
// token's user, wipe out its own failures. The counts are rows in the database (store/login-failures),
// so every process on one PostgreSQL sees the same ones.
import { bookkeeping, type Database } from '../db/index.js';
import { dropLoginFailuresBefore, type FailureCounts, loginFailuresSince, recordLoginFailure } from '../store/login-failures.js';
import { throttleAddress } from '../../shared/ip-ranges.js';
import { isNewId } from '../secrets.js';

export interface LoginLimits {
  windowMs: number;
  /** Failures of one (address, token) pair before that pair is refused outright. */
  perPair: number;
  /** Failures on one token, from any address, before its further failures are answered slowly. */
  perToken: number;
  /** Distinct tokens one address may fail on before its further failures are answered slowly. */
  tokensPerAddress: number;
  /** A slow failure waits this long for each failure past the cap (the first one past it included)… */
  delayStepMs: number;
  /** …up to this. */
  maxDelayMs: number;
}

export const LOGIN_LIMITS: LoginLimits = { windowMs: 10 * 60_000, perPair: 10, perToken: 20, tokensPerAddress: 10, delayStepMs: 1000, maxDelayMs: 10_000 };

/** One login attempt the throttle let through to the password check. */
export interface LoginAttempt {
  /** Above 0: the pair is being guessed; refuse without checking the password, for this long. */
  lockedMs: number;
  /** How long to hold back the answer if this attempt fails (0: answer at once). */
  failureDelayMs: number;
  /** Counts this attempt as a failure. */
  failed(): Promise<void>;
  /** The attempt is over (call it whatever the outcome, also when locked). */
  end(): void;
}

/** Usernames not shaped like a token id (secrets.isNewId) count as one: clients that swap the fields send the password there,
 * which must not be stored; and no token can be guessed through them. */
const NOT_A_TOKEN = '(not a token id)';

const SWEEP_EVERY_MS = 60_000;
/** How long an attempt may wait for the pair's checks in flight before it is told to come back. */
const MAX_QUEUE_MS = 10_000;

export class LoginThrottle {
  private lastSweep = 0;
  /**
   * Password checks of this process still running (scrypt takes a while), per pair and per token.
   * A pair has as many checks at once as it has failures left: without that, a burst of parallel
   * guesses would all pass before the first failure is recorded. Attempts past that wait for a
   * check to end (a right password from a client's pool of connections just waits a few ms). Across
   * processes a burst can pass on each process once: at most `perPair` guesses per process per window.
   */
  private checking = { pair: new InFlight(), token: new InFlight() };

  constructor(
    private readonly database: Database,
    private readonly limits: LoginLimits = LOGIN_LIMITS,
  ) {}

  async begin(address: string, username: string): Promise<LoginAttempt> {
    const l = this.limits;
    const key = throttleKey(address, username);
    const pairKey = `${key.address} ${key.token}`;
    const deadline = Date.now() + MAX_QUEUE_MS;
    for (;;) {
      const now = Date.now();
      // A check that ends while the counts are read may be missing from both: its failure from the
      // rows read, and itself from those in flight. Counting the checks that ended meanwhile as
      // failures errs on the side of waiting.
      const mark = this.checking.pair.mark(pairKey);
      const counts = await this.counts(key, now);
      // From here to `start` nothing awaits: this process's attempts see each other.
      const failures = counts.pairTimes.length;
      if (failures >= l.perPair) {
        this.checking.pair.wakeNext(pairKey); // those waiting behind this one are refused too
        // Until the oldest of the pair's last `perPair` failures leaves the window.
        return refused(counts.pairTimes[l.perPair - 1] + l.windowMs - now);
      }
      const inFlight = this.checking.pair.count(pairKey);
      if (inFlight + this.checking.pair.endedSince(pairKey, mark) < l.perPair - failures) return this.admit(key, pairKey, counts);
      if (now > deadline) return refused(1000);
      // Wait for a check to end, unless one already did (then the counts are worth reading again).
      if (inFlight >= l.perPair - failures) await this.checking.pair.waitFor(pairKey, 1000);
    }
  }

  private counts(key: { address: string; token: string }, now: number) {
    const l = this.limits;
    // Counts past where the delay stops growing do not matter: the reads stop there.
    const saturated = Math.ceil(l.maxDelayMs / l.delayStepMs);
    return loginFailuresSince(this.database.db, key, now - l.windowMs, {
      pair: l.perPair,
      token: key.token === NOT_A_TOKEN ? 0 : l.perToken + saturated,
      addressTokens: l.tokensPerAddress + saturated,
    });
  }

  private admit(key: { address: string; token: string }, pairKey: string, counts: FailureCounts): LoginAttempt {
    const l = this.limits;
    const tokenPast = key.token === NOT_A_TOKEN ? -1 : counts.token + this.checking.token.count(key.token) - l.perToken;
    const past = Math.max(tokenPast, counts.addressTokens - l.tokensPerAddress);
    const release = [this.checking.pair.start(pairKey), this.checking.token.start(key.token)];
    let ended = false;
    return {
      lockedMs: 0,
      failureDelayMs: past < 0 ? 0 : Math.min(l.maxDelayMs, (past + 1) * l.delayStepMs),
      failed: () => this.record(key),
      end: () => {
        if (!ended) release.forEach((r) => r());
        ended = true;
      },
    };
  }

  private async record(key: { address: string; token: string }): Promise<void> {
    const now = Date.now();
    // Counters need no durability: losing the last few to a power cut only forgives a few failures.
    await bookkeeping(this.database, (trx) => recordLoginFailure(trx, { ...key, at: now }));
    if (now - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = now;
      void bookkeeping(this.database, (trx) => dropLoginFailuresBefore(trx, now - this.limits.windowMs)).catch(() => {});
    }
  }
}

function refused(ms: number): LoginAttempt {
  return { lockedMs: Math.max(1, ms), failureDelayMs: 0, failed: async () => {}, end: () => {} };
}

function throttleKey(address: string, username: string) {
  return { address: throttleAddress(address), token: isNewId(username) ? username : NOT_A_TOKEN };
}

interface Entry {
  running: number;
  /** How many have ended since the entry was made. */
  ended: number;
  waiting: Array<() => void>;
}

/** Things in progress per key, how many ended, and who waits for one of them to end. */
class InFlight {
  private entries = new Map<string, Entry>();

  count(key: string): number {
    return this.entries.get(key)?.running ?? 0;
  }

  /** Where `key` stands now, to tell later how many of its things ended in between. */
  mark(key: string): { entry?: Entry; ended: number } {
    const entry = this.entries.get(key);
    return { entry, ended: entry?.ended ?? 0 };
  }

  /** How many of `key`'s things ended since `mark` (Infinity when that can no longer be told). */
  endedSince(key: string, mark: { entry?: Entry; ended: number }): number {
    const entry = this.entries.get(key);
    if (entry === mark.entry) return entry ? entry.ended - mark.ended : 0;
    return mark.entry ? Infinity : (entry?.ended ?? 0);
  }

  /** Counts one more; answers the function that ends it (and lets the next waiter look again). */
  start(key: string): () => void {
    const entry = this.entry(key);
    entry.running++;
    return () => {
      entry.running--;
      entry.ended++;
      this.wakeNext(key);
      this.forgetIdle(key, entry);
    };
  }

  /** Resolves when one of `key`'s things ends (or after `ms`, in case none does). */
  waitFor(key: string, ms: number): Promise<void> {
    const entry = this.entry(key);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        const i = entry.waiting.indexOf(wake);
        if (i >= 0) entry.waiting.splice(i, 1);
        this.forgetIdle(key, entry);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      entry.waiting.push(wake);
    });
  }

  wakeNext(key: string): void {
    this.entries.get(key)?.waiting[0]?.();
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { running: 0, ended: 0, waiting: [] }));
    return entry;
  }

  private forgetIdle(key: string, entry: Entry) {
    if (!entry.running && !entry.waiting.length && this.entries.get(key) === entry) this.entries.delete(key);
  }
}
