// The link/pixel rewriter on hand-written email HTML: every case states the exact output bytes.
import { describe, expect, it } from 'vitest';
import type { LinkSkipReason } from '../../src/shared/api.js';
import { analyzeLinks, applyEdits, rewriteHtml, type RewriteOptions } from '../../src/shared/tracking/rewrite.js';

const track = (_u: string, i: number) => `https://t.test/c/${i}`;
const PIXEL = '<img src="https://t.test/o/p.gif" width="1" height="1" alt="">';

interface Case {
  name: string;
  html: string;
  /** Exact expected output. */
  out: string;
  /** URLs handed to trackLink, in order. */
  tracked: string[];
  skipped?: Array<[url: string, reason: LinkSkipReason]>;
  opts?: RewriteOptions;
}

const cases: Case[] = [
  // ---- quoting and escaping of the written value ----
  {
    name: 'double-quoted href',
    html: '<p>See <a href="https://acme.test/a" class="x">the docs</a>.</p>',
    out: '<p>See <a href="https://t.test/c/0" class="x">the docs</a>.</p>',
    tracked: ['https://acme.test/a'],
  },
  {
    name: 'single-quoted href keeps its quote',
    html: "<a href='http://acme.test/?q=1'>Go</a>",
    out: "<a href='https://t.test/c/0'>Go</a>",
    tracked: ['http://acme.test/?q=1'],
  },
  {
    name: 'unquoted href stays unquoted when the new value is safe unquoted',
    html: '<a href=https://acme.test/x target=_blank>Go</a>',
    out: '<a href=https://t.test/c/0 target=_blank>Go</a>',
    tracked: ['https://acme.test/x'],
  },
  {
    name: 'unquoted href gets quotes when the tracker URL has = in it',
    html: '<a href=https://acme.test/x>Go</a>',
    out: '<a href="https://t.test/c?id=0&amp;k=1">Go</a>',
    tracked: ['https://acme.test/x'],
    opts: { trackLink: (_u, i) => `https://t.test/c?id=${i}&k=1` },
  },
  {
    name: '& and " in the tracker URL are escaped inside double quotes',
    html: '<a href="https://acme.test/x">Go</a>',
    out: '<a href="https://t.test/c?a=1&amp;b=&quot;q&quot;">Go</a>',
    tracked: ['https://acme.test/x'],
    opts: { trackLink: () => 'https://t.test/c?a=1&b="q"' },
  },
  {
    name: "' in the tracker URL is escaped inside single quotes",
    html: "<a href='https://acme.test/x'>Go</a>",
    out: "<a href='https://t.test/c?n=O&#39;Brien&amp;x'>Go</a>",
    tracked: ['https://acme.test/x'],
    opts: { trackLink: () => "https://t.test/c?n=O'Brien&x" },
  },
  // ---- entity decoding of the destination ----
  {
    name: '&amp;, decimal, hex and named references reach trackLink decoded',
    html: '<a href="https://acme.test/r?a=1&amp;b=2&#38;c=3&#x26;d=4&amp;p=caf&eacute;">Reset</a>',
    out: '<a href="https://t.test/c/0">Reset</a>',
    tracked: ['https://acme.test/r?a=1&b=2&c=3&d=4&p=café'],
  },
  {
    name: 'a legacy reference followed by = is not decoded inside an attribute (as browsers do)',
    html: '<a href="https://acme.test/r?a=1&copy=2">Go</a>',
    out: '<a href="https://t.test/c/0">Go</a>',
    tracked: ['https://acme.test/r?a=1&copy=2'],
  },
  {
    name: 'leading and trailing whitespace around the URL is dropped, as browsers do',
    html: '<a href="  https://acme.test/x\n">Go</a>',
    out: '<a href="https://t.test/c/0">Go</a>',
    tracked: ['https://acme.test/x'],
  },
  {
    name: 'non-ASCII path and IDN host',
    html: '<a href="https://bücher.test/straße">Bücher</a>',
    out: '<a href="https://t.test/c/0">Bücher</a>',
    tracked: ['https://bücher.test/straße'],
  },
  // ---- tag syntax ----
  {
    name: 'uppercase tag and attribute names, uppercase scheme',
    html: '<A HREF="HTTPS://ACME.TEST/X">Go</A>',
    out: '<A HREF="https://t.test/c/0">Go</A>',
    tracked: ['HTTPS://ACME.TEST/X'],
  },
  {
    name: 'attributes spread over lines, spaces around =',
    html: '<a\n  class="btn"\n  href = "https://acme.test/x"\n  target=_blank\n>Go</a>',
    out: '<a\n  class="btn"\n  href = "https://t.test/c/0"\n  target=_blank\n>Go</a>',
    tracked: ['https://acme.test/x'],
  },
  {
    name: '> inside another quoted attribute does not end the tag',
    html: '<a title="a > b" href="https://acme.test/x">Go</a>',
    out: '<a title="a > b" href="https://t.test/c/0">Go</a>',
    tracked: ['https://acme.test/x'],
  },
  {
    name: 'XHTML self-closing syntax',
    html: '<a href="https://acme.test/x"/>',
    out: '<a href="https://t.test/c/0"/>',
    tracked: ['https://acme.test/x'],
  },
  {
    name: '<a> without href and "< a" text are not links',
    html: '<a name="top">Top</a> 1 < a href="https://acme.test/x"> 2',
    out: '<a name="top">Top</a> 1 < a href="https://acme.test/x"> 2',
    tracked: [],
  },
  {
    name: 'image-only link is tracked',
    html: '<a href="https://acme.test/x"><img src="https://acme.test/logo.png" alt="https://acme.test"></a>',
    out: '<a href="https://t.test/c/0"><img src="https://acme.test/logo.png" alt="https://acme.test"></a>',
    tracked: ['https://acme.test/x'],
  },
  {
    name: 'unclosed <a> is ended by the next <a>, in document order',
    html: '<a href="https://acme.test/1">one <a href="https://acme.test/2">two</a> <b>x</b>',
    out: '<a href="https://t.test/c/0">one <a href="https://t.test/c/1">two</a> <b>x</b>',
    tracked: ['https://acme.test/1', 'https://acme.test/2'],
  },
  // ---- typed URLs ----
  {
    name: 'visible text that is a URL or address is left alone',
    html:
      '<a href="https://acme.test/x">https://acme.test/x</a> <a href="https://acme.test/">www.acme.test</a> ' +
      '<a href="https://acme.test/x">acme.test/x</a> <a href="https://acme.test/c">ann@acme.test</a> ' +
      '<a href="http://htmlemail.io">HTMLemail.io</a> <a href="https://acme.test/y"> <b>https://</b>acme.test/y&nbsp;</a>',
    out:
      '<a href="https://acme.test/x">https://acme.test/x</a> <a href="https://acme.test/">www.acme.test</a> ' +
      '<a href="https://acme.test/x">acme.test/x</a> <a href="https://acme.test/c">ann@acme.test</a> ' +
      '<a href="http://htmlemail.io">HTMLemail.io</a> <a href="https://acme.test/y"> <b>https://</b>acme.test/y&nbsp;</a>',
    tracked: [],
    skipped: [
      ['https://acme.test/x', 'TYPED_URL'],
      ['https://acme.test/', 'TYPED_URL'],
      ['https://acme.test/x', 'TYPED_URL'],
      ['https://acme.test/c', 'TYPED_URL'],
      ['http://htmlemail.io', 'TYPED_URL'],
      ['https://acme.test/y', 'TYPED_URL'],
    ],
  },
  {
    name: 'text that merely mentions a URL is tracked',
    html: '<a href="https://acme.test/x">Visit acme.test today</a>',
    out: '<a href="https://t.test/c/0">Visit acme.test today</a>',
    tracked: ['https://acme.test/x'],
  },
  {
    name: 'an unclosed <a> whose text to the end is a URL is a typed URL',
    html: '<p><a href="https://acme.test/x">https://acme.test/x</p>',
    out: '<p><a href="https://acme.test/x">https://acme.test/x</p>',
    tracked: [],
    skipped: [['https://acme.test/x', 'TYPED_URL']],
  },
  // ---- not http ----
  {
    name: 'mailto, tel, fragment, javascript, data, relative without base, empty',
    html:
      '<a href="mailto:ann@acme.test">Mail</a><a href="tel:+15551234">Call</a><a href="#top">Top</a>' +
      '<a href="javascript:alert(1)">J</a><a href="data:text/html,hi">D</a><a href="/account">Account</a><a href="">Self</a><a href>Bare</a>',
    out:
      '<a href="mailto:ann@acme.test">Mail</a><a href="tel:+15551234">Call</a><a href="#top">Top</a>' +
      '<a href="javascript:alert(1)">J</a><a href="data:text/html,hi">D</a><a href="/account">Account</a><a href="">Self</a><a href>Bare</a>',
    tracked: [],
    skipped: [
      ['mailto:ann@acme.test', 'NOT_HTTP'],
      ['tel:+15551234', 'NOT_HTTP'],
      ['#top', 'NOT_HTTP'],
      ['javascript:alert(1)', 'NOT_HTTP'],
      ['data:text/html,hi', 'NOT_HTTP'],
      ['/account', 'NOT_HTTP'],
      ['', 'NOT_HTTP'],
      ['', 'NOT_HTTP'],
    ],
  },
  // ---- opt-outs ----
  {
    name: 'every vendor opt-out attribute; clicktracking=on does not opt out',
    html:
      '<a data-mb-no-track href="https://acme.test/1">1</a><a href="https://acme.test/2" data-pm-no-track>2</a>' +
      '<a clicktracking="OFF" href="https://acme.test/3">3</a><a clicktracking=off href="https://acme.test/4">4</a>' +
      '<a ses:no-track href="https://acme.test/5">5</a><a href="https://acme.test/6" mautic:disable-tracking="true">6</a>' +
      '<a clicktracking="on" href="https://acme.test/7">7</a><a DATA-PM-NO-TRACK="" href="https://acme.test/8">8</a>',
    out:
      '<a data-mb-no-track href="https://acme.test/1">1</a><a href="https://acme.test/2" data-pm-no-track>2</a>' +
      '<a clicktracking="OFF" href="https://acme.test/3">3</a><a clicktracking=off href="https://acme.test/4">4</a>' +
      '<a ses:no-track href="https://acme.test/5">5</a><a href="https://acme.test/6" mautic:disable-tracking="true">6</a>' +
      '<a clicktracking="on" href="https://t.test/c/0">7</a><a DATA-PM-NO-TRACK="" href="https://acme.test/8">8</a>',
    tracked: ['https://acme.test/7'],
    skipped: [
      ['https://acme.test/1', 'OPT_OUT'],
      ['https://acme.test/2', 'OPT_OUT'],
      ['https://acme.test/3', 'OPT_OUT'],
      ['https://acme.test/4', 'OPT_OUT'],
      ['https://acme.test/5', 'OPT_OUT'],
      ['https://acme.test/6', 'OPT_OUT'],
      ['https://acme.test/8', 'OPT_OUT'],
    ],
  },
  // ---- unsure ----
  {
    name: 'template placeholders in the href',
    html:
      '<a href="{{action_url}}">Reset</a><a href="https://acme.test/u/{{ token }}">U</a><a href="*|UNSUB|*">Unsub</a>' +
      '<a href="%%view_email_url%%">View</a><a href="https://acme.test/?e=[[email]]">E</a><a href="mailto:{{support_email}}">Mail</a>',
    out:
      '<a href="{{action_url}}">Reset</a><a href="https://acme.test/u/{{ token }}">U</a><a href="*|UNSUB|*">Unsub</a>' +
      '<a href="%%view_email_url%%">View</a><a href="https://acme.test/?e=[[email]]">E</a><a href="mailto:{{support_email}}">Mail</a>',
    tracked: [],
    skipped: [
      ['{{action_url}}', 'UNSURE'],
      ['https://acme.test/u/{{ token }}', 'UNSURE'],
      ['*|UNSUB|*', 'UNSURE'],
      ['%%view_email_url%%', 'UNSURE'],
      ['https://acme.test/?e=[[email]]', 'UNSURE'],
      ['mailto:{{support_email}}', 'UNSURE'],
    ],
  },
  {
    name: 'whitespace, controls and odd URL shapes',
    html:
      '<a href="https://acme.test/a b">1</a><a href="https://acme.test/a\tb">2</a><a href="https://acme.test/a&#1;">3</a>' +
      '<a href="https://acme.test/a\u200bb">4</a><a href="https:acme.test/x">5</a><a href="http://">6</a>' +
      '<a href="https://user@acme.test/">7</a><a href="https://acme.test\\evil">8</a>',
    out:
      '<a href="https://acme.test/a b">1</a><a href="https://acme.test/a\tb">2</a><a href="https://acme.test/a&#1;">3</a>' +
      '<a href="https://acme.test/a\u200bb">4</a><a href="https:acme.test/x">5</a><a href="http://">6</a>' +
      '<a href="https://user@acme.test/">7</a><a href="https://acme.test\\evil">8</a>',
    tracked: [],
    skipped: [
      ['https://acme.test/a b', 'UNSURE'],
      ['https://acme.test/a\tb', 'UNSURE'],
      ['https://acme.test/a\u0001', 'UNSURE'],
      ['https://acme.test/a\u200bb', 'UNSURE'],
      ['https:acme.test/x', 'UNSURE'],
      ['http://', 'UNSURE'],
      ['https://user@acme.test/', 'UNSURE'],
      ['https://acme.test\\evil', 'UNSURE'],
    ],
  },
  {
    name: 'URLs of the right pattern that no browser can open (the tracker could not redirect to them either)',
    html: '<a href="https://acme.test:99999/x">1</a><a href="https://xn--a.test/p">2</a><a href="https://пример.рф:70000/">3</a><a href="https://пример.рф/каталог">4</a>',
    out: '<a href="https://acme.test:99999/x">1</a><a href="https://xn--a.test/p">2</a><a href="https://пример.рф:70000/">3</a><a href="https://t.test/c/0">4</a>',
    tracked: ['https://пример.рф/каталог'],
    skipped: [
      ['https://acme.test:99999/x', 'UNSURE'],
      ['https://xn--a.test/p', 'UNSURE'],
      ['https://пример.рф:70000/', 'UNSURE'],
    ],
  },
  {
    name: 'malformed attribute syntax',
    html:
      '<a href="https://acme.test/1"class="x">1</a><a href="https://acme.test/2" href="https://evil.test/">2</a>' +
      '<a href=>3</a><a href=https://acme.test/4"x>4</a><a "href"="https://acme.test/5">5</a>',
    out:
      '<a href="https://acme.test/1"class="x">1</a><a href="https://acme.test/2" href="https://evil.test/">2</a>' +
      '<a href=>3</a><a href=https://acme.test/4"x>4</a><a "href"="https://acme.test/5">5</a>',
    tracked: [],
    skipped: [
      ['https://acme.test/1', 'UNSURE'],
      ['https://acme.test/2', 'UNSURE'],
      ['', 'UNSURE'],
      ['https://acme.test/4"x', 'UNSURE'],
    ],
  },
  {
    name: 'a tag cut off by the end of the input',
    html: '<p>Hi</p><a class="b" href="https://acme.test/x',
    out: '<p>Hi</p><a class="b" href="https://acme.test/x',
    tracked: [],
    skipped: [['https://acme.test/x', 'UNSURE']],
  },
  // ---- <base href> ----
  {
    name: '<base href> makes relative links absolute, and then they are tracked',
    html:
      '<html><head><base href="https://acme.test/app/"></head><body>' +
      '<a href="login?next=%2F&amp;x=1">Log in</a><a href="/root">Root</a><a href="//cdn.acme.test/f">CDN</a><a href="#top">Top</a>' +
      '</body></html>',
    out:
      '<html><head><base href="https://acme.test/app/"></head><body>' +
      '<a href="https://t.test/c/0">Log in</a><a href="https://t.test/c/1">Root</a><a href="https://t.test/c/2">CDN</a><a href="#top">Top</a>' +
      '</body></html>',
    tracked: ['https://acme.test/app/login?next=%2F&x=1', 'https://acme.test/root', 'https://cdn.acme.test/f'],
    skipped: [['#top', 'NOT_HTTP']],
  },
  {
    name: 'a <base href> that is not absolute http(s) makes relative links unsure',
    html: '<base href="/relative/"><a href="page">P</a><a href="https://acme.test/abs">A</a>',
    out: '<base href="/relative/"><a href="page">P</a><a href="https://t.test/c/0">A</a>',
    tracked: ['https://acme.test/abs'],
    skipped: [['page', 'UNSURE']],
  },
  // ---- comments, conditional comments, VML ----
  {
    name: 'VML bulletproof button inside <!--[if mso]> and its <a> twin',
    html:
      '<div><!--[if mso]>\n  <v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" href="https://acme.test/buy?a=1&amp;b=2" style="height:40px;v-text-anchor:middle;width:200px;" arcsize="10%" fill="t">\n' +
      '    <v:fill type="tile" color="#556270" />\n    <w:anchorlock/>\n    <center style="color:#ffffff;">Buy now</center>\n  </v:roundrect>\n<![endif]-->' +
      '<a href="https://acme.test/buy?a=1&amp;b=2" style="mso-hide:all;">Buy now</a></div>',
    out:
      '<div><!--[if mso]>\n  <v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" href="https://t.test/c/0" style="height:40px;v-text-anchor:middle;width:200px;" arcsize="10%" fill="t">\n' +
      '    <v:fill type="tile" color="#556270" />\n    <w:anchorlock/>\n    <center style="color:#ffffff;">Buy now</center>\n  </v:roundrect>\n<![endif]-->' +
      '<a href="https://t.test/c/1" style="mso-hide:all;">Buy now</a></div>',
    tracked: ['https://acme.test/buy?a=1&b=2', 'https://acme.test/buy?a=1&b=2'],
  },
  {
    name: 'VML with uppercase tag and opt-out; downlevel-revealed content is ordinary HTML',
    html:
      '<!--[if gte mso 9]><V:ROUNDRECT HREF="https://acme.test/v"></V:ROUNDRECT><v:rect href="https://acme.test/o" data-pm-no-track></v:rect><![endif]-->' +
      '<!--[if !mso]><!--><a href="https://acme.test/a">A</a><!--<![endif]-->',
    out:
      '<!--[if gte mso 9]><V:ROUNDRECT HREF="https://t.test/c/0"></V:ROUNDRECT><v:rect href="https://acme.test/o" data-pm-no-track></v:rect><![endif]-->' +
      '<!--[if !mso]><!--><a href="https://t.test/c/1">A</a><!--<![endif]-->',
    tracked: ['https://acme.test/v', 'https://acme.test/a'],
    skipped: [['https://acme.test/o', 'OPT_OUT']],
  },
  {
    name: 'ordinary comments, style, script, textarea and title are never touched',
    html:
      '<title><a href="https://acme.test/t">t</a></title><style>a[href="https://acme.test/s"]{}</style>' +
      '<!-- <a href="https://acme.test/c">c</a> --><script>var a = \'<a href="https://acme.test/j">\';</script>' +
      '<textarea><a href="https://acme.test/ta">x</a></textarea><STYLE>x</STYLE ><a href="https://acme.test/after">After</a>',
    out:
      '<title><a href="https://acme.test/t">t</a></title><style>a[href="https://acme.test/s"]{}</style>' +
      '<!-- <a href="https://acme.test/c">c</a> --><script>var a = \'<a href="https://acme.test/j">\';</script>' +
      '<textarea><a href="https://acme.test/ta">x</a></textarea><STYLE>x</STYLE ><a href="https://t.test/c/0">After</a>',
    tracked: ['https://acme.test/after'],
  },
  {
    name: 'an unclosed <style> hides everything after it',
    html: '<style>p{}<a href="https://acme.test/x">x</a>',
    out: '<style>p{}<a href="https://acme.test/x">x</a>',
    tracked: [],
  },
  {
    name: 'doctype, processing instruction, CDATA and odd comment endings do not confuse the scanner',
    html: '<!DOCTYPE html><?xml version="1.0"?><![CDATA[ <a href="https://acme.test/no"> ]]><!--><a href="https://acme.test/1">1</a><!---->' +
      '<!-- x --!><a href="https://acme.test/2">2</a>',
    // In HTML content `<![CDATA[` is a bogus comment that ends at the first `>`: the <a> in it is no link.
    out: '<!DOCTYPE html><?xml version="1.0"?><![CDATA[ <a href="https://acme.test/no"> ]]><!--><a href="https://t.test/c/0">1</a><!---->' +
      '<!-- x --!><a href="https://t.test/c/1">2</a>',
    tracked: ['https://acme.test/1', 'https://acme.test/2'],
  },
  {
    name: 'lone surrogates (bytes that were not valid UTF-8) make a URL unsure',
    html: '<a href="https://acme.test/\udcff">x</a>',
    out: '<a href="https://acme.test/\udcff">x</a>',
    tracked: [],
    skipped: [['https://acme.test/\udcff', 'UNSURE']],
  },
  // ---- pixel and honeypot ----
  {
    name: 'pixel before the last real </body>, not the one in a comment or script',
    html: '<html><body><p>Hi</p><script>"</body>"</script></body><!-- </body> --></html>',
    out: `<html><body><p>Hi</p><script>"</body>"</script>${PIXEL}</body><!-- </body> --></html>`,
    tracked: [],
    opts: { pixel: { html: PIXEL, position: 'bottom' } },
  },
  {
    name: 'pixel at the top goes right after <body …>',
    html: '<html><head><title>T</title></head>\n<BODY class="x"\n bgcolor="#fff"><p>Hi</p></BODY></html>',
    out: `<html><head><title>T</title></head>\n<BODY class="x"\n bgcolor="#fff">${PIXEL}<p>Hi</p></BODY></html>`,
    tracked: [],
    opts: { pixel: { html: PIXEL, position: 'top' } },
  },
  {
    name: 'a fragment without body: bottom pixel appended, links still tracked',
    html: '<p>Hi <a href="https://acme.test/x">there</a></p>',
    out: `<p>Hi <a href="https://t.test/c/0">there</a></p>${PIXEL}`,
    tracked: ['https://acme.test/x'],
    opts: { trackLink: track, pixel: { html: PIXEL, position: 'bottom' } },
  },
  {
    name: 'no body, no </html>: top pixel after </head>',
    html: '<html><head><title>T</title></head><p>Hi</p>',
    out: `<html><head><title>T</title></head>${PIXEL}<p>Hi</p>`,
    tracked: [],
    opts: { pixel: { html: PIXEL, position: 'top' } },
  },
  {
    name: 'honeypot without a pixel goes before </body>',
    html: '<body><p>Hi</p></body>',
    out: '<body><p>Hi</p><a href="https://t.test/h/1" style="display:none">&#8203;</a></body>',
    tracked: [],
    opts: { honeypot: '<a href="https://t.test/h/1" style="display:none">&#8203;</a>' },
  },
  {
    name: 'pixel and honeypot at the top, links untouched without trackLink',
    html: '<body><a href="https://acme.test/x">x</a></body>',
    out: `<body>${PIXEL}<a hidden href="https://t.test/h">.</a><a href="https://acme.test/x">x</a></body>`,
    tracked: [],
    opts: { pixel: { html: PIXEL, position: 'top' }, honeypot: '<a hidden href="https://t.test/h">.</a>' },
  },
];

