// Click and open tracking for one HTML body (docs/product.md §5). Pure string work, no DOM and no Node APIs:
// the backend runs it on outbound mail and the Outlook add-in runs it to preview what will happen.
// Only href values are replaced and one insertion is made; every other byte is kept, so a message
// that renders today renders the same after tracking.
import type { LinkSkipReason, LinkSummary } from '../api.js';
import { baseUrl, classifyHref, decodeAttr, isOptedOut, isTypedUrl, type Verdict } from './links.js';
import { scanHtml, type Attr, type LinkTag, type ScanResult } from './scan.js';

export interface RewriteOptions {
  /** Called once per trackable link in document order; returns the tracker URL that replaces the href. Absent = links untouched. */
  trackLink?: (url: string, index: number) => string;
  /** Open-pixel markup, inserted before the last real </body> (bottom) or right after the opening <body …> tag (top). */
  pixel?: { html: string; position: 'bottom' | 'top' };
  /** Markup of an invisible honeypot link, inserted at the pixel's place (also when there is no pixel). */
  honeypot?: string;
}

/** One replacement: input[start, end) became `text` (start === end for an insertion). */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface RewriteResult {
  html: string;
  /** In input order, never overlapping. */
  edits: Edit[];
  links: LinkSummary;
  /** The destinations handed to trackLink, in order (entity-decoded, resolved against <base>). */
  trackedUrls: string[];
  pixelPlaced: boolean;
}

/** Rewrites trackable links and inserts the pixel/honeypot. Never throws on any input string. */
export function rewriteHtml(html: string, opts: RewriteOptions = {}): RewriteResult {
  const scan = scanHtml(html);
  const base = baseUrl(scan.baseHref);
  const edits: Edit[] = [];
  const skipped: LinkSummary['skipped'] = [];
  const trackedUrls: string[] = [];
  for (const link of scan.links) {
    const v = judge(html, link, base);
    if (v.reason !== null) skipped.push({ url: v.url, reason: v.reason });
    else if (opts.trackLink) {
      const href = hrefOf(link)!;
      edits.push(replaceValue(href, opts.trackLink(v.url, trackedUrls.length)));
      trackedUrls.push(v.url);
    }
  }
  const insertion = insertionEdit(scan, html.length, opts);
  if (insertion) insertSorted(edits, insertion);
  return {
    html: applyEdits(html, edits),
    edits,
    links: { tracked: trackedUrls.length, skipped },
    trackedUrls,
    pixelPlaced: insertion !== null && opts.pixel !== undefined,
  };
}

/** What rewriteHtml would do to the links, changing nothing. */
export function analyzeLinks(html: string): LinkSummary {
  const scan = scanHtml(html);
  const base = baseUrl(scan.baseHref);
  let tracked = 0;
  const skipped: Array<{ url: string; reason: LinkSkipReason }> = [];
  for (const link of scan.links) {
    const v = judge(html, link, base);
    if (v.reason === null) tracked++;
    else skipped.push({ url: v.url, reason: v.reason });
  }
  return { tracked, skipped };
}

const hrefOf = (link: LinkTag): Attr | undefined => link.attrs.find((a) => a.name === 'href');

function judge(html: string, link: LinkTag, base: string | null | undefined): Verdict {
  const href = hrefOf(link)!;
  const raw = href.valueStart < 0 ? '' : html.slice(href.valueStart, href.valueEnd);
  // Browsers use the first of two hrefs, other parsers the last: which one is meant is a guess.
  const twice = link.attrs.filter((a) => a.name === 'href').length > 1;
  // (An unterminated quote can make the "value" the rest of the document: report its start only.)
  if (link.malformed || twice) return { url: decodeAttr(raw.slice(0, 2048)), reason: 'UNSURE' };
  if (isOptedOut(html, link.attrs)) return { url: decodeAttr(raw), reason: 'OPT_OUT' };
  const v = classifyHref(raw, base);
  if (v.reason !== null) return v;
  if (!link.textOverflow && isTypedUrl(link.text)) return { url: v.url, reason: 'TYPED_URL' };
  return v;
}

/** Characters that end or break an unquoted attribute value. */
const UNQUOTED_UNSAFE = /[\t\n\f\r "'=<>`]/;

/** Writes the tracker URL into the attribute, escaped for the value's own quoting. */
function replaceValue(href: Attr, url: string): Edit {
  const amp = url.replace(/&/g, '&amp;');
  let text: string;
  if (href.quote === 34) text = amp.replace(/"/g, '&quot;');
  else if (href.quote === 39) text = amp.replace(/'/g, '&#39;');
  else text = amp !== '' && !UNQUOTED_UNSAFE.test(amp) ? amp : `"${amp.replace(/"/g, '&quot;')}"`;
  return { start: href.valueStart, end: href.valueEnd, text };
}

function insertionEdit(scan: ScanResult, length: number, opts: RewriteOptions): Edit | null {
  const text = (opts.pixel?.html ?? '') + (opts.honeypot ?? '');
  if (text === '') return null;
  const at = opts.pixel?.position === 'top' ? topSpot(scan) : bottomSpot(scan, length);
  return at < 0 ? null : { start: at, end: at, text };
}

/** Before the last real </body>; else before </html>; else at the end if that is outside any markup. */
function bottomSpot(scan: ScanResult, length: number): number {
  if (scan.bodyCloseStart >= 0) return scan.bodyCloseStart;
  if (scan.htmlCloseStart >= 0) return scan.htmlCloseStart;
  return scan.endsClean ? length : -1;
}

/** Right after <body …>; without one, after </head>, <html> or the doctype, else at the start. */
function topSpot(scan: ScanResult): number {
  for (const at of [scan.bodyOpenEnd, scan.headCloseEnd, scan.htmlOpenEnd, scan.doctypeEnd]) if (at >= 0) return at;
  return 0;
}

function insertSorted(edits: Edit[], e: Edit): void {
  let i = edits.length;
  while (i > 0 && edits[i - 1]!.start > e.start) i--;
  edits.splice(i, 0, e);
}

/** Applies non-overlapping edits sorted by start. */
export function applyEdits(input: string, edits: readonly Edit[]): string {
  let out = '';
  let last = 0;
  for (const e of edits) {
    out += input.slice(last, e.start) + e.text;
    last = e.end;
  }
  return out + input.slice(last);
}
