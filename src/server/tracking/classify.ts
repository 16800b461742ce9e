/**
 * Who opened, who clicked (docs/product.md §5): one verdict per tracking hit, with the reasons behind it.
 *
 * Precedence — the first rule that fires decides; then the method floor applies.
 *
 * | # | Rule                                                                      | Verdict                         |
 * |---|---------------------------------------------------------------------------|---------------------------------|
 * | 1 | blocked IP/CIDR (user settings), ≤5 min after the add-in's self-view      | SELF                            |
 * |   | report, or one of the sender's own addresses                              |                                 |
 * | 2 | the message's invisible honeypot link                                     | SCANNER                         |
 * | 3 | security product: scanner UA token, or Referer on a link-wrapper host     | SCANNER                         |
 * |   | (unless that request is a user-activated navigation: a click-through)     |                                 |
 * | 4 | mail image proxy UA (Gmail, Yahoo): OPEN ≤2 s after delivery / OPEN /     | PRIVACY_PREFETCH / MAIL_PROXY / |
 * |   | CLICK                                                                     | BOT                             |
 * | 5 | Gmail prefetch UA; Purpose/Sec-Purpose/X-Moz prefetch (OPEN / CLICK)      | BOT; PRIVACY_PREFETCH / BOT     |
 * | 6 | Apple MPP, OPEN only: bare `Mozilla/5.0`, or Apple Mail UA from Apple's   | PRIVACY_PREFETCH                |
 * |   | range (the same UA from anywhere else is a real Apple Mail open)          |                                 |
 * | 7 | no UA, automation or link-preview UA, isbot (mail clients exempted)       | BOT                             |
 * | 8 | weighed weak signals score ≥ 3 (request shape, timing, stale Chrome,      | CLICK: SCANNER, OPEN: BOT       |
 * |   | infrastructure ranges, HEAD, From header; user activation subtracts)      |                                 |
 * | 9 | otherwise                                                                 | HUMAN                           |
 * | — | floor: a non-GET (HEAD…) request never counts — HUMAN/MAIL_PROXY → BOT    |                                 |
 *
 * Counted = HUMAN or MAIL_PROXY. Rule 8 exists because no single weak signal may turn a real
 * person into a scanner (Mautic #16069: over-filtering is as bad as none).
 */
import { isbotMatch } from 'isbot';
import type { Verdict } from '../../shared/api.js';
import {
  BOT_UAS, GMAIL_PREFETCH_UA, MAIL_PROXY_UAS, SCANNER_UAS,
  findRange, matchReferer, matchUa, type IpRange,
} from './signals.js';
import { type Address, compileRanges, firstMatch, maskAddress, parseAddress } from '../../shared/ip-ranges.js';
import {
  chromeMajor, chromeVersionsBehind, isAppleMailUa, isBareMozilla, isBrowserLike, isCrawler, lastChromeFor, osLabel,
} from './user-agent.js';

export type { Verdict } from '../../shared/api.js';
export { describeUserAgent } from './user-agent.js';

export interface Hit {
  kind: 'OPEN' | 'CLICK';
  method: string;
  ip: string;
  headers: Record<string, string | undefined>;
  at: number;
  sentAt?: number | null;
  honeypot?: boolean;
  self?: { blockedIps?: string[]; selfViewSince?: number | null; senderIps?: string[] };
}
export interface Classification { verdict: Verdict; counted: boolean; reasons: string[] }

/** Tunables, exported so tests and docs quote the same numbers. */
export const LIMITS = {
  /** The add-in reports the sender's own view after the item renders; the pixel may load just before. */
  selfViewLeadMs: 30_000,
  selfViewWindowMs: 5 * 60_000,
  /** A proxy fetch this soon after delivery is a prefetch: nobody has opened the mail yet. */
  proxyPrefetchMs: 2_000,
  scoreThreshold: 3,
  burstWindowMs: 5_000,
  burstMinLinks: 3,
  /** Two different links closer than this are not a person moving between them. */
  burstMinGapMs: 1_000,
} as const;

type Decision = { verdict: Verdict; reasons: string[] };

interface Ctx {
  hit: Hit;
  ua: string;
  h: (name: string) => string | undefined;
  addr: Address | undefined;
  range: IpRange | undefined;
  sinceDeliveryMs: number | undefined;
}

export function classify(hit: Hit): Classification {
  const ctx = contextOf(hit);
  const decision = selfRule(ctx) ?? honeypotRule(ctx) ?? securityProductRule(ctx) ?? mailProxyRule(ctx)
    ?? prefetchRule(ctx) ?? appleMppRule(ctx) ?? automationRule(ctx) ?? scoreRule(ctx);
  return withMethodFloor(ctx, decision);
}

