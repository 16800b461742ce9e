// One-use links that let a person set a password: an invitation (7 days) or a reset (1 hour). The
// token is in the link only; the row keeps its SHA-256, so a copy of the database opens nothing.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { newId, newSecret, sha256 } from '../secrets.js';

export type LinkKind = 'invite' | 'reset';

/** Makes a link token for the user; earlier unused links of the same kind stop working. */
export async function createUserLink(db: Kysely<Schema>, user: { id: string; accountId: string }, kind: LinkKind, lifetimeMs: number): Promise<string> {
  const token = newSecret();
  const now = Date.now();
  await db.updateTable('user_links').set({ used_at: now }).where('user_id', '=', user.id).where('kind', '=', kind).where('used_at', 'is', null).execute();
  await db
    .insertInto('user_links')
    .values({ id: newId(), account_id: user.accountId, user_id: user.id, kind, token_hash: sha256(token), created_at: now, expires_at: now + lifetimeMs, used_at: null })
    .execute();
  return token;
}

/**
 * Uses a link: marks it used and answers whose it is, or undefined when it is unknown, used, expired
 * or its user removed. The update is the check, so of two concurrent uses exactly one wins.
 */
export async function useUserLink(db: Kysely<Schema>, token: string, kind: LinkKind): Promise<{ userId: string; accountId: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const hash = sha256(token);
  const now = Date.now();
  const row = await db
    .selectFrom('user_links')
    .innerJoin('users', 'users.id', 'user_links.user_id')
    .select(['user_links.id', 'user_links.user_id', 'user_links.account_id'])
    .where('user_links.token_hash', '=', hash)
    .where('user_links.kind', '=', kind)
    .where('user_links.used_at', 'is', null)
    .where('user_links.expires_at', '>', now)
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const r = await db.updateTable('user_links').set({ used_at: now }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return undefined;
  return { userId: row.user_id, accountId: row.account_id };
}

/** Whether a link would work now, without using it (the page asks before showing the form). */
export async function peekUserLink(db: Kysely<Schema>, token: string, kind: LinkKind): Promise<{ userId: string; accountId: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const row = await db
    .selectFrom('user_links')
    .innerJoin('users', 'users.id', 'user_links.user_id')
    .select(['user_links.user_id', 'user_links.account_id'])
    .where('user_links.token_hash', '=', sha256(token))
    .where('user_links.kind', '=', kind)
    .where('user_links.used_at', 'is', null)
    .where('user_links.expires_at', '>', Date.now())
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  return row && { userId: row.user_id, accountId: row.account_id };
}

/** Ends the user's unused links (removal). */
export async function dropUserLinks(db: Kysely<Schema>, userId: string): Promise<void> {
  await db.updateTable('user_links').set({ used_at: Date.now() }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

/** How many links of this kind the user was sent since `since` (bounded by `cap`). */
export async function linksSince(db: Kysely<Schema>, userId: string, kind: LinkKind, since: number, cap: number): Promise<number> {
  const rows = await db.selectFrom('user_links').select('id').where('user_id', '=', userId).where('kind', '=', kind).where('created_at', '>', since).limit(cap).execute();
  return rows.length;
}
