// Tracking-token fuzzing (docs/product.md §5): random, mutated and truncated tokens, oddly encoded. The pixel
// URL always answers the GIF and the link URL always 404 without a Location (never an open redirect);
// no event is recorded for any of them; the server survives every one.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { TrackingSigner, type TokenClaim } from '../../src/server/tracking/tokens.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport } from '../helpers/smtp-clients.js';
import { imageHeaders, clickHeaders, trackerUrls } from '../helpers/tracking.js';
import { request } from '../security/client.js';
import { errorShapeProblem } from './support/error-shape.js';
import { pct, RAW_FRAGMENTS } from './support/http-input.js';
import { changedTables, fingerprint, settledFingerprint } from './support/snapshot.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25) * 8;
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** A token changed so that it is no longer the token: cut, one character changed, dropped or added, parts swapped. */
function mutated(token: string): fc.Arbitrary<string> {
  const at = fc.nat({ max: Math.max(0, token.length - 1) });
  const ch = fc.constantFrom(...'AZaz09-_.=+/%~ \u00e9\u0000\ud800');
  const [kid, payload, sig] = token.split('.');
  return fc.oneof(
    at.map((i) => token.slice(0, i)),
    fc.tuple(at, ch).map(([i, c]) => token.slice(0, i) + c + token.slice(i + 1)),
    at.map((i) => token.slice(0, i) + token.slice(i + 1)),
    fc.tuple(at, ch).map(([i, c]) => token.slice(0, i) + c + token.slice(i)),
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => token + s),
    fc.constantFrom(`${kid}.${sig}.${payload}`, `${payload}.${kid}.${sig}`, `${kid}..${sig}`, `${kid}.${payload}.`, `.${payload}.${sig}`, `${kid}.${payload}.${sig}.${sig}`, token.toUpperCase(), `${kid}.${payload}=.${sig}`),
    // Another destination under the same signature: the classic open-redirect forgery.
    fc.webUrl().map((u) => `${kid}.${Buffer.from(JSON.stringify({ k: 'c', r: { t: 'x' }, i: 0, u })).toString('base64url')}.${sig}`),
  );
}

/** Tokens that are not ours at all. */
const foreign = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,12}\.[A-Za-z0-9_-]{0,200}\.[A-Za-z0-9_-]{0,30}$/),
  fc.integer({ min: 8000, max: 11_000 }).map((n) => 'k.' + 'A'.repeat(n) + '.sig'),
);

/** How the token is put into the URL: percent-encoded, raw where that is still a valid path, or with broken escapes around it. */
function urlPart(token: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: token.map(pct) },
    { weight: 1, arbitrary: token.filter((t) => /^[\x21-\x7e]*$/.test(t) && !/[?#%]/.test(t)) },
    { weight: 1, arbitrary: fc.tuple(token, fc.constantFrom(...RAW_FRAGMENTS)).map(([t, f]) => pct(t) + f) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_FRAGMENTS) },
  );
}

