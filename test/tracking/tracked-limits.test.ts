// What one tracked email (`POST /api/v1/tracked-emails`) may cost (README "Request handling"): a body
// over the size or link limits gets a clear error naming the limit, and a big body within them is
// rewritten off the event loop, so /health keeps answering while either happens.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { probeHealthDuring } from '../helpers/responsive.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { get } from '../helpers/tracking.js';
import type { TrackedEmailResult } from '../../src/shared/api.js';

const MAX_LINKS = 5000;
/** Every /health asked while the body was handled answered within this (1.5 s before the limits). */
const RESPONSIVE_MS = 500;

/** `<body>`, `links` short links, then spaces up to `chars` characters in all. */
function bigBody(links: number, chars: number): { html: string; filler: string } {
  let html = '<body>';
  for (let i = 0; i < links; i++) html += `<a href=http://e.t/${i}>x</a>`;
  const filler = ' '.repeat(chars - html.length - '</body>'.length);
  return { html: `${html}${filler}</body>`, filler };
}

describe.each(BACKENDS)('tracked email limits on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let token: string;

  const track = (html: string) =>
    server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject: 'Big', from: 'ann@acme.test', to: ['bob@example.test'], cc: [], bcc: [], html } });

  /** A JSON request announcing `bytes` of body and sending only its first kilobyte: answers the response. */
  function announce(path: string, bytes: number): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(bytes) };
      const req = http.request(server.url + path, { method: 'POST', headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.write('{"html":"' + 'x'.repeat(1000));
    });
  }

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    token = (await server.addUser('ann@acme.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('refuses 160,000 links in 5 MB with a 400 naming the link limit; /health answers meanwhile', async () => {
    const { html } = bigBody(160_000, 4_990_000);
    const p = await probeHealthDuring(server.url, () => track(html));
    expect(p.value.status).toBe(400);
    const body = await p.value.json();
    expect(body).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ in: 'html' }] });
    expect(body.message).toMatch(new RegExp(`has 160000 links; a tracked email may have at most ${MAX_LINKS}`));
    expect(p.waits.length).toBeGreaterThan(0);
    expect(Math.max(...p.waits)).toBeLessThan(RESPONSIVE_MS);
    // …and changes nothing: no tracked email was registered.
    expect((await (await server.api('/api/v1/tracked-emails', { token })).json()).results).toEqual([]);
  });

  it('refuses a body over the size limits with an error naming the limit', async () => {
    const tooLong = await track('x'.repeat(5_000_001));
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).errors).toEqual([{ in: 'html', message: 'html must NOT have more than 5000000 characters' }]);
    // Refused from its Content-Length, before the body is read.
    const tooBig = await announce('/api/v1/tracked-emails', 7 * 1024 * 1024);
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body)).toMatchObject({ category: 'VALIDATION_ERROR', message: expect.stringMatching(/larger than 6 MB, the most a tracked email may send/) });
  });

  it('rewrites a body just under the limits correctly, off the event loop', async () => {
    const links = MAX_LINKS - 1;
    const { html, filler } = bigBody(links, 4_990_000);
    const p = await probeHealthDuring(server.url, () => track(html));
    expect(p.value.status).toBe(201);
    const r = (await p.value.json()) as TrackedEmailResult;
    expect(r.links).toEqual({ tracked: links, skipped: [] });
    const hrefs = [...r.html.matchAll(/<a href=([^ >]+)>x<\/a>/g)].map((m) => m[1]);
    expect(hrefs).toHaveLength(links);
    expect(hrefs.every((h) => h.startsWith(`${server.url.replace('127.0.0.1', 'localhost')}/t/c/`))).toBe(true);
    // Every other byte is as sent: the filler, then the pixel and the honeypot before </body>.
    expect(r.html.startsWith('<body><a href=')).toBe(true);
    expect(r.html).toContain(`</a>${filler}${r.pixelHtml}`);
    expect(r.html.endsWith('</a></body>')).toBe(true);
    // The links lead where they did.
    for (const i of [0, 2500, links - 1]) {
      const click = await get(hrefs[i].replace(/^http:\/\/localhost:\d+/, server.url));
      expect(click.status).toBe(302);
      expect(click.headers.get('location')).toBe(`http://e.t/${i}`);
    }
    expect(p.waits.length).toBeGreaterThan(0);
    expect(Math.max(...p.waits)).toBeLessThan(RESPONSIVE_MS);
  });
});
