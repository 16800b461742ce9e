// Failed logins (SMTP, and the web sign-in under keys of its own), the login throttles' counts: one row per failure, shared by every process on
// the database. Reads are bounded (`limit`): the throttle only needs to know whether a count reached
// its cap, and a flood of failures must not make each login read more rows.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

export interface LoginFailure {
  address: string;
  token: string;
  at: number;
}

export interface FailureCounts {
  /** When this (address, token) pair failed, newest first: at most `caps.pair` times. */
  pairTimes: number[];
  /** Failures on the token from any address: at most `caps.token`. */
  token: number;
  /** Distinct tokens the address failed on: at most `caps.addressTokens`. */
  addressTokens: number;
}

export async function recordLoginFailure(db: Kysely<Schema>, failure: LoginFailure): Promise<void> {
  await db.insertInto('login_failures').values(failure).execute();
}

/** The counts after `since` (exclusive) for one login attempt; a cap of 0 skips that count. */
export async function loginFailuresSince(
  db: Kysely<Schema>,
  key: { address: string; token: string },
  since: number,
  caps: { pair: number; token: number; addressTokens: number },
): Promise<FailureCounts> {
  const recent = () => db.selectFrom('login_failures').where('at', '>', since);
  const [pair, token, addressTokens] = await Promise.all([
    recent().select('at').where('address', '=', key.address).where('token', '=', key.token).orderBy('at', 'desc').limit(caps.pair).execute(),
    caps.token ? recent().select('at').where('token', '=', key.token).limit(caps.token).execute() : [],
    caps.addressTokens ? recent().select('token').distinct().where('address', '=', key.address).limit(caps.addressTokens).execute() : [],
  ]);
  return { pairTimes: pair.map((r) => Number(r.at)), token: token.length, addressTokens: addressTokens.length };
}

/**
 * Failures after `since` on one key alone, newest first, at most `cap` of them: the web sign-in counts
 * per address (`address`) and per email (`token`) separately.
 */
export async function failureTimesSince(db: Kysely<Schema>, key: { address: string } | { token: string }, since: number, cap: number): Promise<number[]> {
  let q = db.selectFrom('login_failures').select('at').where('at', '>', since);
  q = 'address' in key ? q.where('address', '=', key.address) : q.where('token', '=', key.token);
  const rows = await q.orderBy('at', 'desc').limit(cap).execute();
  return rows.map((r) => Number(r.at));
}

/** Forgets failures that can no longer count. */
export async function dropLoginFailuresBefore(db: Kysely<Schema>, at: number): Promise<void> {
  await db.deleteFrom('login_failures').where('at', '<', at).execute();
}
