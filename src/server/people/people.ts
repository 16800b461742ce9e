// Inviting people, setting and resetting passwords, signing in (docs/product.md, "People and
// sign-in"). Links are one-use and expire; only their hashes are stored (store/user-links.ts). Every
// credential a change ends is announced as `credential-revoked`, so live feeds opened with it end.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { Acceptor } from '../queue/accept.js';
import type { ChangeFeed } from '../notify/changes.js';
import { ApiError, invalid, unauthorized } from '../errors.js';
import { slowHash, verifySlowHash } from '../secrets.js';
import { isAddress, normalizeAddress } from '../../shared/addresses.js';
import { addUserTo, findLogin, getUser, LastAdminError, passwordHashOf, removeUserById, setPasswordHash, updateUser, UserError, type Role, type User } from '../store/users.js';
import { createUserLink, linksSince, peekUserLink, useUserLink, type LinkKind } from '../store/user-links.js';
import { endOtherSessions } from '../store/sessions.js';
import { checkPassword, MAX_PASSWORD } from './passwords.js';
import { sendLinkEmail } from './emails.js';
import type { SignInThrottle } from '../security/sign-in-throttle.js';

export const INVITE_MS = 7 * 24 * 3600_000;
export const RESET_MS = 3600_000;
const RESET_SPACING_MS = 15 * 60_000;
const RESETS_PER_SPACING = 3;

export interface PeopleDeps {
  db: Kysely<Schema>;
  acceptor: Acceptor;
  changes: Pick<ChangeFeed, 'publish'>;
  publicUrl: string;
}

const WRONG = 'The email address or password is not right. Check both, or use "Forgot password?" to set a new password.';

export const linkUrl = (publicUrl: string, kind: LinkKind, token: string) => `${publicUrl.replace(/\/+$/, '')}/app/${kind}/${token}`;

/** A fresh invitation link for the user (earlier ones stop working). */
export async function inviteLink(db: Kysely<Schema>, publicUrl: string, user: { id: string; accountId: string }): Promise<string> {
  return linkUrl(publicUrl, 'invite', await createUserLink(db, user, 'invite', INVITE_MS));
}

/** An admin invites someone: the user, an invitation link, and the email that carries it. */
export async function invite(
  deps: PeopleDeps,
  by: { accountId: string; email: string },
  input: { email: string; name?: string | null; role: Role },
): Promise<{ user: User; inviteUrl: string }> {
  const email = normalizeAddress(input.email);
  if (!isAddress(email)) throw invalid(`"${input.email}" is not an email address.`, 'email');
  let user: User;
  try {
    ({ user } = await addUserTo(deps.db, { email, name: input.name?.trim() || null, accountId: by.accountId, role: input.role }, false));
  } catch (e) {
    // Another account's user is not named: which addresses exist elsewhere is not this admin's to learn.
    if (e instanceof UserError) throw new ApiError(409, 'CONFLICT', `${email} already has a Mailbeacon user; if it is in this account, send a new invitation from its row instead.`);
    throw e;
  }
  const inviteUrl = await inviteLink(deps.db, deps.publicUrl, user);
  await mailInvitation(deps, user, by.email, inviteUrl);
  return { user, inviteUrl };
}

/** A new invitation for a user who has not set a password yet (the old link stops working). */
export async function reinvite(deps: PeopleDeps, by: { accountId: string; email: string }, userId: string): Promise<{ user: User; inviteUrl: string } | undefined> {
  const user = await getUser(deps.db, by.accountId, userId);
  if (!user) return undefined;
  const inviteUrl = await inviteLink(deps.db, deps.publicUrl, user);
  await mailInvitation(deps, user, by.email, inviteUrl);
  return { user, inviteUrl };
}

async function mailInvitation(deps: PeopleDeps, user: User, inviter: string, link: string) {
  await sendLinkEmail(deps, {
    accountId: user.accountId,
    to: user.email,
    subject: 'You are invited to Mailbeacon',
    lines: [`Hello${user.name ? ' ' + user.name : ''},`, `${inviter} invited you to Mailbeacon, where you track and log your email from Outlook and the browser.`, 'Set a password to sign in.'],
    action: 'Set your password',
    link,
    footer: 'The link works once and for 7 days. If you did not expect this, ignore this email.',
  });
}

/** Who an unused link is for (the set-password page shows it), or 404. */
export async function linkOwner(db: Kysely<Schema>, token: string, kind: LinkKind): Promise<User> {
  const owner = await peekUserLink(db, token, kind);
  const user = owner && (await getUser(db, owner.accountId, owner.userId));
  if (!user) throw expiredLink(kind);
  return user;
}

const expiredLink = (kind: LinkKind) =>
  new ApiError(
    404,
    'OBJECT_NOT_FOUND',
    kind === 'invite'
      ? 'This invitation link has been used, has expired (after 7 days) or was replaced by a newer one; ask an admin to invite you again.'
      : 'This password reset link has been used, has expired (after 1 hour) or was replaced by a newer one; ask for a new one with "Forgot password?".',
  );

/**
 * Sets the password from an invitation or a reset link. The password is checked before the link is
 * used, so a weak one leaves the link working. A reset ends every session of the user (the caller
 * then starts a new one) and the live feeds of those sessions.
 */