describe('tracking token verification (in process)', () => {
  const signer = new TrackingSigner([{ id: 'k1', secret: 's'.repeat(40) }]);
  const claims: TokenClaim[] = [
    { k: 'o', r: { d: 'delivery' } },
    { k: 'c', r: { t: 'tracked' }, i: 1, u: 'https://acme.test/a?b=1' },
  ];

  it('never throws and verifies no mutation of a token it signed', () => {
    for (const claim of claims) {
      const token = signer.sign(claim);
      fc.assert(
        fc.property(mutated(token).filter((t) => t !== token), (t) => {
          expect(signer.verify(t)).toBeUndefined();
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(foreign, (t) => signer.verify(t) === undefined), { numRuns: 2000 });
  });
});

describe.each(BACKENDS)('tracker URLs with fuzzed tokens on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;
  let database: Database;
  /** Valid tokens (decoded): pixels and links of a one-to-one email and of an SMTP delivery. */
  let pixels: string[];
  let links: string[];

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url });
    // Real tokens of both kinds of mail: a one-to-one email (add-in) and an SMTP delivery.
    const { accessToken } = await server.addUser('tok@acme.test');
    const res = await server.api('/api/v1/tracked-emails', {
      method: 'POST',
      token: accessToken,
      json: { subject: 'tok', from: 'tok@acme.test', to: ['reader@example.test'], cc: [], bcc: [], html: '<p><a href="https://acme.test/deal">deal</a></p>' },
    });
    const tracked = (await res.json()) as { html: string; pixelUrl: string };
    const { creds } = await smtpLogin(server, accessToken, 'tokens');
    await transport(creds).sendMail({ from: 'tok@acme.test', to: 'rcpt@example.test', subject: 'tok', html: '<p><a href="https://acme.test/offer">offer</a></p>' });
    const delivered = await trackerUrls((await sink.waitFor(1))[0].raw);
    const token = (url: string) => decodeURIComponent(new URL(url.replace(/&amp;/g, '&')).pathname.slice(5)).replace(/\.gif$/, '');
    pixels = [tracked.pixelUrl, delivered.pixel].map(token);
    links = [/href="([^"]+\/t\/c\/[^"]+)"/.exec(tracked.html)![1], ...delivered.links, delivered.honeypot].map(token);
    database = await tdb.open();
  }, 90_000);
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  const valid = () => new Set([...pixels, ...links]);
  /** A bad token for either URL: mutated from a real one (any kind), or foreign. */
  const badToken = () => fc.oneof(fc.constantFrom(...pixels, ...links).chain(mutated), foreign).filter((t) => !valid().has(t));

  async function hit(path: string, method: 'GET' | 'HEAD', headers: Record<string, string>) {
    return request(server.url + path, { method, headers });
  }

  async function expectNothingRecorded(run: () => Promise<void>) {
    const before = await settledFingerprint(database);
    await run();
    await new Promise((r) => setTimeout(r, 500)); // the recorder stores in batches every 20 ms
    expect(changedTables(before, await fingerprint(database))).toEqual([]);
  }

  it('answers the pixel URL with the GIF, uncached, for every bad token, and records nothing', async () => {
    await expectNothingRecorded(async () => {
      await fc.assert(
        fc.asyncProperty(urlPart(badToken()), fc.constantFrom<'GET' | 'HEAD'>('GET', 'HEAD'), async (part, method) => {
          const res = await hit(`/t/o/${part}.gif`, method, imageHeaders);
          const what = `${method} /t/o/${part.slice(0, 200)}.gif → ${res.status}`;
          expect(res.status, what).toBe(200);
          expect(res.headers.get('content-type'), what).toBe('image/gif');
          expect(res.headers.get('cache-control'), what).toMatch(/no-store/);
          expect(res.headers.get('content-length'), what).toBe(String(GIF.length));
          if (method === 'GET') expect(res.text.startsWith('GIF89a'), what).toBe(true);
        }),
        { numRuns: RUNS },
      );
      // Real link tokens on the pixel URL are not opens either.
      for (const t of links) expect((await hit(`/t/o/${pct(t)}.gif`, 'GET', imageHeaders)).status).toBe(200);
    });
  });

  it('answers the link URL with 404 and no Location for every bad token, and records nothing', async () => {
    await expectNothingRecorded(async () => {
      await fc.assert(
        fc.asyncProperty(urlPart(badToken()), fc.constantFrom<'GET' | 'HEAD'>('GET', 'HEAD'), async (part, method) => {
          const res = await hit(`/t/c/${part}`, method, clickHeaders);
          const what = `${method} /t/c/${part.slice(0, 200)} → ${res.status} ${res.headers.get('location')}`;
          expect(res.status, what).toBe(404);
          expect(res.headers.get('location'), what).toBeNull();
        }),
        { numRuns: RUNS },
      );
      // A real pixel token is not a link.
      for (const t of pixels) expect((await hit(`/t/c/${pct(t)}`, 'GET', clickHeaders)).status).toBe(404);
    });
  });

  it('answers other methods on tracker URLs in the error shape, without redirecting or recording', async () => {
    await expectNothingRecorded(async () => {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        for (const path of [`/t/c/${pct(links[0])}`, `/t/o/${pct(pixels[0])}.gif`]) {
          const res = await request(server.url + path, { method });
          expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.headers.get('location')).toBeNull();
          expect(errorShapeProblem(res), `${method} ${path}`).toBeUndefined();
        }
      }
    });
  });

  it('answers a malformed escape in a token instead of crashing (regression: decodeURIComponent threw and ended the process)', async () => {
    for (const path of ['/t/c/%E0%A4%A', '/t/o/%E0%A4%A.gif', '/t/c/%', '/t/o/%zz.gif', `/t/c/${pct(links[0])}%C0`]) {
      const res = await request(server.url + path);
      expect(res.status, path).toBe(path.startsWith('/t/o/') ? 200 : 404);
    }
    expect((await fetch(server.url + '/health')).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  });

  it('still records a real open (the checks above can see one)', async () => {
    const before = await settledFingerprint(database);
    expect((await hit(`/t/o/${pct(pixels[0])}.gif`, 'GET', imageHeaders)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(changedTables(before, await fingerprint(database)).some((t) => t.startsWith('email_events'))).toBe(true);
    expect(server.logs().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });
});
