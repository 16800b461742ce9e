// The tracker endpoints, answered before the web framework sees the request: they are the hot path
// (every open of every email), need no routing, parsing or hooks, and must answer at once.
//   GET /t/o/<token>.gif  the open pixel: always the GIF, uncached; only a GET with a token we signed counts
//   GET /t/c/<token>      a tracked link: 302 to where it pointed; 404 for anything we did not sign
// HEAD requests get the same answers and are never counted. Recording happens off the response path.
// Every answer carries the security headers (security-headers.ts) from constant objects, built once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sortableId } from '../secrets.js';
import type { HitRecorder, RawHit } from '../tracking/recorder.js';
import { SIGNAL_HEADERS } from '../tracking/recorder.js';
import type { TokenClaim, TrackingSigner } from '../tracking/tokens.js';
import { HSTS, SECURITY_HEADERS, wantsHsts } from './security-headers.js';

// A transparent 1×1 GIF (43 bytes).
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NO_CACHE = 'no-cache, no-store, must-revalidate, private, max-age=0';
const NOT_OURS = Buffer.from('<!doctype html><meta charset="utf-8"><title>Link not found</title><p>This link is not valid. If you copied it, check that it is complete.</p>');
const EMPTY_PAGE = Buffer.from('<!doctype html><title></title>');

/** The answers' headers, without and with HSTS. A click answers with no Referer onwards: the link's
 * destination must not learn the tracking token from it (a redirect's Referrer-Policy applies to
 * the request it leads to). */
function headersFor(tls: boolean) {
  const base = { ...SECURITY_HEADERS, ...(tls ? HSTS : {}), 'Cache-Control': NO_CACHE };
  const click = { ...base, 'Referrer-Policy': 'no-referrer' };
  return {
    gif: { ...base, 'Content-Type': 'image/gif', 'Content-Length': GIF.length, Pragma: 'no-cache', Expires: '0' },
    click,
    page: { ...click, 'Content-Type': 'text/html; charset=utf-8' },
  };
}
const PLAIN = headersFor(false);
const SECURE = headersFor(true);

export interface TrackerDeps {
  signer: TrackingSigner;
  recorder: HitRecorder;
  /** Take the client address from X-Forwarded-For (behind a load balancer). */
  trustProxy: boolean;
}

/** Answers the request when it is a tracker URL; returns false for everything else. */
export function trackerHandler(deps: TrackerDeps) {
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith('/t/')) return false;
    const open = url.startsWith('/t/o/');
    if (!open && !url.startsWith('/t/c/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false; // the framework answers 404/405
    const token = tokenOf(url);
    const claim = token === undefined ? undefined : deps.signer.verify(open ? token.replace(/\.gif$/, '') : token);
    const counted = req.method === 'GET';
    const headers = wantsHsts(req) ? SECURE : PLAIN;
    if (open) {
      if (claim?.k === 'o' && counted) deps.recorder.record(hit(req, claim, deps.trustProxy));
      res.writeHead(200, headers.gif).end(req.method === 'HEAD' ? undefined : GIF);
      return true;
    }
    if (!claim || claim.k === 'o') {
      res.writeHead(404, headers.page).end(NOT_OURS);
      return true;
    }
    if (counted) deps.recorder.record(hit(req, claim, deps.trustProxy));
    if (claim.k === 'h') res.writeHead(200, headers.page).end(EMPTY_PAGE);
    else res.writeHead(302, { ...headers.click, Location: claim.u }).end();
    return true;
  };
}

/** The token part of a tracker URL, percent-decoded; undefined when the encoding is malformed
 * (`%E0%A4%A`): decodeURIComponent throws on it, and a throw here would end the process. */
function tokenOf(url: string): string | undefined {
  try {
    return decodeURIComponent(url.slice(5).split(/[?#]/)[0]);
  } catch {
    return undefined;
  }
}

/**
 * Behind one load balancer (TRUST_PROXY), the client is the last X-Forwarded-For address: the one the
 * balancer appended. Earlier ones come from the client and can say anything. Fastify's
 * `trustProxy` (app.ts) picks the same address for every other route.
 */
function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? '';
}

function hit(req: IncomingMessage, claim: TokenClaim, trustProxy: boolean): RawHit {
  const headers: Record<string, string | undefined> = {};
  for (const h of SIGNAL_HEADERS) {
    const v = req.headers[h];
    if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
  }
  return {
    id: sortableId(),
    at: Date.now(),
    kind: claim.k,
    ref: claim.r,
    ...(claim.k === 'c' ? { url: claim.u, link: claim.i } : {}),
    method: req.method ?? 'GET',
    ip: clientIp(req, trustProxy),
    headers,
  };
}
