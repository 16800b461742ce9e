// Users of an account. The CLI names a user by email, so one live user holds an address at a time.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { newId } from '../secrets.js';
import { ensureAccount } from './accounts.js';
import { issueAccessToken } from './access-tokens.js';

export interface User {
  id: string;
  accountId: string;
  account: string;
  email: string;
  name: string | null;
  createdAt: number;
}

export class UserError extends Error {}

const userColumns = ['users.id', 'users.account_id', 'accounts.name as account', 'users.email', 'users.name', 'users.created_at'] as const;

function toUser(r: { id: string; account_id: string; account: string; email: string; name: string | null; created_at: number }): User {
  return { id: r.id, accountId: r.account_id, account: r.account, email: r.email, name: r.name, createdAt: r.created_at };
}

/** Creates the user (and the account on first use) and issues its first access token. */
export async function addUser(
  db: Kysely<Schema>,
  input: { email: string; name?: string; account: string },
): Promise<{ user: User; accessToken: string }> {
  const email = input.email.toLowerCase();
  const account = await ensureAccount(db, input.account);
  return db.transaction().execute(async (trx) => {
    const existing = await findUser(trx, email);
    if (existing) {
      throw new UserError(`A user with the address ${email} already exists (account ${existing.account}); run \`mailbeacon user token ${email}\` for a new access token.`);
    }
    const id = newId();
    await trx
      .insertInto('users')
      .values({ id, account_id: account.id, email, name: input.name ?? null, created_at: Date.now(), removed_at: null })
      .execute();
    const accessToken = await issueAccessToken(trx, { id, accountId: account.id });
    const user = (await findUser(trx, email))!;
    return { user, accessToken };
  });
}

export async function findUser(db: Kysely<Schema>, email: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .innerJoin('accounts', 'accounts.id', 'users.account_id')
    .select(userColumns)
    .where('users.email', '=', email.toLowerCase())
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  return row && toUser(row);
}

/** One live user of the account, by id; another account's id finds nothing. */
export async function getUser(db: Kysely<Schema>, accountId: string, id: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .innerJoin('accounts', 'accounts.id', 'users.account_id')
    .select(userColumns)
    .where('users.account_id', '=', accountId)
    .where('users.id', '=', id)
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  return row && toUser(row);
}

/** Live users, optionally of one account, oldest first. */
export async function listUsers(db: Kysely<Schema>, accountId?: string): Promise<User[]> {
  let q = db
    .selectFrom('users')
    .innerJoin('accounts', 'accounts.id', 'users.account_id')
    .select(userColumns)
    .where('users.removed_at', 'is', null);
  if (accountId) q = q.where('users.account_id', '=', accountId);
  const rows = await q.orderBy('users.created_at').orderBy('users.id').execute();
  return rows.map(toUser);
}

/** Removes the user and revokes its access tokens; what the user made stays with the account. */
export async function removeUser(db: Kysely<Schema>, email: string): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const user = await findUser(trx, email);
    if (!user) throw new UserError(`No user has the address ${email.toLowerCase()}; run \`mailbeacon user list\` to see them.`);
    const now = Date.now();
    await trx.updateTable('users').set({ removed_at: now }).where('id', '=', user.id).execute();
    await trx.updateTable('access_tokens').set({ revoked_at: now }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
    return user;
  });
}
