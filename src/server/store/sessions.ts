// Browser sessions: the `mb_session` cookie reads `<id>.<secret>`; the id finds the row (and is what
// the devices list shows and ends), the secret is kept only as SHA-256 and compared in constant time.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { LAST_USED_STEP_MS, type Principal } from './access-tokens.js';
import { newId, newSecret, safeEqual, sha256 } from '../secrets.js';

export interface SessionRow {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number;
}

const COOKIE_VALUE = /^([a-z0-9]{16})\.([A-Za-z0-9_-]{43})$/;

/** Starts a session for the user; answers the cookie value (shown to the browser only). */
export async function createSession(
  db: Kysely<Schema>,
  user: { id: string; accountId: string },
  opts: { name: string; lifetimeMs: number },
): Promise<{ id: string; cookie: string }> {
  const id = newId();
  const secret = newSecret();
  const now = Date.now();
  await db
    .insertInto('sessions')
    .values({ id, account_id: user.accountId, user_id: user.id, secret_hash: sha256(secret), name: opts.name, created_at: now, last_used_at: now, expires_at: now + opts.lifetimeMs, revoked_at: null })
    .execute();
  return { id, cookie: `${id}.${secret}` };
}

/**
 * The principal behind a cookie value, or undefined (malformed, unknown, ended, expired, user removed).
 * A session in use lives on: its expiry moves to `idleMs` from now (written at most once a minute).
 */
export async function verifySession(db: Kysely<Schema>, cookie: string, idleMs: number): Promise<Principal | undefined> {
  const m = COOKIE_VALUE.exec(cookie);
  if (!m) return undefined;
  const now = Date.now();
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.account_id', 'sessions.user_id', 'sessions.secret_hash', 'sessions.last_used_at', 'users.email', 'users.role'])
    .where('sessions.id', '=', m[1])
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  if (!row || !safeEqual(row.secret_hash, sha256(m[2]))) return undefined;
  const renewed = now - Number(row.last_used_at) > LAST_USED_STEP_MS;
  if (renewed) await db.updateTable('sessions').set({ last_used_at: now, expires_at: now + idleMs }).where('id', '=', row.id).execute();
  return { accountId: row.account_id, userId: row.user_id, email: row.email, role: row.role, tokenId: row.id, sessionId: row.id, renewed };
}

/** The user's live sessions, most recently used first. */
export async function listSessions(db: Kysely<Schema>, user: { accountId: string; userId: string }): Promise<SessionRow[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'name', 'created_at', 'last_used_at'])
    .where('account_id', '=', user.accountId)
    .where('user_id', '=', user.userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', Date.now())
    .orderBy('last_used_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: Number(r.created_at), lastUsedAt: Number(r.last_used_at) }));
}

/** Ends one of the user's sessions; false when it is not theirs or has ended already. */
export async function endSession(db: Kysely<Schema>, user: { accountId: string; userId: string }, id: string): Promise<boolean> {
  const r = await db
    .updateTable('sessions')
    .set({ revoked_at: Date.now() })
    .where('id', '=', id)
    .where('account_id', '=', user.accountId)
    .where('user_id', '=', user.userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Ends every session of the user but `keep` (a password reset or change); answers the ended ids. */
export async function endOtherSessions(db: Kysely<Schema>, userId: string, keep?: string): Promise<string[]> {
  let q = db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (keep) q = q.where('id', '!=', keep);
  const ids = (await q.execute()).map((r) => r.id);
  if (ids.length) await db.updateTable('sessions').set({ revoked_at: Date.now() }).where('id', 'in', ids).execute();
  return ids;
}