export async function setPasswordWithLink(deps: PeopleDeps, token: string, kind: LinkKind, password: unknown, name?: string): Promise<User> {
  const peek = await linkOwner(deps.db, token, kind);
  checkPassword(password, peek.email);
  const hash = await slowHash(password);
  const owner = await useUserLink(deps.db, token, kind);
  if (!owner) throw expiredLink(kind);
  await setPasswordHash(deps.db, owner.userId, hash, name?.trim() || undefined);
  const ended = await endOtherSessions(deps.db, owner.userId);
  if (ended.length) await deps.changes.publish({ type: 'credential-revoked', tokenIds: ended });
  return (await getUser(deps.db, owner.accountId, owner.userId))!;
}

/** Asks for a reset link by email. Says nothing of whether the address has a user (always 202). */
export async function requestReset(deps: PeopleDeps, email: unknown): Promise<void> {
  if (typeof email !== 'string' || !isAddress(normalizeAddress(email))) throw invalid('Enter the email address you sign in with.', 'email');
  const found = await findLogin(deps.db, normalizeAddress(email));
  if (!found) return;
  // A few a quarter of an hour: nobody can make us mail someone's inbox full.
  if ((await linksSince(deps.db, found.user.id, 'reset', Date.now() - RESET_SPACING_MS, RESETS_PER_SPACING)) >= RESETS_PER_SPACING) return;
  const token = await createUserLink(deps.db, found.user, 'reset', RESET_MS);
  await sendLinkEmail(deps, {
    accountId: found.user.accountId,
    to: found.user.email,
    subject: 'Reset your Mailbeacon password',
    lines: ['Someone — hopefully you — asked to reset the password of your Mailbeacon account.', 'Choose a new password with the link below; setting it signs you out everywhere else.'],
    action: 'Choose a new password',
    link: linkUrl(deps.publicUrl, 'reset', token),
    footer: 'The link works once and for 1 hour. If you did not ask for it, ignore this email: your password stays as it is.',
  });
}

/** A stand-in hash for unknown addresses, so that they cost the same time as a wrong password. */
let dummy: Promise<string> | undefined;

/**
 * Checks an email and password, throttled per address and per client address. A wrong address and a
 * wrong password answer the same 401 after the same work (a scrypt check either way).
 */
export async function signIn(deps: PeopleDeps, throttle: SignInThrottle, input: { email: unknown; password: unknown; clientIp: string }): Promise<User> {
  if (typeof input.email !== 'string' || !input.email.trim()) throw invalid('Enter your email address.', 'email');
  if (typeof input.password !== 'string' || !input.password) throw invalid('Enter your password.', 'password');
  const email = normalizeAddress(input.email).slice(0, 320);
  const attempt = await throttle.begin(input.clientIp, email);
  try {
    if (attempt.waitMs > 0) {
      const seconds = Math.ceil(attempt.waitMs / 1000);
      throw new ApiError(429, 'RATE_LIMITS', `Too many failed sign-ins; try again in ${Math.ceil(seconds / 60)} min, or use "Forgot password?".`, [], { retryAfter: seconds, policyName: 'FAILED_SIGN_IN' });
    }
    const found = await findLogin(deps.db, email);
    const password = input.password.slice(0, MAX_PASSWORD * 4);
    const ok = found?.passwordHash ? await verifySlowHash(password, found.passwordHash) : (await verifySlowHash(password, await (dummy ??= slowHash('not a password of anyone'))), false);
    if (!found || !ok) {
      await attempt.failed();
      throw unauthorized(WRONG);
    }
    return found.user;
  } finally {
    attempt.end();
  }
}

/** Changes the signed-in person's password; their other sessions end. */
export async function changePassword(deps: PeopleDeps, who: { accountId: string; userId: string; email: string; sessionId?: string }, current: unknown, next: unknown): Promise<void> {
  const hash = await passwordHashOf(deps.db, who.userId);
  if (typeof current !== 'string' || !hash || !(await verifySlowHash(current.slice(0, MAX_PASSWORD * 4), hash))) {
    throw invalid('The current password is not right.', 'currentPassword');
  }
  checkPassword(next, who.email, 'newPassword');
  await setPasswordHash(deps.db, who.userId, await slowHash(next));
  const ended = await endOtherSessions(deps.db, who.userId, who.sessionId);
  if (ended.length) await deps.changes.publish({ type: 'credential-revoked', tokenIds: ended });
}

/** An admin changes a user's name or role; the last admin stays an admin (409). */
export async function changeUser(deps: PeopleDeps, accountId: string, id: string, change: { name?: string | null; role?: Role }): Promise<User | undefined> {
  try {
    return await updateUser(deps.db, accountId, id, change);
  } catch (e) {
    if (e instanceof LastAdminError) throw new ApiError(409, 'CONFLICT', e.message);
    throw e;
  }
}

/** An admin removes a user: their tokens, sessions and live feeds end; the last admin stays (409). */
export async function removePerson(deps: PeopleDeps, accountId: string, id: string): Promise<User | undefined> {
  let user: User | undefined;
  try {
    user = await removeUserById(deps.db, accountId, id);
  } catch (e) {
    if (e instanceof LastAdminError) throw new ApiError(409, 'CONFLICT', e.message);
    throw e;
  }
  if (user) await deps.changes.publish({ type: 'credential-revoked', userId: user.id });
  return user;
}
