// The rewriter on real transactional templates written by other people (../shared/corpus, see its
// README): byte-preserving, placeholder hrefs untouched, and the real links tracked — the expected
// counts were checked by reading each file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LinkSkipReason } from '../../src/shared/api.js';
import { rewriteHtml } from '../../src/shared/tracking/rewrite.js';

const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');
const PIXEL = '<img src="https://t.test/o/p.gif" width="1" height="1" alt="">';

type Expect = { tracked: number } & Partial<Record<LinkSkipReason, number>>;

/** Postmark ships each template in three layouts (basic, basic-full, plain) with the same links. */
const POSTMARK: Record<string, Expect> = {
  'comment-notification': { tracked: 1, UNSURE: 3 }, // {{attachment_url}}, {{action_url}}, {{notifications_url}}
  dunning: { tracked: 1, UNSURE: 2 },
  example: { tracked: 6, UNSURE: 3 }, // masthead, Mustachio, 4 example.com buttons; 3 placeholders
  invoice: { tracked: 1, UNSURE: 2 },
  'password-reset-help': { tracked: 1, UNSURE: 2 },
  'password-reset': { tracked: 1, UNSURE: 2 },
  receipt: { tracked: 2, UNSURE: 5 },
  'trial-expired': { tracked: 1, UNSURE: 5 },
  'trial-expiring': { tracked: 1, UNSURE: 5 },
  'user-invitation': { tracked: 1, UNSURE: 4 }, // mailto:{{support_email}} is a placeholder too
  welcome: { tracked: 1, UNSURE: 4 },
};

const EXPECTED: Record<string, Expect> = {
  ...Object.fromEntries(
    Object.entries(POSTMARK).flatMap(([name, e]) => ['basic', 'basic-full', 'plain'].map((layout) => [`html-email/postmark/${layout}--${name}.html`, e])),
  ),
  'html-email/mailgun/action.html': { tracked: 2 },
  'html-email/mailgun/alert.html': { tracked: 2 },
  'html-email/mailgun/billing.html': { tracked: 1, NOT_HTTP: 1 }, // "support@acme.inc" links to mailto:
  // The footer link's text "HTMLemail.io" is a typed URL.
  'html-email/leemunroe/email.html': { tracked: 2, TYPED_URL: 1 },
  'html-email/leemunroe/email-inlined.html': { tracked: 2, TYPED_URL: 1 },
};

const files = fs.existsSync(CORPUS)
  ? (fs.readdirSync(CORPUS, { recursive: true }) as string[]).filter((f) => f.endsWith('.html')).map((f) => f.split(path.sep).join('/')).sort()
  : [];

describe('rewriteHtml on the real-world corpus', () => {
  if (files.length === 0) {
    it.skip(`corpus not found at ${CORPUS} (a clone outside the shared layout); nothing to check`, () => {});
    return;
  }

  it('holds every file the expectations name', () => {
    expect(files).toEqual(expect.arrayContaining(Object.keys(EXPECTED)));
  });

  for (const file of files) {
    it(file, () => {
      const html = fs.readFileSync(path.join(CORPUS, file), 'utf8');
      const r = rewriteHtml(html, { trackLink: (_u, i) => `https://t.test/c/${i}`, pixel: { html: PIXEL, position: 'bottom' } });

      // Byte-preserving: cutting the edits out of input and output leaves the same text.
      let inRest = '';
      let outRest = '';
      let last = 0;
      let shift = 0;
      for (const e of r.edits) {
        inRest += html.slice(last, e.start);
        outRest += r.html.slice(last + shift, e.start + shift);
        shift += e.text.length - (e.end - e.start);
        last = e.end;
      }
      expect(outRest + r.html.slice(last + shift)).toBe(inRest + html.slice(last));

      // The pixel sits right before the document's </body>.
      expect(r.pixelPlaced).toBe(true);
      expect(r.html.slice(r.html.lastIndexOf('</body>') - PIXEL.length)).toMatch(new RegExp(`^${PIXEL.replace(/[.?*+^$[\]\\(){}|/-]/g, '\\$&')}</body>`));

      // Placeholders are reported unsure and survive byte for byte.
      const placeholders = [...html.matchAll(/href="([^"]*\{\{[^"]*)"/g)].map((m) => m[1]!);
      for (const p of placeholders) {
        expect(r.links.skipped).toContainEqual({ url: p, reason: 'UNSURE' });
        expect(r.html).toContain(`href="${p}"`);
      }
      expect(r.trackedUrls.every((u) => /^https?:\/\//.test(u) && !u.includes('{{'))).toBe(true);

      const e = EXPECTED[file];
      if (!e) return; // a file added to the corpus later: the invariants above still hold
      expect(r.links.tracked).toBe(e.tracked);
      const counts: Partial<Record<LinkSkipReason, number>> = {};
      for (const s of r.links.skipped) counts[s.reason] = (counts[s.reason] ?? 0) + 1;
      const { tracked: _t, ...skipped } = e;
      expect(counts).toEqual(skipped);
      // Every tracked link now points at the tracker.
      expect(r.html.match(/href="https:\/\/t\.test\/c\/\d+"/g)).toHaveLength(e.tracked);
    });
  }
});
