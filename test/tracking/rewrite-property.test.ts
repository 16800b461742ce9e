// Properties of the rewriter on generated HTML: it never throws, it changes nothing but the edits
// it reports, and the URLs it hands to trackLink are exactly the decoded http(s) hrefs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeLinks, rewriteHtml, type Edit, type RewriteResult } from '../../src/shared/tracking/rewrite.js';

const track = (_u: string, i: number) => `https://t.test/c/${i}?k=a&n=${i}`;
const PIXEL = '<img src="https://t.test/o.gif" width="1" height="1">';

/** Input and output with every edit cut out must be the same string; each edit's text must be in the output. */
function expectOnlyEdits(input: string, r: RewriteResult): void {
  let inRest = '';
  let outRest = '';
  let last = 0;
  let shift = 0;
  for (const e of r.edits) {
    expect(e.start).toBeGreaterThanOrEqual(last);
    inRest += input.slice(last, e.start);
    outRest += r.html.slice(last + shift, e.start + shift);
    expect(r.html.slice(e.start + shift, e.start + shift + e.text.length)).toBe(e.text);
    shift += e.text.length - (e.end - e.start);
    last = e.end;
  }
  inRest += input.slice(last);
  outRest += r.html.slice(last + shift);
  expect(outRest).toBe(inRest);
  expect(r.html.length).toBe(input.length + shift);
}

// ---- structured documents: each chunk knows which URLs it must yield ----------------------------

interface Chunk {
  html: string;
  tracked: string[];
}

const word = fc.constantFrom('Click', 'here', 'Buy now', 'Read', 'the guide', '', 'Ünïcødé', '&amp; more', '&nbsp;', '&#169; 2024', '1 &lt; 2', 'a > b');
const ws = fc.constantFrom(' ', '\n  ', '\t', ' \r\n ');

/** A decoded http(s) URL: scheme, host, path and query from URL-safe pieces (& included). */
const httpUrl = fc
  .tuple(
    fc.constantFrom('http', 'https', 'HTTPS', 'Http'),
    fc.constantFrom('acme.test', 'a-b.example.test', 'bücher.test', 'sub_1.acme.test', '127.0.0.1', 'acme.test:8443', '[::1]'),
    fc.array(fc.stringMatching(/^[a-zA-Z0-9._~!$'()*+,;:@é-]{0,8}$/), { maxLength: 3 }),
    fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), fc.stringMatching(/^(?:[a-zA-Z0-9-]|%2[0-9A-F]){0,6}$/)), { maxLength: 3 }),
  )
  .map(([s, h, path, q]) => `${s}://${h}/${path.join('/')}${q.length ? '?' + q.map(([k, v]) => `${k}=${v}`).join('&') : ''}`);

/** Writes a URL as HTML attribute text, encoding `&` (always) and some other characters as references. */
const encodeUrl = (url: string) =>
  fc.array(fc.constantFrom('raw', 'dec', 'hex', 'named'), { minLength: url.length, maxLength: url.length }).map((how) =>
    [...url]
      .map((ch, i) => {
        const cp = ch.codePointAt(0)!;
        // `&` is always a reference, and `'` too (it could close a single-quoted value).
        const k = ch === '&' && how[i] === 'raw' ? 'named' : ch === "'" ? 'dec' : how[i];
        if (k === 'dec') return `&#${cp};`;
        if (k === 'hex') return `&#x${cp.toString(16)};`;
        if (k === 'named' && ch === '&') return '&amp;';
        if (k === 'named' && ch === 'é') return '&eacute;';
        return ch;
      })
      .join(''),
  );