function contextOf(hit: Hit): Ctx {
  const headers = new Map(Object.entries(hit.headers).map(([k, v]) => [k.toLowerCase(), v?.trim()]));
  const addr = parseAddress(hit.ip);
  const since = typeof hit.sentAt === 'number' ? hit.at - hit.sentAt : undefined;
  return {
    hit,
    ua: headers.get('user-agent') ?? '',
    h: (name) => headers.get(name) || undefined,
    addr,
    range: findRange(addr),
    // A hit "before" delivery means skewed clocks, not speed: no timing signal then.
    sinceDeliveryMs: since !== undefined && since >= 0 ? since : undefined,
  };
}

function withMethodFloor(ctx: Ctx, d: Decision): Classification {
  const method = methodOf(ctx);
  let { verdict } = d;
  const reasons = [...d.reasons];
  if (method !== 'GET') {
    if (!reasons.some((r) => r.includes(`${method} request`))) reasons.push(`${method} request`);
    if (verdict === 'HUMAN' || verdict === 'MAIL_PROXY') {
      verdict = 'BOT';
      reasons.push(`${method} requests never count (nobody views or follows a link with ${method})`);
    }
  }
  return { verdict, counted: verdict === 'HUMAN' || verdict === 'MAIL_PROXY', reasons };
}

// ---- 1. SELF -------------------------------------------------------------------------------

function selfRule(ctx: Ctx): Decision | null {
  const self = ctx.hit.self;
  if (!self) return null;
  const blocked = firstMatch(compileRanges((self.blockedIps ?? []).map((cidr) => ({ cidr }))), ctx.addr);
  if (blocked) return { verdict: 'SELF', reasons: [`blocked IP ${blocked.cidr} (your settings)`] };
  const view = self.selfViewSince;
  if (typeof view === 'number') {
    const after = ctx.hit.at - view;
    if (after >= -LIMITS.selfViewLeadMs && after <= LIMITS.selfViewWindowMs) {
      const when = after < 0 ? 'just before' : `${duration(after)} after`;
      return { verdict: 'SELF', reasons: [`${when} the add-in reported your own view`] };
    }
  }
  const sender = firstMatch(compileRanges((self.senderIps ?? []).map((cidr) => ({ cidr }))), ctx.addr);
  if (sender && ctx.addr) return { verdict: 'SELF', reasons: [`from an address you sent from (${maskAddress(ctx.addr)})`] };
  return null;
}

// ---- 2–3. honeypot and security products ---------------------------------------------------

function honeypotRule(ctx: Ctx): Decision | null {
  return ctx.hit.honeypot
    ? { verdict: 'SCANNER', reasons: ['hit the honeypot link, which is invisible to people'] }
    : null;
}

function securityProductRule(ctx: Ctx): Decision | null {
  const product = matchUa(SCANNER_UAS, ctx.ua);
  if (product) return { verdict: 'SCANNER', reasons: [`user agent names ${product.name}`] };
  const wrapper = matchReferer(ctx.h('referer'));
  if (!wrapper) return null;
  // A person clicking through the wrapper's warning page: the browser marks the navigation as
  // user-activated, which the scanner's own page loads never are. Rule 8 still weighs the referer.
  if (isUserActivatedNavigation(ctx)) return null;
  return { verdict: 'SCANNER', reasons: [`referer ${wrapper.host} (${wrapper.name})`] };
}

// ---- 4–6. proxies and prefetchers ----------------------------------------------------------

function mailProxyRule(ctx: Ctx): Decision | null {
  const proxy = matchUa(MAIL_PROXY_UAS, ctx.ua);
  if (!proxy) return null;
  const reasons = [proxy.name, ...rangeReason(ctx)];
  if (ctx.hit.kind === 'CLICK') return { verdict: 'BOT', reasons: [...reasons, 'image proxies do not follow links'] };
  const since = ctx.sinceDeliveryMs;
  if (since !== undefined && since <= LIMITS.proxyPrefetchMs) {
    return { verdict: 'PRIVACY_PREFETCH', reasons: [...reasons, `fetched ${seconds(since)} after delivery: a prefetch, not a view`] };
  }
  return { verdict: 'MAIL_PROXY', reasons };
}

function prefetchRule(ctx: Ctx): Decision | null {
  if (GMAIL_PREFETCH_UA.pattern.test(ctx.ua)) return { verdict: 'BOT', reasons: [GMAIL_PREFETCH_UA.name] };
  const header = (['purpose', 'sec-purpose', 'x-purpose', 'x-moz'] as const)
    .find((name) => /prefetch|preview|prerender/i.test(ctx.h(name) ?? ''));
  if (!header) return null;
  const reason = `browser prefetch (${header}: ${ctx.h(header)})`;
  return ctx.hit.kind === 'OPEN'
    ? { verdict: 'PRIVACY_PREFETCH', reasons: [reason] }
    : { verdict: 'BOT', reasons: [reason, 'a prefetch is not a click; the real navigation arrives separately'] };
}

