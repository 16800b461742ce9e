// Headers every answer carries (OWASP HTTP Headers Cheat Sheet): no MIME sniffing, no path or query
// in the Referer sent to other origins, no framing (clickjacking) — JSON answers included, as OWASP's
// REST Security Cheat Sheet asks — and HSTS over HTTPS. They are set on the raw response before
// routing, so they also cover what the framework answers by itself (404, 503 while draining) and the
// live feed, which writes its own head; a route overrides one by setting it (reply headers win).
// The tracker, the hot path, answers before this with the same headers in constant objects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * The Content-Security-Policy of every page we serve (and, harmlessly, of every other answer): scripts
 * only from our own origin — no inline script, no eval — so injected markup cannot run; Fluent UI
 * (Griffel) inserts style elements at run time, hence 'unsafe-inline' for styles only; no framing.
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The add-in's pages (task pane, function file, the sign-in dialog): Office.js comes from Microsoft's
 * CDN, the API may be on another origin the person typed (any), and Outlook frames them — so no
 * frame-ancestors (see addin-files.ts for why no list). Scripts are still never inline or eval'd.
 */
export const ADDIN_PAGE_CSP =
  "default-src 'self'; script-src 'self' https://appsforoffice.microsoft.com; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data: https:; " +
  "connect-src *; frame-src 'self' https:; object-src 'none'; base-uri 'none'";

export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': PAGE_CSP,
} as const;

/** One year, the value browsers' preload rules expect; without includeSubDomains: the operator's
 * other names are not ours to pin. */
export const HSTS = { 'Strict-Transport-Security': 'max-age=31536000' } as const;

const LOCALHOST = /^(?:[^:]*\.)?localhost\.?(?::\d*)?$/i;

/**
 * HSTS only over TLS (RFC 6797 §7.2: never over plain HTTP) and not for `localhost`: browsers pin a
 * name on every port, so once the add-in's dev origin (https://localhost:3443) had sent it,
 * http://localhost:3000 — the dev mailbox, any other local server — would stop opening. IP literals
 * are never pinned (RFC 6797 §8.1), so they need no exception.
 */
export function wantsHsts(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true && !LOCALHOST.test(req.headers.host ?? '');
}

export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse): void {
  for (const name in SECURITY_HEADERS) res.setHeader(name, SECURITY_HEADERS[name as keyof typeof SECURITY_HEADERS]);
  if (wantsHsts(req)) res.setHeader('Strict-Transport-Security', HSTS['Strict-Transport-Security']);
}

/** Lets a page be framed: the add-in's pages, which Outlook shows in its own frames. */
export function allowFraming(res: ServerResponse): void {
  res.removeHeader('X-Frame-Options');
  res.setHeader('Content-Security-Policy', ADDIN_PAGE_CSP);
}
