// The one HTML→text converter (src/shared/html-text.ts): every named and numeric entity decodes the same
// way for the template text part, the logged copy and the timeline snippet.
import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlToText, htmlWords } from '../../src/shared/html-text.js';
import { snippet } from '../../src/server/store/timeline.js';

describe('htmlToText', () => {
  it('decodes every named and numeric entity, not only the five common ones', () => {
    expect(htmlToText('<p>Caf&eacute; &hellip; &#x1F600; &#233; &euro;5 &amp;amp;</p>')).toBe('Café … 😀 é €5 &amp;');
  });
  it('spells out web link targets unless asked not to, and keeps a label that is the URL', () => {
    const html = '<p><a href="https://acme.test/a?x=1&amp;y=2">Pricing</a> and <a href="https://acme.test/">https://acme.test/</a> or <a href="mailto:a@b.test">mail</a></p>';
    expect(htmlToText(html)).toBe('Pricing (https://acme.test/a?x=1&y=2) and https://acme.test/ or mail');
    expect(htmlToText(html, { linkTargets: false })).toBe('Pricing and https://acme.test/ or mail');
  });
  it('drops head, style, script and comments; bullets list items', () => {
    expect(htmlToText('<head><title>t</title></head><style>a{}</style><!-- x --><ul><li>one</li><li>two</li></ul><script>1</script>')).toBe('- one\n- two');
  });
});

describe('snippets and escaping use the same converter', () => {
  it('makes one-line words for a timeline snippet', () => {
    expect(htmlWords('<p>Hi&nbsp;Ren&eacute;,</p>\n<p>see <a href="https://x.test">this</a></p>')).toBe('Hi René, see this');
    expect(snippet('', '<p>Gr&uuml;&szlig;e</p>')).toBe('Grüße');
  });
  it('escapes what it must for element content and double-quoted attributes', () => {
    expect(escapeHtml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});
