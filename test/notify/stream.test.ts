// Live notifications: counted opens and clicks of the user's own mail reach their SSE stream within
// a second; filtered ones (scanners, the sender's own view) reach nobody; a reconnect with
// Last-Event-ID misses nothing; the history lists and marks them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { connectSse } from '../helpers/sse.js';
import { clickHeaders, get, imageHeaders } from '../helpers/tracking.js';

describe.each(BACKENDS)('notifications on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let token: string;
  let other: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    token = (await server.addUser('rep@acme.test')).accessToken;
    other = (await server.addUser('colleague@acme.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  /** Registers a one-to-one email as the add-in does, and answers its pixel and link URLs. */
  async function tracked(to: string[], subject: string, as = token) {
    const res = await server.api('/api/v1/tracked-emails', {
      method: 'POST',
      token: as,
      json: { subject, from: 'rep@acme.test', to, cc: [], bcc: [], html: '<p>See <a href="https://acme.test/offer">the offer</a></p>' },
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    const local = (u: string) => u.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:').replace(/&amp;/g, '&');
    return { id: body.id as string, pixel: local(body.pixelUrl), link: local(/href="([^"]+\/t\/c\/[^"]+)"/.exec(body.html)![1]) };
  }

  const stream = (opts: { lastEventId?: string; as?: string } = {}) => connectSse(`${server.url}/api/v1/notifications/stream?access_token=${opts.as ?? token}`, { lastEventId: opts.lastEventId });

  it('pushes a counted open to its owner within a second, and to nobody else', async () => {
    const mine = await stream();
    const theirs = await stream({ as: other });
    const mail = await tracked(['ann@example.test'], 'Pricing for Acme');
    const hitAt = Date.now();
    await get(mail.pixel, imageHeaders);
    const [event] = await mine.waitFor(1, 3000);
    expect(event.at - hitAt).toBeLessThan(1000);
    expect(event.data).toMatchObject({ type: 'OPEN', who: 'ann@example.test', subject: 'Pricing for Acme', emailId: mail.id, read: false });
    expect(event.id).toMatch(/^\d+$/);
    await new Promise((r) => setTimeout(r, 300));
    expect(theirs.events).toEqual([]);
    mine.close();
    theirs.close();
  });

  it('says "Someone" when several recipients share the pixel', async () => {
    const s = await stream();
    const mail = await tracked(['a@example.test', 'b@example.test'], 'Renewal');
    await get(mail.link, clickHeaders);
    const events = await s.waitFor(1);
    expect(events[0].data).toMatchObject({ type: 'CLICK', who: 'Someone', subject: 'Renewal', url: 'https://acme.test/offer' });
    s.close();
  });

  it('notifies nobody of a scanner click or of the sender\'s own view', async () => {
    const s = await stream();
    const scanned = await tracked(['carol@example.test'], 'Scanned');
    await get(scanned.link, { ...clickHeaders, referer: 'https://urldefense.proofpoint.com/v2/url?u=x' });
    const own = await tracked(['dan@example.test'], 'Own view');
    expect((await server.api(`/api/v1/tracked-emails/${own.id}/self-view`, { method: 'POST', token })).status).toBe(204);
    await get(own.pixel, imageHeaders);
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.events).toEqual([]);
    // Both were recorded, as filtered, with their verdicts.
    const scannedView = await (await server.api(`/api/v1/tracked-emails/${scanned.id}`, { token })).json();
    expect(scannedView.events.map((e: { verdict: string; counted: boolean }) => [e.verdict, e.counted])).toEqual([['SCANNER', false]]);
    const ownView = await (await server.api(`/api/v1/tracked-emails/${own.id}`, { token })).json();
    expect(ownView).toMatchObject({ opens: 0, events: [{ type: 'OPEN', verdict: 'SELF', counted: false }] });
    // The stream is alive: a person's open still arrives.
    await get(own.link, clickHeaders);
    await expect(s.waitFor(1)).rejects.toThrow(); // SELF still (within the self-view window)
    const fresh = await tracked(['erin@example.test'], 'Fresh');
    await get(fresh.pixel, imageHeaders);
    expect((await s.waitFor(1))[0].data).toMatchObject({ subject: 'Fresh' });
    s.close();
  });

  it('replays what a reconnecting client missed, from Last-Event-ID', async () => {
    const first = await stream();
    const a = await tracked(['fay@example.test'], 'Resume 1');
    await get(a.pixel, imageHeaders);
    const [seen] = await first.waitFor(1);
    first.close();
    const b = await tracked(['gil@example.test'], 'Resume 2');
    const c = await tracked(['hal@example.test'], 'Resume 3');
    await get(b.pixel, imageHeaders);
    await get(c.link, clickHeaders);
    await new Promise((r) => setTimeout(r, 500));
    const again = await stream({ lastEventId: seen.id });
    const missed = await again.waitFor(2);
    expect(missed.map((e) => e.data.subject)).toEqual(['Resume 2', 'Resume 3']);
    expect(Number(missed[0].id)).toBeGreaterThan(Number(seen.id));
    again.close();
  });

  it('lists the history newest first and marks it read', async () => {
    const page = await (await server.api('/api/v1/notifications?limit=3', { token })).json();
    expect(page.results).toHaveLength(3);
    expect(page.results[0].subject).toBe('Resume 3');
    expect(page.paging.next.after).toMatch(/^\d+$/);
    const ids = page.results.map((n: { id: string }) => n.id);
    const marked = await (await server.api('/api/v1/notifications/read', { method: 'POST', token, json: { ids: ids.slice(0, 2) } })).json();
    expect(marked).toEqual({ updated: 2 });
    const unread = await (await server.api('/api/v1/notifications?unread=true&limit=100', { token })).json();
    expect(unread.results.map((n: { id: string }) => n.id)).not.toContain(ids[0]);
    expect((await (await server.api('/api/v1/notifications', { token: other })).json()).results).toEqual([]);
    const bad = await server.api('/api/v1/notifications/read', { method: 'POST', token, json: {} });
    expect(bad.status).toBe(400);
  });
});
