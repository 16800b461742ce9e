// Signing in and out, invitations and password resets (docs/product.md, "People and sign-in").
// `publicAuth` needs no credential (its routes are how one gets one); `passwordChange` is for the
// signed-in person.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { ApiError } from '../../errors.js';
import { changePassword, linkOwner, type PeopleDeps, requestReset, setPasswordWithLink, signIn } from '../../people/people.js';
import { createSession, endSession } from '../../store/sessions.js';
import { verifySession } from '../../store/sessions.js';
import { SignInThrottle } from '../../security/sign-in-throttle.js';
import type { User } from '../../store/users.js';
import { clearSessionCookie, foreignOrigin, SESSION_IDLE_MS, sessionCookieOf, setSessionCookie } from '../session-cookie.js';

export const userView = (u: User) => ({ id: u.id, email: u.email, name: u.name, role: u.role });

export function peopleDeps(ctx: AppContext): PeopleDeps {
  return { db: ctx.database.db, acceptor: ctx.acceptor, changes: ctx.changes, publicUrl: ctx.config.publicUrl };
}

const token = Type.Object({ token: Type.String({ maxLength: 128 }) });
const text = (max: number) => Type.String({ maxLength: max });

/** The browser's own name for itself, short: what the devices list shows for a session. */
function browserName(request: FastifyRequest): string {
  const ua = request.headers['user-agent'] ?? '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /OPR\//.test(ua) ? 'Opera' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

export default async function publicAuth(app: FastifyInstance, ctx: AppContext) {
  const deps = peopleDeps(ctx);
  const throttle = new SignInThrottle(ctx.database);
  const db = ctx.database.db;

  /** A new session for the user, replacing the one this browser had: a new id at every sign-in. */
  async function startSession(request: FastifyRequest, reply: FastifyReply, user: User) {
    const old = sessionCookieOf(request);
    const previous = old ? await verifySession(db, old, SESSION_IDLE_MS) : undefined;
    if (previous?.sessionId) {
      await endSession(db, previous, previous.sessionId);
      await ctx.changes.publish({ type: 'credential-revoked', tokenIds: [previous.sessionId] });
    }
    const session = await createSession(db, { id: user.id, accountId: user.accountId }, { name: browserName(request), lifetimeMs: SESSION_IDLE_MS });
    setSessionCookie(request, reply, session.cookie);
    return { user: userView(user) };
  }

  /** A page of another site cannot sign someone in or out (login CSRF). */
  function sameSite(request: FastifyRequest) {
    if (foreignOrigin(request, ctx.config)) throw new ApiError(403, 'FORBIDDEN', "Signing in from another site's page is not allowed; open Mailbeacon at its own address.");
  }

  /** Signs in with email and password: the user, and the `mb_session` cookie. */
  app.post('/api/v1/auth/login', { schema: { body: Type.Object({ email: text(1000), password: text(4096) }) } }, async (request, reply) => {
    sameSite(request);
    const { email, password } = request.body as { email: string; password: string };
    try {
      const user = await signIn(deps, throttle, { email, password, clientIp: request.ip });
      return await startSession(request, reply, user);
    } catch (e) {
      if (e instanceof ApiError && e.statusCode === 429) reply.header('Retry-After', String(e.extra.retryAfter));
      throw e;
    }
  });

  /** Ends this browser's session (if any) and clears its cookie. */
  app.post('/api/v1/auth/logout', async (request, reply) => {
    const cookie = sessionCookieOf(request);
    if (cookie) {
      sameSite(request);
      const principal = await verifySession(db, cookie, SESSION_IDLE_MS);
      if (principal?.sessionId) {
        await endSession(db, principal, principal.sessionId);
        await ctx.changes.publish({ type: 'credential-revoked', tokenIds: [principal.sessionId] });
      }
    }
    clearSessionCookie(request, reply);
    return reply.code(204).send();
  });

  /** Who an invitation is for, before they choose a password (404 once used or expired). */
  app.get('/api/v1/auth/invitations/:token', { schema: { params: token } }, async (request) => {
    const user = await linkOwner(db, (request.params as { token: string }).token, 'invite');
    return { email: user.email, name: user.name };
  });

  /** Accepts an invitation: sets the password (and name) and signs in. */
  app.post(
    '/api/v1/auth/invitations/:token/accept',
    { schema: { params: token, body: Type.Object({ password: text(4096), name: Type.Optional(text(200)) }) } },
    async (request, reply) => {
      sameSite(request);
      const { password, name } = request.body as { password: string; name?: string };
      const user = await setPasswordWithLink(deps, (request.params as { token: string }).token, 'invite', password, name);
      return startSession(request, reply, user);
    },
  );

  /** Emails a reset link when the address has a user; answers 202 either way (no enumeration). */
  app.post('/api/v1/auth/password-reset', { schema: { body: Type.Object({ email: text(1000) }) } }, async (request, reply) => {
    sameSite(request);
    await requestReset(deps, (request.body as { email: string }).email);
    return reply.code(202).send({ status: 'accepted', message: 'If that address has a Mailbeacon account, a link to set a new password is on its way. It works for 1 hour.' });
  });

  /** Who a reset link is for (404 once used or expired). */
  app.get('/api/v1/auth/password-reset/:token', { schema: { params: token } }, async (request) => {
    const user = await linkOwner(db, (request.params as { token: string }).token, 'reset');
    return { email: user.email, name: user.name };
  });

  /** Sets a new password from a reset link: every other session ends, this browser is signed in. */
  app.post('/api/v1/auth/password-reset/:token', { schema: { params: token, body: Type.Object({ password: text(4096) }) } }, async (request, reply) => {
    sameSite(request);
    const user = await setPasswordWithLink(deps, (request.params as { token: string }).token, 'reset', (request.body as { password: string }).password);
    return startSession(request, reply, user);
  });
}

/** Signed in: change the password (other sessions end). */
export async function passwordChange(app: FastifyInstance, ctx: AppContext) {
  app.post(
    '/api/v1/auth/password',
    { schema: { body: Type.Object({ currentPassword: text(4096), newPassword: text(4096) }) } },
    async (request, reply) => {
      const { currentPassword, newPassword } = request.body as { currentPassword: string; newPassword: string };
      await changePassword(peopleDeps(ctx), request.principal, currentPassword, newPassword);
      return reply.code(204).send();
    },
  );
}