const quoted = (value: string) =>
  fc.constantFrom('"', "'", '').map((q) => {
    // Unquoted only where HTML allows it (and not ending in `-`, which would make `-->` with the `>`).
    if (q === '' && /[\s"'=<>`]|^$|-$/.test(value)) return `"${value}"`;
    return q + value + q;
  });

const otherAttrs = fc.array(fc.constantFrom('class="btn"', "style='color:#fff; a > b'", 'target=_blank', 'data-x', 'title="x"', 'ID=top'), { maxLength: 2 });

/** An <a> (or VML shape) with a tracked http(s) href. */
const trackedLink = (vml: boolean) =>
  httpUrl.chain((url) =>
    fc.tuple(encodeUrl(url).chain(quoted), otherAttrs, otherAttrs, ws, fc.boolean(), word).map(([value, pre, post, sp, upper, text]): Chunk => {
      const tag = vml ? (upper ? 'V:ROUNDRECT' : 'v:roundrect') : upper ? 'A' : 'a';
      const attrs = [...pre, `${upper ? 'HREF' : 'href'}=${value}`, ...post].join(sp);
      const el = `<${tag}${sp}${attrs}>${vml ? `<center>${text}</center>` : text}</${tag}>`;
      return { html: vml ? `<!--[if mso]>${el}<![endif]-->` : el, tracked: [url] };
    }),
  );

/** Links that must stay untracked, for one reason or another. */
const untrackedLink: fc.Arbitrary<Chunk> = fc
  .oneof(
    fc.constantFrom('mailto:ann@acme.test', 'tel:+1555', '#top', '/relative', '{{action_url}}', 'https://acme.test/{{t}}', 'javascript:void(0)').map((h) => `<a href="${h}">x</a>`),
    httpUrl.map((u) => `<a data-pm-no-track href="${u.replace(/&/g, '&amp;')}">Opted out</a>`),
    httpUrl.map((u) => `<a href="${u.replace(/&/g, '&amp;')}" clicktracking="off">Opted out</a>`),
    fc.constantFrom('https://acme.test/typed', 'www.acme.test', 'ann@acme.test').map((t) => `<a href="https://acme.test/t">${t}</a>`),
    httpUrl.map((u) => `<!-- <a href="${u.replace(/&/g, '&amp;')}">in a comment</a> -->`),
    httpUrl.map((u) => `<style>a[href="${u.replace(/&/g, '&amp;')}"] { color: red }</style>`),
    httpUrl.map((u) => `<a href="${u.replace(/&/g, '&amp;')}"class="glued">unsure</a>`),
  )
  .map((html) => ({ html, tracked: [] }));

const plain: fc.Arbitrary<Chunk> = fc
  .oneof(
    word,
    fc.constantFrom('<p class="x">', '</p>', '<br/>', '<img src="https://img.test/a.png" alt="https://img.test">', '<table><tr><td style="padding:0">', '</td></tr></table>', '<!-- note -->', 'a < b', '<![endif]>'),
  )
  .map((html) => ({ html, tracked: [] }));

const document = fc
  .array(fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: trackedLink(false) }, { weight: 1, arbitrary: trackedLink(true) }, { weight: 2, arbitrary: untrackedLink }), { maxLength: 25 })
  .chain((chunks) =>
    fc.constantFrom('fragment', 'page').map((shape) => {
      const body = chunks.map((c) => c.html).join('');
      return {
        html: shape === 'page' ? `<!DOCTYPE html><html><head><title>T</title></head><body>${body}</body></html>` : body,
        tracked: chunks.flatMap((c) => c.tracked),
      };
    }),
  );

describe('rewriteHtml on generated email HTML', () => {
  it('tracks exactly the decoded http(s) hrefs and changes nothing else', () => {
    fc.assert(
      fc.property(document, fc.constantFrom<'top' | 'bottom'>('top', 'bottom'), (doc, position) => {
        const r = rewriteHtml(doc.html, { trackLink: track, pixel: { html: PIXEL, position } });
        expect(r.trackedUrls).toEqual(doc.tracked);
        expect(r.pixelPlaced).toBe(true);
        expect(r.edits.filter((e) => e.start === e.end)).toEqual([expect.objectContaining({ text: PIXEL })]);
        expectOnlyEdits(doc.html, r);
        expect(analyzeLinks(doc.html).tracked).toBe(doc.tracked.length);
        // Rewritten links are links to the tracker now, and nothing else became one.
        expect(analyzeLinks(r.html).tracked).toBe(doc.tracked.length);
      }),
      { numRuns: 400 },
    );
  });
});

// ---- tag soup: anything at all, from HTML-ish pieces ----------------------------------------------

const soupToken = fc.constantFrom(
  '<', '>', '/', '=', '"', "'", ' ', '\n', '&', '&amp;', '&#38;', '&#x26;', '&eacute;', '&lt;', 'text', 'é', '\ud83d\ude00', '\ud800', '\u0000',
  '<a ', '<A ', '</a>', 'href=', 'HREF = ', '<v:roundrect ', '</v:roundrect>', '<!--', '-->', '--!>', '<!--[if mso]>', '<![endif]-->',
  '<!--[if !mso]><!-->', '<!--<![endif]-->', '<style>', '</style>', '<script>', '</SCRIPT>', '<title>', '<body>', '</body>', '<html>', '</html>',
  '<!DOCTYPE html>', '<?x?>', '<!', '</', 'https://a.test/', 'http://b.test/?x=1', 'HTTPS://C.TEST', 'mailto:a@b.test', '{{x}}', '#f', 'rel/x',
  '<base href="https://base.test/d/">', 'data-pm-no-track ', 'clicktracking=off ', 'www.x.test', 'ann@x.test',
);
/** Whole or half-made links, so that the soup contains links often enough to matter. */
const soupLink = fc.constantFrom(
  '<a href="https://a.test/x?a=1&amp;b=2">', '<a href=https://a.test/u>', "<A HREF='https://c.test/&#38;q'>", '<a class=x href="http://b.test/">',
  '<a href="rel/x">', '<a href=" https://a.test/t ">', '<v:roundrect href="https://v.test/">', '<a\nhref\n=\n"https://a.test/n"\n>',
  '<a href="https://a.test/', 'href="https://a.test/h" ', '<a href="https://a.test/e"/>', '<a href="HTTPS://A.TEST/&eacute;">',
);
const soup = fc
  .array(fc.oneof({ weight: 3, arbitrary: soupToken }, { weight: 1, arbitrary: soupLink }), { maxLength: 60 })
  .map((t) => t.join(''));

