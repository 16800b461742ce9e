// The plain-text alternative of a template that has no text part of its own, made from its rendered
// HTML: what a reader needs (words, line breaks, link targets), none of the markup.
import { decodeHTML, decodeHTMLAttribute } from 'entities';

const DROPPED = /<(head|style|script|title)\b[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi;
const LINK = /<a\b[^>]*?\bhref\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a\s*>/gi;
const BLOCK_END = /<\/(p|div|h[1-6]|li|tr|table|blockquote|pre|ul|ol)\s*>|<br\s*\/?>|<hr\b[^>]*>/gi;

export function htmlToText(html: string): string {
  const text = html
    .replace(DROPPED, '')
    .replace(LINK, (_m, _q, dq: string | undefined, sq: string | undefined, label: string) => {
      const href = decodeHTMLAttribute(dq ?? sq ?? '').trim();
      const words = label.replace(/<[^>]+>/g, '').trim();
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
