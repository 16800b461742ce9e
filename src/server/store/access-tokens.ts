// Access tokens: the Bearer credential of the REST API and the add-in.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { ACCESS_TOKEN, newAccessToken, safeEqual, sha256 } from '../secrets.js';

/** Who a request acts for, once its token checked out. */
export interface Principal {
  accountId: string;
  userId: string;
  email: string;
  tokenId: string;
}

/** Issues a new token for the user; with `revokeOthers`, earlier tokens stop working at once. */
export async function issueAccessToken(
  db: Kysely<Schema>,
  user: { id: string; accountId: string },
  opts: { revokeOthers?: boolean } = {},
): Promise<string> {
  const t = newAccessToken();
  const now = Date.now();
  if (opts.revokeOthers) {
    await db.updateTable('access_tokens').set({ revoked_at: now }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
  }
  await db
    .insertInto('access_tokens')
    .values({ id: t.id, account_id: user.accountId, user_id: user.id, secret_hash: t.secretHash, created_at: now, revoked_at: null })
    .execute();
  return t.token;
}

/** The principal behind a presented token, or undefined; the secret is compared in constant time. */
export async function verifyAccessToken(db: Kysely<Schema>, presented: string): Promise<Principal | undefined> {
  const m = ACCESS_TOKEN.exec(presented);
  if (!m) return undefined;
  const row = await db
    .selectFrom('access_tokens')
    .innerJoin('users', 'users.id', 'access_tokens.user_id')
    .select(['access_tokens.id', 'access_tokens.account_id', 'access_tokens.user_id', 'access_tokens.secret_hash', 'users.email'])
    .where('access_tokens.id', '=', m[1])
    .where('access_tokens.revoked_at', 'is', null)
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  if (!row || !safeEqual(row.secret_hash, sha256(m[2]))) return undefined;
  return { accountId: row.account_id, userId: row.user_id, email: row.email, tokenId: row.id };
}

/** Which of these tokens still work (not revoked, their user not removed): live feeds re-check theirs. */
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
  }
  return live;
}
