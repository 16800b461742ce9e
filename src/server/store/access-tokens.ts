// Access tokens: the Bearer credential of the REST API and the add-in.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { ACCESS_TOKEN, newAccessToken, safeEqual, sha256 } from '../secrets.js';

/** Who a request acts for, once its token checked out. */
export interface Principal {
  accountId: string;
  userId: string;
  email: string;
  /** The access token's id, or for a browser session its session id: what revocation names. */
  tokenId: string;
  role: 'admin' | 'member';
  /** Set when the request came with the `mb_session` cookie rather than a Bearer token. */
  sessionId?: string;
  /** For a browser session: this request moved the session's end on, so the cookie's Max-Age should follow. */
  renewed?: boolean;
}

/** How often a credential's `last_used_at` is written at most: a busy client must not turn every
 * request into a write. */
export const LAST_USED_STEP_MS = 60_000;

/** Issues a new token for the user; with `revokeOthers`, earlier tokens stop working at once. */
export async function issueAccessToken(
  db: Kysely<Schema>,
  user: { id: string; accountId: string },
  opts: { revokeOthers?: boolean; name?: string } = {},
): Promise<string> {
  return (await createAccessToken(db, user, opts)).token;
}

/** Like issueAccessToken, also answering the new token's id (what revoking it names). */
export async function createAccessToken(
  db: Kysely<Schema>,
  user: { id: string; accountId: string },
  opts: { revokeOthers?: boolean; name?: string } = {},
): Promise<{ id: string; token: string }> {
  const t = newAccessToken();
  const now = Date.now();
  if (opts.revokeOthers) {
    await db.updateTable('access_tokens').set({ revoked_at: now }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
  }
  await db
    .insertInto('access_tokens')
    .values({ id: t.id, account_id: user.accountId, user_id: user.id, secret_hash: t.secretHash, created_at: now, revoked_at: null, name: opts.name ?? null })
    .execute();
  return { id: t.id, token: t.token };
}

/** The principal behind a presented token, or undefined; the secret is compared in constant time. */
export async function verifyAccessToken(db: Kysely<Schema>, presented: string): Promise<Principal | undefined> {
  const m = ACCESS_TOKEN.exec(presented);
  if (!m) return undefined;
  const row = await db
    .selectFrom('access_tokens')
    .innerJoin('users', 'users.id', 'access_tokens.user_id')
    .select(['access_tokens.id', 'access_tokens.account_id', 'access_tokens.user_id', 'access_tokens.secret_hash', 'access_tokens.last_used_at', 'users.email', 'users.role'])
    .where('access_tokens.id', '=', m[1])
    .where('access_tokens.revoked_at', 'is', null)
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  if (!row || !safeEqual(row.secret_hash, sha256(m[2]))) return undefined;
  const now = Date.now();
  if (row.last_used_at === null || now - Number(row.last_used_at) > LAST_USED_STEP_MS) {
    await db.updateTable('access_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { accountId: row.account_id, userId: row.user_id, email: row.email, tokenId: row.id, role: row.role };
}

export interface AccessTokenRow {
  id: string;
  name: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

/** The user's working access tokens, newest first. */
export async function listAccessTokens(db: Kysely<Schema>, user: { accountId: string; userId: string }): Promise<AccessTokenRow[]> {
  const rows = await db
    .selectFrom('access_tokens')
    .select(['id', 'name', 'created_at', 'last_used_at'])
    .where('account_id', '=', user.accountId)
    .where('user_id', '=', user.userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: Number(r.created_at), lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at) }));
}

/** Revokes one of the user's tokens; false when it is not theirs or was revoked already. */
export async function revokeAccessToken(db: Kysely<Schema>, user: { accountId: string; userId: string }, id: string): Promise<boolean> {
  const r = await db
    .updateTable('access_tokens')
    .set({ revoked_at: Date.now() })
    .where('id', '=', id)
    .where('account_id', '=', user.accountId)
    .where('user_id', '=', user.userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Which of these tokens (or browser sessions) still work (not revoked, their user not removed): live feeds re-check theirs. */
export async function liveTokenIds(db: Kysely<Schema>, tokenIds: string[]): Promise<Set<string>> {
  const live = new Set<string>();
  // In slices: a bound parameter each, and SQLite allows a few thousand per statement.
  for (let i = 0; i < tokenIds.length; i += 500) {
    const rows = await db
      .selectFrom('access_tokens')
      .innerJoin('users', 'users.id', 'access_tokens.user_id')
      .select('access_tokens.id')
      .where('access_tokens.id', 'in', tokenIds.slice(i, i + 500))
      .where('access_tokens.revoked_at', 'is', null)
      .where('users.removed_at', 'is', null)
      .execute();
    for (const r of rows) live.add(r.id);
    // A browser session's feed is named by its session id (http/auth.ts).
    const sessions = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select('sessions.id')
      .where('sessions.id', 'in', tokenIds.slice(i, i + 500))
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.expires_at', '>', Date.now())
      .where('users.removed_at', 'is', null)
      .execute();
    for (const r of sessions) live.add(r.id);
  }
  return live;
}
