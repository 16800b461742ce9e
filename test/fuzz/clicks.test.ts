// Clicks on tracked links with random Unicode in host, path, query and fragment (docs/product.md §5): the server
// rewrites them, answers every click, and each lands where the sender's link pointed — Location,
// parsed as a URL, is the sender's URL parsed as a URL — and the server is still up afterwards.
// Regression: a destination with a character above U+00FF made Node refuse the Location header,
// and the uncaught throw ended the process.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectLocation } from '../../src/server/http/tracker.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { clickHeaders } from '../helpers/tracking.js';
import { request } from '../security/client.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

const range = (from: number, to: number) => fc.integer({ min: from, max: to }).map((c) => String.fromCodePoint(c));

/** Letters and digits of several scripts: what internationalised host labels are made of. */
const hostChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_') },
  { weight: 1, arbitrary: range(0xc0, 0xff).filter((c) => /\p{L}/u.test(c)) }, // Latin-1 letters (ß, é, Ü…)
  { weight: 2, arbitrary: range(0x430, 0x44f) }, // Cyrillic
  { weight: 1, arbitrary: range(0x3b1, 0x3c9) }, // Greek
  { weight: 2, arbitrary: range(0x4e00, 0x9fff) }, // CJK
  { weight: 1, arbitrary: range(0xac00, 0xd7a3) }, // Hangul
);
const label = fc.oneof(
  { weight: 5, arbitrary: fc.array(hostChar, { minLength: 1, maxLength: 10 }).map((cs) => cs.join('')) },
  // Right to left, a label of its own (IDNA's bidi rule refuses most mixes with left-to-right letters).
  { weight: 1, arbitrary: fc.array(fc.oneof(range(0x5d0, 0x5ea), range(0x628, 0x64a)), { minLength: 1, maxLength: 8 }).map((cs) => cs.join('')) },
);
const host = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.array(label, { minLength: 1, maxLength: 2 }), fc.constantFrom('test', 'рф', '中国', 'com', 'ελ', 'jp')).map(([ls, tld]) => [...ls, tld].join('.')) },
  { weight: 1, arbitrary: fc.constantFrom('acme.test', 'пример.рф', 'bücher.test', '127.0.0.1', '[::1]', 'acme.test:8443', 'xn--e1afmkfd.xn--p1ai') },
);

/** Any character a URL part may hold, Unicode of every plane, escapes good and bad, and the delimiters. */
const partChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@/?%') },
  { weight: 2, arbitrary: fc.constantFrom('%20', '%2F', '%E2%82%AC', '%D1%84', '%zz', '%', '&amp', '+', '=') },
  { weight: 2, arbitrary: range(0xa1, 0xff) },
  { weight: 2, arbitrary: range(0x400, 0x4ff) },
  { weight: 2, arbitrary: range(0x4e00, 0x9fff) },
  { weight: 2, arbitrary: range(0x1f300, 0x1faff) }, // emoji (surrogate pairs in JavaScript)
  // Anything at all (some make the link doubtful: left untracked), but U+0000, which the API refuses in any field.
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\u0000') },
);
const part = (max: number) => fc.array(partChar, { maxLength: max }).map((cs) => cs.join(''));

/** A destination as the sender writes it (decoded href). */
const destination = fc
  .tuple(fc.constantFrom('https', 'http', 'HTTPS'), host, part(12), fc.option(part(12), { nil: undefined }), fc.option(part(8), { nil: undefined }))
  .map(([scheme, h, path, query, fragment]) => `${scheme}://${h}/${path.replace(/[?#]/g, '')}${query === undefined ? '' : '?' + query.replace(/#/g, '')}${fragment === undefined ? '' : '#' + fragment}`);

/** The href in HTML: `&` and `"` as references, so that it decodes back to the destination. */
const attr = (url: string) => url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

describe('the Location of a signed destination (in process)', () => {
  it('never throws, is ASCII, and is the destination as a URL; undefined only for what is no http(s) URL', () => {
    const any = fc.oneof(destination, fc.string({ unit: 'binary' }).map((s) => `https://${s}`), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(any, (dest) => {
        const location = redirectLocation(dest);
        const parsed = URL.canParse(dest) ? new URL(dest) : undefined;
        if (!parsed || !/^https?:$/.test(parsed.protocol)) {
          expect(location).toBeUndefined();
        } else {
          expect(location).toBe(parsed.href);
          expect(location).toMatch(/^[\x21-\x7e]+$/);
          expect(new URL(location!).href).toBe(parsed.href);
        }
      }),
      { numRuns: RUNS * 200 },
    );
  });
});

describe.each(BACKENDS)('clicks on tracked links to random Unicode destinations on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let token: string;
  let n = 0;
  const counts = { generated: 0, tracked: 0 };

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    token = (await server.addUser('fuzz@acme.test')).accessToken;
  }, 90_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('rewrites them, redirects every click to its destination, and stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(destination, { minLength: 1, maxLength: 4 }), fc.constantFrom('GET', 'HEAD'), async (dests, method) => {
        const html = `<p>${dests.map((d, i) => `<a href="${attr(d)}">link ${i}</a>`).join(' ')}</p>`;
        const res = await server.api('/api/v1/tracked-emails', {
          method: 'POST',
          token,
          json: { trackingId: `fuzz-click-${++n}`, subject: 's', from: 'fuzz@acme.test', to: ['r@example.test'], cc: [], bcc: [], html },
        });
        expect(res.status).toBe(201);
        const body = (await res.json()) as { html: string; links: { tracked: number; skipped: Array<{ url: string }> } };
        // The rewriter leaves doubtful links as they were (whitespace, controls, hosts no browser
        // parses…); each tracked one is, in order, a destination it did not skip.
        const skipped = new Set(body.links.skipped.map((s) => s.url));
        const tracked = dests.filter((d) => !skipped.has(d.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, ''))); // (skipped URLs are trimmed as HTML does)
        const clicks = [...body.html.matchAll(/<a href="([^"]*\/t\/c\/[^"]+)"(?![^>]*aria-hidden)/g)].map((m) => m[1].replace(/^https?:\/\/[^/]+/, server.url));
        expect(clicks).toHaveLength(tracked.length);
        counts.generated += dests.length;
        counts.tracked += tracked.length;
        for (const [i, click] of clicks.entries()) {
          const answer = await request(click, { method, headers: clickHeaders });
          const what = `${method} for ${JSON.stringify(tracked[i])}`;
          expect(answer.status, what).toBe(302);
          const location = answer.headers.get('location')!;
          expect(location, what).toMatch(/^[\x21-\x7e]+$/);
          expect(new URL(location).href, what).toBe(new URL(tracked[i]).href);
        }
      }),
      { numRuns: RUNS * 2 },
    );
    // Most generated links were tracked, so the clicks above are the property, not the exceptions.
    expect(counts.tracked / counts.generated).toBeGreaterThan(0.6);
    expect((await fetch(server.url + '/health')).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
    expect(server.logs().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });
});
