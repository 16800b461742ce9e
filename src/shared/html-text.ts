// HTML as plain text, the one converter for every side: the text alternative of a rendered template,
// the text of a copy logged from Outlook (whose own coercion is unreliable, and whose event runtime
// has no DOM), and a timeline entry's snippet. String work with one entity decoder (the `entities`
// package, the full WHATWG table), so `&eacute;` or `&#x1F600;` reads the same everywhere.
import { decodeHTML, decodeHTMLAttribute } from 'entities';

const DROPPED = /<(head|style|script|title)\b[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi;
const LINK = /<a\b[^>]*?\bhref\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a\s*>/gi;
const BLOCK_END = /<\/(p|div|h[1-6]|tr|table|blockquote|pre|ul|ol)\s*>|<br\s*\/?>|<hr\b[^>]*>/gi;

export interface TextOptions {
  /** Spell out where web links go, "words (https://…)": what a reader of the text needs. Default true. */
  linkTargets?: boolean;
}

/** Readable text: words, line breaks, list bullets and (by default) link targets; none of the markup. */
export function htmlToText(html: string, { linkTargets = true }: TextOptions = {}): string {
  const text = html
    .replace(DROPPED, '')
    .replace(LINK, (_m, _q, dq: string | undefined, sq: string | undefined, label: string) => {
      const words = label.replace(/<[^>]+>/g, '').trim();
      if (!linkTargets) return words;
      const href = decodeHTMLAttribute(dq ?? sq ?? '').trim();
      // Only web links are worth spelling out; a label that already is the URL is left alone.
      return /^https?:\/\//i.test(href) && decodeHTML(words) !== href ? `${words} (${href})` : words;
    })
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(BLOCK_END, '\n')
    .replace(/<[^>]+>/g, '');
  return decodeHTML(text)
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The words of an HTML body on one line (for snippets): no link targets, all whitespace as one space. */
export function htmlWords(html: string): string {
  return htmlToText(html, { linkTargets: false }).replace(/\s+/g, ' ');
}

/** Text made safe to place inside HTML (element content or a double-quoted attribute). */
export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