describe('rewriteHtml: exact output', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = rewriteHtml(c.html, c.opts ?? { trackLink: track });
      expect(r.html).toBe(c.out);
      expect(r.trackedUrls).toEqual(c.tracked);
      expect(r.links.tracked).toBe(c.tracked.length);
      expect(r.links.skipped).toEqual((c.skipped ?? []).map(([url, reason]) => ({ url, reason })));
      // The edits describe the change exactly.
      expect(applyEdits(c.html, r.edits)).toBe(c.out);
    });
  }
});

describe('rewriteHtml: edits, pixel flag and trackLink calls', () => {
  it('reports each replaced value and the insertion with input offsets', () => {
    const html = '<body><a href="https://acme.test/x">x</a></body>';
    const r = rewriteHtml(html, { trackLink: track, pixel: { html: PIXEL, position: 'bottom' } });
    expect(r.edits).toEqual([
      { start: 15, end: 34, text: 'https://t.test/c/0' },
      { start: 41, end: 41, text: PIXEL },
    ]);
    expect(html.slice(15, 34)).toBe('https://acme.test/x');
    expect(r.pixelPlaced).toBe(true);
  });

  it('calls trackLink once per tracked link with its decoded URL and running index', () => {
    const calls: Array<[string, number]> = [];
    rewriteHtml('<a href="https://a.test/?x=1&amp;y=2">1</a><a href="mailto:a@b.test">m</a><a href="https://b.test">2</a>', {
      trackLink: (u, i) => {
        calls.push([u, i]);
        return 'https://t.test/' + i;
      },
    });
    expect(calls).toEqual([
      ['https://a.test/?x=1&y=2', 0],
      ['https://b.test', 1],
    ]);
  });

  it('does not place the pixel inside an unterminated comment at the end', () => {
    const r = rewriteHtml('<p>Hi</p><!-- unterminated', { pixel: { html: PIXEL, position: 'bottom' } });
    expect(r.pixelPlaced).toBe(false);
    expect(r.html).toBe('<p>Hi</p><!-- unterminated');
  });

  it('without options changes nothing but still reports skipped links', () => {
    const html = '<a href="https://acme.test">x</a><a href="tel:1">t</a>';
    const r = rewriteHtml(html);
    expect(r).toEqual({ html, edits: [], links: { tracked: 0, skipped: [{ url: 'tel:1', reason: 'NOT_HTTP' }] }, trackedUrls: [], pixelPlaced: false });
  });

  it('never throws on hostile input', () => {
    for (const html of ['<', '<a', '<a href', '<a href=', '<a href="', '</', '<!', '<!-', '<!--', '<!--[if', '<!--[if mso]>', '<v:roundrect href=x', '<style>', '<a\u0000href="https://a.test">', '\ud800<a href="https://a.test/\ud800">x</a>']) {
      expect(() => rewriteHtml(html, { trackLink: track, pixel: { html: PIXEL, position: 'top' }, honeypot: '<i></i>' })).not.toThrow();
    }
  });
});

