// Users of an account. The CLI names a user by email, so one live user holds an address at a time.
// Roles: `admin` manages the account, `member` uses it; an account never loses its last admin.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { newId } from '../secrets.js';
import { ensureAccount } from './accounts.js';
import { issueAccessToken } from './access-tokens.js';
import { forgetMailbox } from './mailboxes.js';

export type Role = 'admin' | 'member';

export interface User {
  id: string;
  accountId: string;
  account: string;
  email: string;
  name: string | null;
  role: Role;
  /** Whether the person has set a password (an invitation not yet accepted: false). */
  hasPassword: boolean;
  createdAt: number;
}

export class UserError extends Error {}

/** The change would leave the account without an admin. */
export class LastAdminError extends UserError {}

const userColumns = ['users.id', 'users.account_id', 'accounts.name as account', 'users.email', 'users.name', 'users.role', 'users.password_hash', 'users.created_at'] as const;

function toUser(r: { id: string; account_id: string; account: string; email: string; name: string | null; role: Role; password_hash: string | null; created_at: number }): User {
  return { id: r.id, accountId: r.account_id, account: r.account, email: r.email, name: r.name, role: r.role, hasPassword: r.password_hash !== null, createdAt: Number(r.created_at) };
}

/**
 * Creates the user (and the account on first use) and issues its first access token. The account's
 * first user is its admin; later ones are members unless `role` says otherwise.
 */
export async function addUser(
  db: Kysely<Schema>,
  input: { email: string; name?: string; account: string; role?: Role },
): Promise<{ user: User; accessToken: string }> {
  const account = await ensureAccount(db, input.account);
  return addUserTo(db, { ...input, accountId: account.id });
}

/** Adds a user to an existing account; an access token only when `withToken` (the CLI prints one). */
export async function addUserTo(
  db: Kysely<Schema>,
  input: { email: string; name?: string | null; accountId: string; role?: Role },
  withToken = true,
): Promise<{ user: User; accessToken: string }> {
  const email = input.email.toLowerCase();
  return db.transaction().execute(async (trx) => {
    await lockAccount(trx, input.accountId);
    const existing = await findUser(trx, email);
    if (existing) {
      throw new UserError(`A user with the address ${email} already exists (account ${existing.account}); run \`mailbeacon user token ${email}\` for a new access token.`);
    }
    const first = !(await trx.selectFrom('users').select('id').where('account_id', '=', input.accountId).where('removed_at', 'is', null).executeTakeFirst());
    const role: Role = input.role ?? (first ? 'admin' : 'member');
    const id = newId();
    await trx
      .insertInto('users')
      .values({ id, account_id: input.accountId, email, name: input.name ?? null, created_at: Date.now(), removed_at: null, role })
      .execute();
    const accessToken = withToken ? await issueAccessToken(trx, { id, accountId: input.accountId }, { name: 'Command line' }) : '';
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

/** The live user with this address and their password hash (null: none set yet), for signing in. */
export async function findLogin(db: Kysely<Schema>, email: string): Promise<{ user: User; passwordHash: string | null } | undefined> {
  const row = await db
    .selectFrom('users')
    .innerJoin('accounts', 'accounts.id', 'users.account_id')
    .select(userColumns)
    .where('users.email', '=', email.toLowerCase())
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  return row && { user: toUser(row), passwordHash: row.password_hash };
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

/** The user's password hash (null: none set). */
export async function passwordHashOf(db: Kysely<Schema>, userId: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
  return row?.password_hash ?? null;
}

/** Stores a new password hash (and, from an invitation, the name the person gave). */
export async function setPasswordHash(db: Kysely<Schema>, userId: string, hash: string, name?: string): Promise<void> {
  await db
    .updateTable('users')
    .set(name ? { password_hash: hash, name } : { password_hash: hash })
    .where('id', '=', userId)
    .execute();
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

/**
 * Changes a user's name or role. Demoting the last admin throws LastAdminError. The account row is
 * locked first, so two admins demoting each other at once cannot both succeed.
 */
export async function updateUser(db: Kysely<Schema>, accountId: string, id: string, change: { name?: string | null; role?: Role }): Promise<User | undefined> {
  return db.transaction().execute(async (trx) => {
    await lockAccount(trx, accountId);
    const user = await getUser(trx, accountId, id);
    if (!user) return undefined;
    if (change.role === 'member' && user.role === 'admin' && (await adminCount(trx, accountId)) <= 1) {
      throw new LastAdminError(`${user.email} is the account's last admin; make someone else an admin first.`);
    }
    const set: { name?: string | null; role?: Role } = {};
    if (change.name !== undefined) set.name = change.name;
    if (change.role !== undefined) set.role = change.role;
    if (Object.keys(set).length) await trx.updateTable('users').set(set).where('id', '=', id).execute();
    return getUser(trx, accountId, id);
  });
}

/** Removes the user, revokes its access tokens, sessions and links and disconnects its mailbox; what the user made stays with the account. */
export async function removeUser(db: Kysely<Schema>, email: string): Promise<User> {
  const user = await findUser(db, email);
  if (!user) throw new UserError(`No user has the address ${email.toLowerCase()}; run \`mailbeacon user list\` to see them.`);
  return (await removeUserById(db, user.accountId, user.id))!;
}

/** Removes one user of the account (undefined: no such user); the last admin cannot be removed. */
export async function removeUserById(db: Kysely<Schema>, accountId: string, id: string): Promise<User | undefined> {
  return db.transaction().execute(async (trx) => {
    await lockAccount(trx, accountId);
    const user = await getUser(trx, accountId, id);
    if (!user) return undefined;
    if (user.role === 'admin' && (await adminCount(trx, accountId)) <= 1) {
      throw new LastAdminError(`${user.email} is the account's last admin; make someone else an admin before removing them.`);
    }
    const now = Date.now();
    await trx.updateTable('users').set({ removed_at: now }).where('id', '=', user.id).execute();
    await trx.updateTable('access_tokens').set({ revoked_at: now }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
    await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
    await trx.updateTable('user_links').set({ used_at: now }).where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    // Someone who left is no longer logged from their mailbox, and their password for it is not kept.
    await forgetMailbox(trx, { accountId, userId: user.id });
    return user;
  });
}

async function adminCount(db: Kysely<Schema>, accountId: string): Promise<number> {
  const rows = await db.selectFrom('users').select('id').where('account_id', '=', accountId).where('role', '=', 'admin').where('removed_at', 'is', null).limit(2).execute();
  return rows.length;
}

/** A no-op write on the account's row: concurrent role changes in one account take turns. */
async function lockAccount(db: Kysely<Schema>, accountId: string): Promise<void> {
  await db.updateTable('accounts').set((eb) => ({ name: eb.ref('name') })).where('id', '=', accountId).execute();
}