function appleMppRule(ctx: Ctx): Decision | null {
  if (ctx.hit.kind !== 'OPEN') return null;
  const fromApple = ctx.range?.role === 'apple';
  const timing = ctx.sinceDeliveryMs !== undefined && ctx.sinceDeliveryMs <= 60_000
    ? [`opened ${seconds(ctx.sinceDeliveryMs)} after delivery`] : [];
  if (isBareMozilla(ctx.ua)) {
    return { verdict: 'PRIVACY_PREFETCH', reasons: ["bare 'Mozilla/5.0' user agent (Apple Mail Privacy Protection)", ...rangeReason(ctx), ...timing] };
  }
  // The Apple Mail UA is shared by MPP and by real Apple Mail opens; the address decides.
  if (isAppleMailUa(ctx.ua) && fromApple) {
    return { verdict: 'PRIVACY_PREFETCH', reasons: ['Apple Mail user agent fetched by Apple, not by the reader', ...rangeReason(ctx), ...timing] };
  }
  return null;
}

// ---- 7. automation -------------------------------------------------------------------------

function automationRule(ctx: Ctx): Decision | null {
  if (!ctx.ua) return { verdict: 'BOT', reasons: ['no user agent'] };
  if (isBareMozilla(ctx.ua)) return { verdict: 'BOT', reasons: ["bare 'Mozilla/5.0' user agent: no browser sends that for a click"] };
  const bot = matchUa(BOT_UAS, ctx.ua);
  if (bot) return { verdict: 'BOT', reasons: [bot.name] };
  if (!isCrawler(ctx.ua)) return null;
  return { verdict: 'BOT', reasons: [`isbot: user agent matches '${isbotMatch(ctx.ua) ?? 'a crawler pattern'}'`] };
}

// ---- 8–9. weighed signals ------------------------------------------------------------------

interface Signal { weight: number; reason: string }

function scoreRule(ctx: Ctx): Decision {
  const signals = ctx.hit.kind === 'CLICK' ? clickSignals(ctx) : openSignals(ctx);
  signals.push(...commonSignals(ctx));
  const score = signals.reduce((sum, s) => sum + s.weight, 0);
  const against = signals.filter((s) => s.weight > 0).map((s) => s.reason);
  const forHuman = signals.filter((s) => s.weight < 0).map((s) => s.reason);
  if (score >= LIMITS.scoreThreshold) {
    const verdict: Verdict = ctx.hit.kind === 'CLICK' ? 'SCANNER' : 'BOT';
    return { verdict, reasons: [...against, `automation score ${score} ≥ ${LIMITS.scoreThreshold}`] };
  }
  const weak = against.length ? [`weak signals only (score ${score} < ${LIMITS.scoreThreshold}): ${against.join('; ')}`] : [];
  return { verdict: 'HUMAN', reasons: [...(forHuman.length ? forHuman : ['no automation signals']), ...weak] };
}

function clickSignals(ctx: Ctx): Signal[] {
  const out: Signal[] = [];
  const since = ctx.sinceDeliveryMs;
  if (since !== undefined && since <= 2_000) out.push({ weight: 2, reason: `clicked ${seconds(since)} after delivery, faster than anyone opens a message` });
  else if (since !== undefined && since <= 10_000) out.push({ weight: 1, reason: `clicked ${seconds(since)} after delivery` });
  if (!isBrowserLike(ctx.ua)) return out;
  if (!isNavigation(ctx)) out.push({ weight: 2, reason: 'not a top-level navigation (no Sec-Fetch-Mode: navigate, Accept without text/html)' });
  if (!ctx.h('accept-language')) out.push({ weight: 1, reason: 'no Accept-Language, which browsers always send' });
  out.push(...staleChrome(ctx));
  if (isUserActivatedNavigation(ctx)) out.push({ weight: -1, reason: 'user-activated navigation (Sec-Fetch-User: ?1)' });
  return out;
}

function staleChrome(ctx: Ctx): Signal[] {
  const major = chromeMajor(ctx.ua);
  const behind = chromeVersionsBehind(ctx.ua, ctx.hit.at);
  if (major === undefined || behind === undefined || behind < 13) return [];
  const label = `Chrome ${major} on ${osLabel(ctx.ua)}`;
  // An OS Chrome left behind keeps its last version: an old PC, so only the weak weight.
  if (major >= (lastChromeFor(ctx.ua) ?? Infinity)) return [{ weight: 1, reason: `${label}, the last Chrome for that OS` }];
  // Chrome updates itself; years behind on a supported OS is what sandboxes replay (gophish#2115).
  if (behind >= 36) return [{ weight: 2, reason: `${label}, ~${Math.round(behind / 12)} years out of date` }];
  return [{ weight: 1, reason: `${label}, over a year out of date` }];
}

