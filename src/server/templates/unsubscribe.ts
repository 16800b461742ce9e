// Marketing templates carry an unsubscribe link; transactional ones do not (docs/product.md §6). Mailbeacon
// sends only transactional mail, so the link is a placeholder (`%%unsubscribe_link%%`) for whatever
// sends the marketing mail to fill in. A template that places `{{ unsubscribe_link }}` itself gets
// no footer.
export const UNSUBSCRIBE_PLACEHOLDER = '%%unsubscribe_link%%';

const FOOTER_HTML =
  `<p style="font-size:12px;color:#666666;text-align:center">You receive this email because you subscribed to it. ` +
  `<a href="${UNSUBSCRIBE_PLACEHOLDER}">Unsubscribe</a></p>`;

export const withUnsubscribe = {
  scope: { unsubscribe_link: UNSUBSCRIBE_PLACEHOLDER },
  /** The footer goes before `</body>` when there is one, else at the end. */
  html(html: string): string {
    const at = html.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
    return at < 0 ? html + FOOTER_HTML : html.slice(0, at) + FOOTER_HTML + html.slice(at);
  },
  text(text: string): string {
    return `${text}\n\n--\nUnsubscribe: ${UNSUBSCRIBE_PLACEHOLDER}`;
  },
};

/** Whether the template places the unsubscribe link itself. */
export const placesUnsubscribe = (html: string) => /\bunsubscribe_link\b/.test(html);
