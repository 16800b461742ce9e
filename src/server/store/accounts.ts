// Accounts: the unit of isolation. Every other table holding customer data carries `account_id`.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { newId } from '../secrets.js';

export interface Account {
  id: string;
  name: string;
}

/** Returns the account with this name, creating it on first use (safe under concurrency). */
export async function ensureAccount(db: Kysely<Schema>, name: string): Promise<Account> {
  await db
    .insertInto('accounts')
    .values({ id: newId(), name, created_at: Date.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return db.selectFrom('accounts').select(['id', 'name']).where('name', '=', name).executeTakeFirstOrThrow();
}

export async function findAccountByName(db: Kysely<Schema>, name: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
}

/** The address the account's own emails (invitations, resets) come from; null: the default. */
export async function senderAddressOf(db: Kysely<Schema>, accountId: string): Promise<string | null> {
  const row = await db.selectFrom('accounts').select('sender_address').where('id', '=', accountId).executeTakeFirst();
  return row?.sender_address ?? null;
}

export async function setSenderAddress(db: Kysely<Schema>, accountId: string, address: string | null): Promise<void> {
  await db.updateTable('accounts').set({ sender_address: address }).where('id', '=', accountId).execute();
}