function openSignals(ctx: Ctx): Signal[] {
  if (!isBrowserLike(ctx.ua)) return [];
  const accept = ctx.h('accept');
  if (ctx.h('sec-fetch-dest') === 'document' || (accept && /text\/html/.test(accept) && !/image\//.test(accept))) {
    return [{ weight: 2, reason: 'pixel requested as a page, not an image' }];
  }
  if (accept && !/image\/|\*\/\*/.test(accept)) return [{ weight: 1, reason: `Accept without image/* (${accept.slice(0, 40)})` }];
  return [];
}

function commonSignals(ctx: Ctx): Signal[] {
  const out: Signal[] = [];
  const method = methodOf(ctx);
  if (method !== 'GET') out.push({ weight: 2, reason: `${method} request` });
  // Crawlers put a contact address in From; browsers never send it.
  if (ctx.h('from')) out.push({ weight: 2, reason: 'From header (crawler contact address)' });
  const wrapper = matchReferer(ctx.h('referer'));
  if (wrapper) out.push({ weight: 1, reason: `came through ${wrapper.name} (${wrapper.host}), clicked through its page` });
  const role = ctx.range?.role;
  if (role === 'mail-security') out.push({ weight: 2, reason: rangeReason(ctx)[0] });
  else if (role === 'cloud' || role === 'google' || role === 'yahoo') out.push({ weight: 1, reason: rangeReason(ctx)[0] });
  return out;
}

// ---- shared helpers ------------------------------------------------------------------------

function methodOf(ctx: Ctx): string {
  return (ctx.hit.method || 'GET').toUpperCase();
}

function isNavigation(ctx: Ctx): boolean {
  return ctx.h('sec-fetch-mode') === 'navigate' || ctx.h('sec-fetch-dest') === 'document'
    || /text\/html/.test(ctx.h('accept') ?? '');
}

function isUserActivatedNavigation(ctx: Ctx): boolean {
  return ctx.h('sec-fetch-user') === '?1' && ctx.h('sec-fetch-mode') === 'navigate';
}

function rangeReason(ctx: Ctx): string[] {
  const r = ctx.range;
  if (!r || !ctx.addr) return [];
  const possessive = r.owner.endsWith('s') ? `${r.owner}'` : `${r.owner}'s`;
  return [`address ${maskAddress(ctx.addr)} in ${possessive} range (${r.cidr}${r.lore ? ', practitioner lore' : ''})`];
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function duration(ms: number): string {
  return ms < 60_000 ? seconds(ms) : `${Math.round(ms / 60_000)} min`;
}

// ---- retroactive correction ----------------------------------------------------------------

export interface ClickRecord { id: string; at: number; linkIndex: number; verdict: Verdict }

/**
 * Clicks of ONE message → ids whose verdict must become SCANNER: `minLinks` distinct links within
 * `windowMs`, or two different links closer together than `minGapMs` (nobody reads, returns to the
 * message and clicks again that fast). Repeats of one link never count as a burst. SELF clicks are
 * ignored; clicks already SCANNER count as evidence but are not returned.
 */
export function findScannerBursts(
  clicks: ClickRecord[],
  opts: { windowMs?: number; minLinks?: number; minGapMs?: number } = {},
): string[] {
  const windowMs = opts.windowMs ?? LIMITS.burstWindowMs;
  const minLinks = Math.max(2, opts.minLinks ?? LIMITS.burstMinLinks);
  const minGapMs = opts.minGapMs ?? LIMITS.burstMinGapMs;
  const pool = clicks.filter((c) => c.verdict !== 'SELF').sort((a, b) => a.at - b.at);
  const flagged = new Set<string>();
  for (let i = 0; i < pool.length; i++) {
    const window = windowFrom(pool, i, windowMs);
    if (new Set(window.map((c) => c.linkIndex)).size >= minLinks) window.forEach((c) => flagged.add(c.id));
    const next = pool[i + 1];
    if (next && next.linkIndex !== pool[i].linkIndex && next.at - pool[i].at < minGapMs) {
      flagged.add(pool[i].id).add(next.id);
    }
  }
  return pool.filter((c) => flagged.has(c.id) && c.verdict !== 'SCANNER').map((c) => c.id);
}

function windowFrom(sorted: ClickRecord[], start: number, windowMs: number): ClickRecord[] {
  const end = sorted[start].at + windowMs;
  const out: ClickRecord[] = [];
  for (let j = start; j < sorted.length && sorted[j].at <= end; j++) out.push(sorted[j]);
  return out;
}
