// Authentication for every API route: a Bearer access token (the add-in, HubSpot clients, scripts)
// or the `mb_session` cookie (the web app). Runs on `onRequest`, before any body is read, so an
// unauthenticated client cannot make us parse (or store) anything.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Schema } from '../db/schema.js';
import { type Principal, verifyAccessToken } from '../store/access-tokens.js';
import { verifySession } from '../store/sessions.js';
import { ApiError, unauthorized } from '../errors.js';
import { FailureThrottle } from '../security/throttle.js';
import { throttleAddress } from '../../shared/ip-ranges.js';
import { clearSessionCookie, fromOwnOrigin, isUnsafe, SESSION_IDLE_MS, sessionCookieOf, setSessionCookie } from './session-cookie.js';

/** Wrong tokens a client address may present before its further wrong ones get 429 instead of 401
 * (guessing 256-bit tokens is hopeless anyway; this tells a misbehaving client to back off). A valid
 * token is never refused for the address it comes from: behind a NAT or balancer, one address is
 * many users. Counted in each process's memory. */
const FAILED_TOKENS_PER_MINUTE = 30;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** EventSource cannot send headers: this route also takes `?access_token=`. */
    queryToken?: boolean;
  }
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1];
  }
  if (request.routeOptions.config?.queryToken) {
    const q = (request.query as Record<string, unknown> | undefined)?.access_token;
    return typeof q === 'string' ? q : undefined;
  }
  return undefined;
}

export function authenticate(db: Kysely<Schema>, config: Pick<Config, 'publicUrl' | 'addinUrl'>, throttle = new FailureThrottle(FAILED_TOKENS_PER_MINUTE, 60_000)) {
  return async function onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = presentedToken(request);
    const cookie = token || request.headers.authorization ? undefined : sessionCookieOf(request);
    if (cookie !== undefined) {
      const principal = await verifySession(db, cookie, SESSION_IDLE_MS);
      if (!principal) {
        clearSessionCookie(request, reply);
        throw unauthorized('Your session has ended (signed out, expired, or ended from another device); sign in again.');
      }
      // The browser sends the cookie on any site's request: an unsafe one must show it comes from us.
      if (isUnsafe(request) && !fromOwnOrigin(request, config)) {
        throw new ApiError(403, 'FORBIDDEN', "This request came from another site's page, so the session cookie cannot authorise it; use Mailbeacon's own pages or a Bearer access token.");
      }
      // The server moved the session's end on; without a fresh Max-Age the browser would still drop
      // the cookie 30 days after sign-in however often it is used.
      if (principal.renewed) setSessionCookie(request, reply, cookie);
      request.principal = principal;
      return;
    }
    if (!token) throw unauthorized('This call needs an access token: send `Authorization: Bearer <accessToken>` (get one with `mailbeacon user add` or `mailbeacon user token`), or sign in at /app.');
    // Checked first: only a wrong token can be told to wait.
    const principal = await verifyAccessToken(db, token);
    if (!principal) {
      const client = throttleAddress(request.ip);
      const wait = throttle.waitFor(client);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        reply.header('Retry-After', String(seconds));
        throw new ApiError(429, 'RATE_LIMITS', `Too many requests with a wrong access token from your address; try again in ${seconds} s.`, [], { policyName: 'FAILED_AUTHENTICATION' });
      }
      throttle.fail(client);
      throw unauthorized('The access token is not valid (it may have been replaced or revoked); issue a new one with `mailbeacon user token <email>`.');
    }
    request.principal = principal;
  };
}
