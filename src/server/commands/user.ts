// `mailbeacon user add|list|remove|token|invite`: prints one JSON line per result (docs/product.md §2).
import { isAddress, normalizeAddress } from '../../shared/addresses.js';
import { accountFilter, accountNameArg, UsageError, parse } from './args.js';
import type { Config } from '../config.js';
import { type Database, migrate, openDatabase } from '../db/index.js';
import { announce } from '../notify/changes.js';
import { issueAccessToken } from '../store/access-tokens.js';
import { addUser, findUser, listUsers, removeUser, UserError, type Role, type User } from '../store/users.js';
import { inviteLink } from '../people/people.js';

const line = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
const userLine = (u: User) => ({ id: u.id, email: u.email, name: u.name, account: u.account, role: u.role, status: u.hasPassword ? 'active' : 'invited', createdAt: new Date(u.createdAt).toISOString() });

function roleArg(value: unknown): Role | undefined {
  if (value === undefined) return undefined;
  if (value !== 'admin' && value !== 'member') throw new UsageError(`--role is admin or member, not "${String(value)}".`);
  return value;
}

function emailArg(positionals: string[], sub: string): string {
  const email = positionals[0];
  if (!email) throw new UsageError(`\`mailbeacon user ${sub}\` needs an email address.`);
  if (!isAddress(email)) throw new UsageError(`"${email}" is not an email address.`);
  return normalizeAddress(email);
}

/** Running servers end the live feeds of the user's revoked tokens (within a second: notify/changes.ts). */
function revoked(database: Database, userId: string): Promise<void> {
  return announce(database.db, database.dialect, { type: 'credential-revoked', userId });
}

export async function userCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database);
    const db = database.db;
    switch (sub) {
      case 'add': {
        const { values, positionals } = parse(rest, { name: { type: 'string' }, account: { type: 'string' }, role: { type: 'string' } });
        const account = accountNameArg(values.account);
        const role = roleArg(values.role);
        const { user, accessToken } = await addUser(db, { email: emailArg(positionals, 'add'), name: values.name as string | undefined, account, role });
        // The link lets the person set a password and sign in without this token (docs/product.md).
        const inviteUrl = await inviteLink(db, config.publicUrl, user);
        line({ id: user.id, email: user.email, account: user.account, role: user.role, accessToken, inviteUrl });
        return 0;
      }
      case 'list': {
        const { values } = parse(rest, { account: { type: 'string' } });
        const accountId = await accountFilter(db, values.account);
        for (const u of await listUsers(db, accountId)) line(userLine(u));
        return 0;
      }
      case 'remove': {
        const { positionals } = parse(rest, {});
        const user = await removeUser(db, emailArg(positionals, 'remove'));
        await revoked(database, user.id);
        line({ removed: userLine(user) });
        return 0;
      }
      case 'token': {
        const { positionals } = parse(rest, {});
        const email = emailArg(positionals, 'token');
        const user = await findUser(db, email);
        if (!user) throw new UserError(`No user has the address ${email}; add one with \`mailbeacon user add ${email}\`.`);
        const accessToken = await issueAccessToken(db, user, { revokeOthers: true });
        await revoked(database, user.id);
        line({ id: user.id, email: user.email, account: user.account, accessToken });
        return 0;
      }
      case 'invite': {
        const { positionals } = parse(rest, {});
        const email = emailArg(positionals, 'invite');
        const user = await findUser(db, email);
        if (!user) throw new UserError(`No user has the address ${email}; add one with \`mailbeacon user add ${email}\`.`);
        // A fresh link; the earlier one stops working. Also for someone who has a password: it sets a new one.
        line({ id: user.id, email: user.email, account: user.account, role: user.role, inviteUrl: await inviteLink(db, config.publicUrl, user) });
        return 0;
      }
      default:
        throw new UsageError(sub ? `Unknown user command "${sub}".` : '`mailbeacon user` needs add, list, remove, token or invite.');
    }
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(e.message + '\n');
      return 1;
    }
    throw e;
  } finally {
    await database.close();
  }
}