describe('analyzeLinks', () => {
  it('summarises without changing anything, as the add-in shows it', () => {
    const html =
      '<a href="https://acme.test/1">One</a><a href="https://acme.test/2">Two</a><a href="https://acme.test/3">Three</a>' +
      '<!--[if mso]><v:roundrect href="https://acme.test/4"><center>Four</center></v:roundrect><![endif]-->' +
      '<a href="https://acme.test/typed">https://acme.test/typed</a><a href="mailto:x@acme.test">x</a>';
    expect(analyzeLinks(html)).toEqual({
      tracked: 4,
      skipped: [
        { url: 'https://acme.test/typed', reason: 'TYPED_URL' },
        { url: 'mailto:x@acme.test', reason: 'NOT_HTTP' },
      ],
    });
    const r = rewriteHtml(html, { trackLink: track });
    expect(r.links).toEqual(analyzeLinks(html));
  });
});

describe('rewriteHtml on adversarial input', () => {
  // Each of these is quadratic in a naive scanner (re-searching to the end for every construct);
  // at ~1 MB that would take minutes instead of milliseconds.
  const big = 1 << 20;
  const inputs: Record<string, string> = {
    'many unclosed conditional comments': '<!--[if mso]>x-->'.repeat(big / 17) + '<a href="https://acme.test/">x</a>',
    'many comments and no --!>': '<!--c-->'.repeat(big / 8),
    'whitespace inside a huge href': `<a href="https://acme.test/${' '.repeat(big)}x">y</a>`,
    'a huge link text without spaces': `<a href="https://acme.test/">${'a'.repeat(big)}!</a>`,
    'many links whose text is almost a domain': '<a href="https://acme.test/">aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.</a>'.repeat(big / 80),
    'many <a without >': '<a href="x" '.repeat(big / 12),
  };
  for (const [name, html] of Object.entries(inputs)) {
    it(name, () => {
      const t0 = performance.now();
      rewriteHtml(html, { trackLink: track, pixel: { html: PIXEL, position: 'bottom' } });
      expect(performance.now() - t0).toBeLessThan(3000);
    });
  }
});