/** The destination a link edit's original value stands for: decoded, trimmed, maybe resolved against a base. */
function destinations(input: string, e: Edit): string[] {
  const decoded = decodeForTest(input.slice(e.start, e.end)).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
  const out = [decoded];
  try {
    out.push(new URL(decoded, 'https://base.test/d/').href);
  } catch {
    /* not resolvable: only the decoded form can match */
  }
  return out;
}

/** A test-side decoder for the references the soup uses. */
function decodeForTest(raw: string): string {
  return raw.replace(/&(amp|lt|eacute);|&#(\d+);|&#x([0-9a-f]+);/gi, (m, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name) return { amp: '&', lt: '<', eacute: 'é' }[name.toLowerCase() as 'amp' | 'lt' | 'eacute'];
    return String.fromCodePoint(dec ? Number(dec) : parseInt(hex!, 16));
  });
}

describe('rewriteHtml on tag soup', () => {
  it('never throws, only changes its edits, and tracks only http(s) destinations taken from the hrefs', () => {
    fc.assert(
      fc.property(soup, fc.constantFrom<'top' | 'bottom'>('top', 'bottom'), fc.boolean(), (html, position, honeypot) => {
        const r = rewriteHtml(html, { trackLink: track, pixel: { html: PIXEL, position }, ...(honeypot ? { honeypot: '<a hidden href="https://t.test/h">.</a>' } : {}) });
        expectOnlyEdits(html, r);
        const linkEdits = r.edits.filter((e) => e.start !== e.end || e.text !== PIXEL + (honeypot ? '<a hidden href="https://t.test/h">.</a>' : ''));
        const insertions = r.edits.length - linkEdits.length;
        expect(insertions).toBe(r.pixelPlaced ? 1 : 0);
        expect(linkEdits).toHaveLength(r.trackedUrls.length);
        linkEdits.forEach((e, i) => {
          expect(r.trackedUrls[i]).toMatch(/^https?:\/\//i);
          expect(destinations(html, e)).toContain(r.trackedUrls[i]);
        });
        expect(analyzeLinks(html).tracked).toBe(r.links.tracked);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---- differential: a real HTML parser must see every link we track --------------------------------

describe('rewriteHtml against jsdom (an HTML5 parser)', () => {
  // Without conditional comments and VML, which browsers see as comments and Outlook as markup.
  const browserOnly = (t: string) => !t.includes('[if') && !t.includes('[endif') && !t.includes('v:');
  const browserSoup = fc
    .array(fc.oneof({ weight: 3, arbitrary: soupToken.filter(browserOnly) }, { weight: 1, arbitrary: soupLink.filter(browserOnly) }), { maxLength: 60 })
    .map((t) => t.join(''));

  it('every tracked destination is the href of an <a> the parser built, in the same order', async () => {
    // jsdom ships no types and @types/jsdom is not installed: import it by name and type the one class used.
    const jsdomModule: string = 'jsdom';
    const { JSDOM } = (await import(jsdomModule)) as { JSDOM: new (html: string) => { window: Window } };
    const trim = (s: string) => s.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
    fc.assert(
      fc.property(browserSoup, (html) => {
        const r = rewriteHtml(html, { trackLink: track });
        if (r.edits.length === 0) return;
        const hrefs = [...new JSDOM(html).window.document.querySelectorAll('a[href]')].map((a) => trim(a.getAttribute('href')!));
        let k = 0;
        for (const e of r.edits) {
          const ours = trim(decodeForTest(html.slice(e.start, e.end)));
          while (k < hrefs.length && hrefs[k] !== ours) k++;
          expect(k, `tracked ${JSON.stringify(ours)} is not an <a href> for the parser (${JSON.stringify(hrefs)})`).toBeLessThan(hrefs.length);
          k++;
        }
      }),
      { numRuns: 500 },
    );
  });
});
