// Bearer authentication for every API route. Runs on `onRequest`, before any body is read, so an
// unauthenticated client cannot make us parse (or store) anything.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { type Principal, verifyAccessToken } from '../store/access-tokens.js';
import { ApiError, unauthorized } from '../errors.js';
import { FailureThrottle } from '../security/throttle.js';

/** Wrong tokens a client address may present before it must wait (guessing 256-bit tokens is
 * hopeless anyway; this keeps a flood of tries from costing us a database read each). */
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

export function authenticate(db: Kysely<Schema>, throttle = new FailureThrottle(FAILED_TOKENS_PER_MINUTE, 60_000)) {
  return async function onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = presentedToken(request);
    if (!token) throw unauthorized('This call needs an access token: send `Authorization: Bearer <accessToken>` (get one with `mailbeacon user add` or `mailbeacon user token`).');
    const wait = throttle.waitFor(request.ip);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      reply.header('Retry-After', String(seconds));
      throw new ApiError(429, 'RATE_LIMITS', `Too many requests with a wrong access token from your address; try again in ${seconds} s.`, [], { policyName: 'FAILED_AUTHENTICATION' });
    }
    const principal = await verifyAccessToken(db, token);
    if (!principal) {
      throttle.fail(request.ip);
      throw unauthorized('The access token is not valid (it may have been replaced or revoked); issue a new one with `mailbeacon user token <email>`.');
    }
    request.principal = principal;
  };
}
