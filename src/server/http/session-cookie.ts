// The browser session cookie `mb_session` (docs/product.md, "People and sign-in"): HttpOnly (no
// script reads it), SameSite=Lax (not sent on other sites' subrequests), Secure when the request came
// over https, Path=/ (the web app and its API share it). Unsafe requests it authenticates must come
// from one of our own origins (OWASP CSRF Prevention Cheat Sheet, "Verifying Origin with standard
// headers"): Lax alone still lets a same-site page post.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

export const SESSION_COOKIE = 'mb_session';
/** A session ends after this long without use; using it moves the end on (store/sessions.ts). */
export const SESSION_IDLE_MS = 30 * 24 * 3600_000;

export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function flags(request: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Lax${request.protocol === 'https' ? '; Secure' : ''}`;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string): void {
  reply.header('Set-Cookie', `${SESSION_COOKIE}=${value}; Max-Age=${Math.floor(SESSION_IDLE_MS / 1000)}; ${flags(request)}`);
  reply.header('Cache-Control', 'no-store');
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('Set-Cookie', `${SESSION_COOKIE}=; Max-Age=0; ${flags(request)}`);
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const isUnsafe = (request: FastifyRequest) => UNSAFE.has(request.method);

/** The origin the request says it comes from: `Origin`, or without one the `Referer`'s origin. */
function claimedOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (origin) return origin;
  const referer = request.headers.referer;
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

/** Whether the request comes from one of Mailbeacon's own origins: PUBLIC_URL, ADDIN_URL, the host it was sent to. */
export function fromOwnOrigin(request: FastifyRequest, config: Pick<Config, 'publicUrl' | 'addinUrl'>): boolean {
  const claimed = claimedOrigin(request);
  if (!claimed || claimed === 'null') return false;
  const own = new Set([new URL(config.publicUrl).origin, new URL(config.addinUrl).origin]);
  if (request.headers.host) own.add(`${request.protocol}://${request.headers.host}`.toLowerCase());
  return own.has(claimed.toLowerCase());
}

/** A cross-site request may not act on a session: login CSRF included, when the page says where it is. */
export function foreignOrigin(request: FastifyRequest, config: Pick<Config, 'publicUrl' | 'addinUrl'>): boolean {
  return claimedOrigin(request) !== undefined && !fromOwnOrigin(request, config);
}
