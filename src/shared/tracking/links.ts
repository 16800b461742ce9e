// The rules that decide whether one link is tracked. Each rule errs towards leaving a link alone: an
// untracked click costs a statistic, a broken link costs the recipient.
import { decodeHTML, decodeHTMLAttribute } from 'entities';
import type { LinkSkipReason } from '../api.js';
import type { Attr } from './scan.js';

export type Verdict = { url: string; reason: LinkSkipReason | null };

/** Attributes any vendor uses to mark one link "do not track"; their presence is enough. */
const OPT_OUT_ATTRS = new Set(['data-mb-no-track', 'data-pm-no-track', 'ses:no-track', 'mautic:disable-tracking']);

/**
 * Characters that make a URL doubtful: whitespace and controls (browsers strip some, servers see
 * others), characters no URL contains unescaped, and template syntax (`{{x}}`, `*|X|*`, `%%x%%`,
 * `[[x]]`, `<%= x %>`) that a later step would fill in after we signed the wrong string.
 */
const DOUBTFUL = /[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff<>"`{}\\]|\*\||\|\*|\[\[|\]\]|%%/;
/** A lone UTF-16 surrogate: bytes that were not valid text (the MIME layer keeps them that way). */
// (No lookbehind: older Safari, which runs the Outlook add-in on macOS, rejects it.)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
/** Absolute http(s) URL with a plain host name (letters, digits, `-`, `_`, dots) or an IPv6 literal. */
const HTTP_URL = /^https?:\/\/(?:[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?(?:[/?#]|$)/iu;

// Visible text that is itself a URL or an address ("typed URLs"): rewriting the href under it would
// show one address and open another, which is what phishing filters look for.
const TYPED_SCHEME_URL = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.)\S+$/i;
const TYPED_EMAIL = /^(?:mailto:)?[^\s@<>()[\]",;:]+@[^\s@<>()[\]",;:]+\.\p{L}{2,}\.?$/iu;
// (Labels are written so that each character has one way to match: no backtracking blow-up.)
const TYPED_DOMAIN = /^(?:[\p{L}\p{N}][\p{L}\p{N}-]*\.)+\p{L}{2,63}\.?(?::\d{1,5})?(?:[/?#]\S*)?$/iu;
const TYPED_IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?:[/?#]\S*)?$/;

const isWs = (c: number) => c === 32 || c === 10 || c === 9 || c === 13 || c === 12;

/** Trims HTML whitespace (a loop: `/\s+$/` is quadratic on long runs of inner whitespace). */
function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Decodes character references the way a browser does inside an attribute value. */
export function decodeAttr(raw: string): string {
  return raw.indexOf('&') === -1 ? raw : decodeHTMLAttribute(raw);
}

export function isHttpUrl(url: string): boolean {
  return HTTP_URL.test(url) && !DOUBTFUL.test(url) && !LONE_SURROGATE.test(url) && parses(url);
}

/**
 * True when a browser can open it (the WHATWG URL parser): the pattern lets through a port above
 * 65535 or a label that is not valid punycode, links that go nowhere whether tracked or not. Left
 * alone, they fail in the recipient's browser as the sender wrote them. (The tracker copes with
 * such a destination in a link signed before this check; it does not rely on it.)
 */
function parses(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `<base href>` to resolve relative links with: `undefined` without one, `null` when it is
 * there but not an absolute http(s) URL (then relative links are doubtful).
 */
export function baseUrl(rawBase: string | null): string | null | undefined {
  if (rawBase === null) return undefined;
  const base = trimWs(decodeAttr(rawBase));
  return isHttpUrl(base) ? base : null;
}

/** Classifies one raw (entity-encoded) href; `reason: null` means track `url`. */
export function classifyHref(raw: string, base: string | null | undefined): Verdict {
  const url = trimWs(decodeAttr(raw));
  if (url === '') return { url, reason: 'NOT_HTTP' };
  if (DOUBTFUL.test(url) || LONE_SURROGATE.test(url)) return { url, reason: 'UNSURE' };
  const scheme = SCHEME.exec(url);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== 'http' && name !== 'https') return { url, reason: 'NOT_HTTP' };
    return { url, reason: HTTP_URL.test(url) && parses(url) ? null : 'UNSURE' };
  }
  if (url.charCodeAt(0) === 35 /* # */ || base === undefined) return { url, reason: 'NOT_HTTP' };
  if (base === null) return { url, reason: 'UNSURE' };
  return resolve(url, base);
}

function resolve(url: string, base: string): Verdict {
  let abs: string;
  try {
    abs = new URL(url, base).href;
  } catch {
    return { url, reason: 'UNSURE' };
  }
  return isHttpUrl(abs) ? { url: abs, reason: null } : { url, reason: 'UNSURE' };
}

/** True when the link's visible text (raw HTML text, tags already dropped) is a URL or an address. */
export function isTypedUrl(rawText: string): boolean {
  const text = (rawText.indexOf('&') === -1 ? rawText : decodeHTML(rawText)).trim();
  if (text === '' || /\s/.test(text)) return false;
  return TYPED_SCHEME_URL.test(text) || TYPED_EMAIL.test(text) || TYPED_DOMAIN.test(text) || TYPED_IPV4.test(text);
}

/** True when an attribute asks any vendor not to track this link. */
export function isOptedOut(html: string, attrs: readonly Attr[]): boolean {
  for (const a of attrs) {
    if (OPT_OUT_ATTRS.has(a.name)) return true;
    if (a.name === 'clicktracking' && a.valueStart >= 0 && trimWs(decodeAttr(html.slice(a.valueStart, a.valueEnd))).toLowerCase() === 'off') return true;
  }
  return false;
}
