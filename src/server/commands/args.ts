// Argument parsing shared by the commands.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { findAccountByName } from '../store/accounts.js';

/** A mistake in how the command was called; printed as one line with a pointer to `help`. */
export class UsageError extends Error {}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true } as const);
  } catch (e) {
    throw new UsageError((e as Error).message + '.');
  }
}

const ACCOUNT_NAME = /^[\w.@-]{1,64}$/;

/** `--account A` as given, or `default`; refused unless it is a valid account name. */
export function accountNameArg(value: unknown): string {
  const name = (value as string | undefined) ?? 'default';
  if (!ACCOUNT_NAME.test(name)) throw new UsageError('--account takes 1 to 64 letters, digits, dots, dashes, @ or _.');
  return name;
}

/** The id of the account `--account` names for a listing (undefined: every account); refused if there is none. */
export async function accountFilter(db: Kysely<Schema>, value: unknown): Promise<string | undefined> {
  if (!value) return undefined;
  const account = await findAccountByName(db, value as string);
  if (!account) throw new UsageError(`There is no account named "${value}".`);
  return account.id;
}
