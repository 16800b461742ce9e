// The tracker endpoints, answered before the web framework sees the request: they are the hot path
// (every open of every email), need no routing, parsing or hooks, and must answer at once.
//   GET /t/o/<token>.gif  the open pixel: always the GIF, uncached; only a GET with a token we signed counts
//   GET /t/c/<token>      a tracked link: 302 to where it pointed (as a WHATWG URL: ASCII only); 404 for
//                         anything we did not sign, and a page (404) for a signed destination that is no URL
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
const NOT_A_URL = Buffer.from(
  '<!doctype html><meta charset="utf-8"><title>Link not valid</title><p>The address this link leads to is not a valid web address. The sender may have mistyped it; ask them for the right one.</p>',
);
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
    const page = (status: number, body: Buffer) =>
      res.writeHead(status, { ...headers.page, 'Content-Length': body.length }).end(req.method === 'HEAD' ? undefined : body);
    if (!claim || claim.k === 'o') {
      page(404, NOT_OURS);
      return true;
    }
    // Worked out before anything is recorded or written: a destination that is no URL is a page, not a throw.
    const location = claim.k === 'c' ? redirectLocation(claim.u) : undefined;
    if (counted) deps.recorder.record(hit(req, claim, deps.trustProxy));
    if (claim.k === 'h') page(200, EMPTY_PAGE);
    else if (location === undefined) page(404, NOT_A_URL);
    else res.writeHead(302, { ...headers.click, Location: location }).end();
    return true;
  };
}

/**
 * The Location for a signed destination: the URL as a browser would have requested it from the
 * untracked link — the WHATWG URL serialisation (punycode host, path, query and fragment
 * percent-encoded as UTF-8; `%xx` already there, `&`, `+` and the rest kept as written), which is
 * always ASCII. The token holds the URL as the sender wrote it (`https://пример.рф/каталог`), and
 * Node refuses a header character above U+00FF by throwing; one above U+007F would go out as a raw
 * Latin-1 byte, not the UTF-8 the URL means. Undefined when it is not an http(s) URL at all (a token
 * signed by an earlier, laxer rewriter): such a link gets a page, never a redirect.
 */
export function redirectLocation(destination: string): string | undefined {
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // (Always true of a serialised http(s) URL; checked so that a header can never be refused here.)
  return /^[\x21-\x7e]+$/.test(url.href) ? url.href : undefined;
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
