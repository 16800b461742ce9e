// Isolation (docs/product.md §3, §8): two accounts with real data of every kind. Every API route answers 401
// without a valid token; every route that takes an id answers 404 to the other account's id and
// changes nothing; lists and lookups never show the other's rows; and ids the other account owns,
// sent in a body, reach nothing of theirs. The route table must cover every registered route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { connectSse } from '../helpers/sse.js';
import { get, imageHeaders } from '../helpers/tracking.js';
import { changedTables, fingerprint, settledFingerprint } from '../fuzz/support/snapshot.js';
import { errorShapeProblem } from '../fuzz/support/error-shape.js';
import { freshLoopback, request, type RawAnswer } from './client.js';
import { isApiRoute, methodOf, pathOf, PUBLIC_ROUTES, registeredRoutes, type RouteKey } from './routes.js';
import { seedAccount, type Seeded } from './seed.js';

/** How a route is checked across accounts. `self` makes the call, `other` owns what it aims at. */
type Case =
  /** Takes an id: the other account's id answers 404 (each of `ids` in turn). */
  | { kind: 'id'; ids: (other: Seeded) => Array<Record<string, string>>; body?: (self: Seeded) => unknown; mine?: (self: Seeded) => Record<string, string> }
  /** Reads without an id: 2xx, shows the caller's own rows and none of the other's. */
  | { kind: 'read'; query?: (other: Seeded) => string; shows?: (self: Seeded) => string }
  /** Writes without an id in the path (ids of the other may ride in the body): checked in its own test. */
  | { kind: 'write' };

const templateBody = { name: 'n', subject: 's', html: '<p>h</p>', subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' };

const CASES: Record<RouteKey, Case> = {
  'GET /api/v1/me': { kind: 'read', shows: (s) => s.email },
  'GET /api/v1/users': { kind: 'read', shows: (s) => s.email },
  'GET /api/v1/users/:id': { kind: 'id', ids: (o) => [{ id: o.userId }], mine: (s) => ({ id: s.userId }) },
  'POST /api/v1/users': { kind: 'write' },
  'PATCH /api/v1/users/:id': { kind: 'id', ids: (o) => [{ id: o.userId }], body: () => ({ name: 'taken over' }) },
  'DELETE /api/v1/users/:id': { kind: 'id', ids: (o) => [{ id: o.userId }] },
  'POST /api/v1/users/:id/invitation': { kind: 'id', ids: (o) => [{ id: o.userId }] },
  'GET /api/v1/sessions': { kind: 'read' },
  'DELETE /api/v1/sessions/:id': { kind: 'id', ids: (o) => [{ id: o.accessToken.slice(3, 19) }] },
  'POST /api/v1/access-tokens': { kind: 'write' },
  'DELETE /api/v1/access-tokens/:id': { kind: 'id', ids: (o) => [{ id: o.accessToken.slice(3, 19) }] },
  'POST /api/v1/auth/password': { kind: 'write' },
  'GET /api/v1/account/sender-address': { kind: 'read' },
  'PUT /api/v1/account/sender-address': { kind: 'write' },
  'GET /api/v1/account': { kind: 'read', shows: (s) => `never.${s.marker}.test` },
  'PUT /api/v1/account': { kind: 'write' },
  'GET /api/v1/settings': { kind: 'read', shows: (s) => `private.${s.marker}.test` },
  'PUT /api/v1/settings': { kind: 'write' },
  'GET /api/v1/emails': { kind: 'read', shows: (s) => `${s.marker} template` },
  'POST /api/v1/emails': { kind: 'write' },
  'GET /api/v1/emails/:id': { kind: 'id', ids: (o) => [{ id: o.template.id }], mine: (s) => ({ id: s.template.id }) },
  'PATCH /api/v1/emails/:id': { kind: 'id', ids: (o) => [{ id: o.template.id }], body: () => ({ name: 'taken over' }) },
  'PUT /api/v1/emails/:id': { kind: 'id', ids: (o) => [{ id: o.template.id }], body: () => templateBody },
  'DELETE /api/v1/emails/:id': { kind: 'id', ids: (o) => [{ id: o.template.id }] },
  'POST /api/v1/emails/:id/publish': { kind: 'id', ids: (o) => [{ id: o.template.id }] },
  'POST /api/v1/emails/:id/preview': { kind: 'id', ids: (o) => [{ id: o.template.id }], body: () => ({}), mine: (s) => ({ id: s.template.id }) },
  'GET /api/v1/contacts': { kind: 'read', shows: (s) => s.contact.email },
  'POST /api/v1/contacts': { kind: 'write' },
  // Another account's contact id answers 404 and erases nothing: test/lifecycle/erasure.test.ts.
  'POST /crm/v3/objects/contacts/gdpr-delete': { kind: 'write' },
  'GET /api/v1/contacts/:id': { kind: 'id', ids: (o) => [{ id: o.contact.id }], mine: (s) => ({ id: s.contact.id }) },
  'PATCH /api/v1/contacts/:id': { kind: 'id', ids: (o) => [{ id: o.contact.id }], body: () => ({ name: 'taken over' }) },
  'GET /api/v1/contacts/:id/timeline': { kind: 'id', ids: (o) => [{ id: o.contact.id }], mine: (s) => ({ id: s.contact.id }) },
  'GET /crm/v3/objects/contacts/:contactId': { kind: 'id', ids: (o) => [{ contactId: o.contact.id }], mine: (s) => ({ contactId: s.contact.id }) },
  'GET /api/v1/logged-emails': { kind: 'read', query: (o) => `?internetMessageId=${encodeURIComponent(o.loggedEmail.internetMessageId)}` },
  'POST /api/v1/logged-emails': { kind: 'write' },
  'GET /api/v1/logged-emails/:id': { kind: 'id', ids: (o) => [{ id: o.loggedEmail.id }], mine: (s) => ({ id: s.loggedEmail.id }) },
  'GET /api/v1/attachments/:id': { kind: 'id', ids: (o) => [{ id: o.loggedEmail.attachmentId }], mine: (s) => ({ id: s.loggedEmail.attachmentId }) },
  'GET /api/v1/tracked-emails': { kind: 'read', shows: (s) => `${s.marker} tracked` },
  'POST /api/v1/tracked-emails': { kind: 'write' },
  'GET /api/v1/tracked-emails/:id': { kind: 'id', ids: (o) => [{ id: o.tracked.id }], mine: (s) => ({ id: s.tracked.id }) },
  'POST /api/v1/tracked-emails/:id/self-view': { kind: 'id', ids: (o) => [{ id: o.tracked.id }] },
  'GET /api/v1/notifications': { kind: 'read', shows: (s) => `${s.marker} tracked` },
  'GET /api/v1/notifications/stream': { kind: 'read' },
  'POST /api/v1/notifications/read': { kind: 'write' },
  'GET /api/v1/push/key': { kind: 'read' },
  'POST /api/v1/push/subscriptions': { kind: 'write' },
  'DELETE /api/v1/push/subscriptions': { kind: 'write' },
  'POST /marketing/v3/transactional/smtp-tokens': { kind: 'write' },
  'GET /marketing/v3/transactional/smtp-tokens': { kind: 'read', shows: (s) => `${s.marker} smtp campaign` },
  'GET /marketing/v3/transactional/smtp-tokens/:tokenId': { kind: 'id', ids: (o) => [{ tokenId: o.smtpToken.id }], mine: (s) => ({ tokenId: s.smtpToken.id }) },
  'DELETE /marketing/v3/transactional/smtp-tokens/:tokenId': { kind: 'id', ids: (o) => [{ tokenId: o.smtpToken.id }] },
  'POST /marketing/v3/transactional/smtp-tokens/:tokenId/password-reset': { kind: 'id', ids: (o) => [{ tokenId: o.smtpToken.id }] },
  'POST /marketing/v3/transactional/single-email/send': { kind: 'write' },
  'GET /marketing/v3/email/send-statuses/:statusId': { kind: 'id', ids: (o) => [{ statusId: o.sendStatusId }], mine: (s) => ({ statusId: s.sendStatusId }) },
  'GET /email/public/v1/events': { kind: 'read', shows: (s) => `rcpt@${s.marker}.test` },
  'POST /api/v1/emails/:id/send-test': { kind: 'id', ids: (o) => [{ id: o.template.id }], body: () => ({}) },
  'GET /api/v1/messages': { kind: 'read', shows: (s) => `rcpt@${s.marker}.test` },
  'GET /api/v1/messages/:id': { kind: 'id', ids: (o) => [{ id: o.messageId }], mine: (s) => ({ id: s.messageId }) },
  'GET /api/v1/suppressions': { kind: 'read', shows: (s) => s.suppressedEmail },
  'POST /api/v1/suppressions': { kind: 'write' },
  'DELETE /api/v1/suppressions/:email': { kind: 'id', ids: (o) => [{ email: o.suppressedEmail }] },
  'GET /api/v1/server': { kind: 'read' },
  'GET /api/v1/activity': { kind: 'read', shows: (s) => `${s.marker} tracked` },
  'GET /api/v1/domains': { kind: 'read', shows: (s) => s.domain },
  'POST /api/v1/domains': { kind: 'write' },
  'GET /api/v1/domains/:domain': { kind: 'id', ids: (o) => [{ domain: o.domain }], mine: (s) => ({ domain: s.domain }) },
  'DELETE /api/v1/domains/:domain': { kind: 'id', ids: (o) => [{ domain: o.domain }] },
  // The caller's own connected mailbox, by who is asking (no id to swap): 404 until one is connected;
  // test/mailbox/mailbox.test.ts covers them.
  'GET /api/v1/mailbox': { kind: 'write' },
  'PUT /api/v1/mailbox': { kind: 'write' },
  'DELETE /api/v1/mailbox': { kind: 'write' },
  'GET /email/public/v1/campaigns/:campaignId': {
    kind: 'id',
    ids: (o) => [{ campaignId: o.smtpToken.campaignId }, { campaignId: o.template.campaignId }],
    mine: (s) => ({ campaignId: s.smtpToken.campaignId }),
  },
  // webhooks
  'GET /api/v1/webhooks': { kind: 'read', shows: (s) => `${s.marker} webhook` },
  'POST /api/v1/webhooks': { kind: 'write' },
  'GET /api/v1/webhooks/:id': { kind: 'id', ids: (o) => [{ id: o.webhook.id }], mine: (s) => ({ id: s.webhook.id }) },
  'PATCH /api/v1/webhooks/:id': { kind: 'id', ids: (o) => [{ id: o.webhook.id }], body: () => ({ description: 'taken over' }) },
  'DELETE /api/v1/webhooks/:id': { kind: 'id', ids: (o) => [{ id: o.webhook.id }] },
  'POST /api/v1/webhooks/:id/rotate-secret': { kind: 'id', ids: (o) => [{ id: o.webhook.id }] },
  'POST /api/v1/webhooks/:id/test': { kind: 'id', ids: (o) => [{ id: o.webhook.id }] },
  'GET /api/v1/webhooks/:id/deliveries': { kind: 'id', ids: (o) => [{ id: o.webhook.id }], mine: (s) => ({ id: s.webhook.id }) },
  'GET /api/v1/webhooks/:id/deliveries/:deliveryId': {
    kind: 'id',
    ids: (o) => [{ id: o.webhook.id, deliveryId: o.webhook.deliveryId }],
    mine: (s) => ({ id: s.webhook.id, deliveryId: s.webhook.deliveryId }),
  },
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/retry': { kind: 'id', ids: (o) => [{ id: o.webhook.id, deliveryId: o.webhook.deliveryId }] },
};

/** Filtered reads that name the other account's things: each must come back empty. */
const LOOKUPS: Array<{ path: (o: Seeded) => string; list: string }> = [
  { path: (o) => `/api/v1/contacts?email=${encodeURIComponent(o.contact.email)}`, list: 'results' },
  { path: (o) => `/api/v1/logged-emails?internetMessageId=${encodeURIComponent(o.loggedEmail.internetMessageId)}`, list: 'results' },
  { path: (o) => `/email/public/v1/events?campaignId=${o.smtpToken.campaignId}`, list: 'events' },
  { path: (o) => `/email/public/v1/events?recipient=${encodeURIComponent(`rcpt@${o.marker}.test`)}`, list: 'events' },
  { path: (o) => `/marketing/v3/transactional/smtp-tokens?emailCampaignId=${o.smtpToken.campaignId}`, list: 'results' },
  { path: (o) => `/marketing/v3/transactional/smtp-tokens?campaignName=${encodeURIComponent(`${o.marker} smtp campaign`)}`, list: 'results' },
  { path: (o) => `/api/v1/messages?recipient=${encodeURIComponent(`rcpt@${o.marker}.test`)}`, list: 'results' },
  { path: (o) => `/api/v1/suppressions?email=${encodeURIComponent(o.suppressedEmail)}`, list: 'results' },
];

/** Strings that identify the other account's data: none may appear in the caller's answers. */
function secretsOf(o: Seeded): string[] {
  return [
    o.marker,
    o.accountId,
    o.userId,
    o.smtpToken.id,
    o.sendStatusId,
    o.contact.id,
    o.loggedEmail.id,
    o.loggedEmail.attachmentId,
    o.tracked.id,
    o.notificationId,
    o.accessToken,
    o.messageId,
    o.webhook.id,
    o.webhook.deliveryId,
  ];
}

function leaked(text: string, other: Seeded): string[] {
  return secretsOf(other).filter((s) => text.includes(s));
}

describe.each(BACKENDS)('account isolation on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;
  let database: Database;
  let a: Seeded;
  let b: Seeded;
  let routes: RouteKey[];

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, WEBHOOK_ALLOW_PRIVATE: 'true' });
    [routes, a, b] = await Promise.all([registeredRoutes(), seedAccount(server, sink, 'alpha'), seedAccount(server, sink, 'beta')]);
    database = await tdb.open();
  }, 90_000);
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  const call = (key: RouteKey, params: Record<string, string>, opts: { token?: string; body?: unknown; query?: string; localAddress?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return request(server.url + pathOf(key, params) + (opts.query ?? ''), {
      method: methodOf(key),
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      localAddress: opts.localAddress,
    });
  };
  const ownParams = (key: RouteKey, s: Seeded) => {
    const c = CASES[key];
    return c.kind === 'id' ? (c.mine?.(s) ?? c.ids(s)[0]) : {};
  };

  it('has a case for every route, and every route is either public or an API route', () => {
    const api = routes.filter(isApiRoute);
    expect(routes.filter((r) => !isApiRoute(r)).sort()).toEqual([...PUBLIC_ROUTES].sort());
    expect(Object.keys(CASES).sort()).toEqual(api);
    expect(api.length).toBeGreaterThan(40);
  });

  it('answers 401 in the error shape to every API route without a token, with a wrong one and with a malformed one', async () => {
    const forged = a.accessToken.slice(0, -43) + b.accessToken.slice(-43); // a's id with b's secret
    for (const key of Object.keys(CASES)) {
      const params = ownParams(key, a);
      for (const token of [undefined, forged, 'not-a-token', `mb_${'0'.repeat(16)}_${'A'.repeat(43)}`]) {
        // A fresh address per wrong token: the guessing throttle must not turn these into 429s.
        const res = await call(key, params, { token, localAddress: freshLoopback() });
        expect(res.status, `${key} with ${token ?? 'no token'}: ${res.text}`).toBe(401);
        expect(errorShapeProblem(res), key).toBeUndefined();
        expect(JSON.parse(res.text).category).toBe('UNAUTHORIZED');
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
  });

  it("answers 404 to every route that takes an id when the id is the other account's, and changes nothing", async () => {
    const before = await settledFingerprint(database);
    for (const [self, other] of [
      [a, b],
      [b, a],
    ]) {
      for (const [key, c] of Object.entries(CASES)) {
        if (c.kind !== 'id') continue;
        for (const params of c.ids(other)) {
          const res = await call(key, params, { token: self.accessToken, body: c.body?.(self) });
          expect(res.status, `${key} as ${self.account} with ${JSON.stringify(params)}: ${res.text}`).toBe(404);
          expect(errorShapeProblem(res), key).toBeUndefined();
          expect(JSON.parse(res.text).category).toBe('OBJECT_NOT_FOUND');
          expect(leaked(res.text.replace(Object.values(params).join(''), ''), other), key).toEqual([]);
        }
      }
    }
    expect(changedTables(before, await fingerprint(database))).toEqual([]);
  });

  it('answers the same reads with the caller’s own ids (the 404s above are about ownership)', async () => {
    for (const [key, c] of Object.entries(CASES)) {
      if (c.kind !== 'id' || !c.mine) continue;
      const res = await call(key, c.mine(a), { token: a.accessToken, body: c.body?.(a) });
      expect(res.status, `${key}: ${res.text}`).toBe(200);
      expect(leaked(res.text, b), key).toEqual([]);
    }
  });

  it("never shows the other account's rows in lists, lookups or the caller's own settings", async () => {
    for (const [self, other] of [
      [a, b],
      [b, a],
    ]) {
      for (const [key, c] of Object.entries(CASES)) {
        if (c.kind !== 'read') continue;
        const res = await call(key, {}, { token: self.accessToken, query: c.query?.(other) });
        expect(res.status, `${key}: ${res.text}`).toBe(200);
        expect(leaked(res.text, other), `${key} as ${self.account}`).toEqual([]);
        if (c.shows) expect(res.text, `${key} shows the caller's own rows`).toContain(c.shows(self));
      }
      for (const l of LOOKUPS) {
        const res = await request(server.url + l.path(other), { headers: { authorization: `Bearer ${self.accessToken}` } });
        expect(res.status, res.text).toBe(200);
        expect(JSON.parse(res.text)[l.list], l.path(other)).toEqual([]);
      }
    }
  });

  it("streams only the user's own notifications, live and replayed", async () => {
    const mine = await connectSse(`${server.url}/api/v1/notifications/stream?access_token=${a.accessToken}`);
    const theirs = await connectSse(`${server.url}/api/v1/notifications/stream?access_token=${b.accessToken}`);
    await get(b.tracked.pixel, imageHeaders);
    await theirs.waitFor(1, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(mine.events).toEqual([]);
    mine.close();
    theirs.close();
    const replay = await connectSse(`${server.url}/api/v1/notifications/stream`, { token: a.accessToken, lastEventId: '1' });
    await new Promise((r) => setTimeout(r, 500));
    replay.close();
    expect(replay.events.map((e) => e.data.emailId)).not.toContain(b.tracked.id);
  });

  it("leaves the other account's rows as they were when a body names its ids", async () => {
    const theirs = await fingerprint(database, b.accountId);
    const post = (path: string, body: unknown, method = 'POST') => server.api(path, { method, token: a.accessToken, json: body });
    const bodyOf = async (res: Response) => ({ status: res.status, text: await res.text() });

    // Their template cannot be sent; their tracking id cannot be taken over.
    let r = await bodyOf(await post('/marketing/v3/transactional/single-email/send', { emailId: Number(b.template.id), message: { to: 'x@example.test' } }));
    expect(r.status, r.text).toBe(400);
    r = await bodyOf(await post('/api/v1/tracked-emails', { trackingId: b.tracked.id, subject: 'mine', from: a.email, to: ['x@example.test'], cc: [], bcc: [], html: '<p>x</p>' }));
    expect(r.status, r.text).toBe(409);
    // Their notifications are not marked read; their push subscription is not removed.
    r = await bodyOf(await post('/api/v1/notifications/read', { ids: [b.notificationId] }));
    expect(JSON.parse(r.text)).toEqual({ updated: 0 });
    expect((await post('/api/v1/push/subscriptions', { endpoint: b.pushEndpoint }, 'DELETE')).status).toBe(204);
    // Their contact's address and their message id are new to this account: no 409 with their id, no "duplicate".
    r = await bodyOf(await post('/api/v1/contacts', { email: b.contact.email }));
    expect(r.status, r.text).toBe(201);
    expect(leaked(r.text, b)).toEqual([b.marker]); // the address itself, nothing else of theirs
    const form = new FormData();
    const logged = { subject: 's', html: '', text: '', from: a.email, to: [b.contact.email], cc: [], bcc: [], sentAt: new Date().toISOString(), internetMessageId: b.loggedEmail.internetMessageId };
    form.append('email', JSON.stringify(logged));
    r = await bodyOf(await server.api('/api/v1/logged-emails', { method: 'POST', token: a.accessToken, body: form }));
    expect(r.status, r.text).toBe(201);
    expect(leaked(r.text.replaceAll(b.loggedEmail.internetMessageId, '').replaceAll(b.contact.email, ''), b)).toEqual([]);
    // Their sending domain cannot be added to this account; their suppression is not touched by adding the same address here.
    r = await bodyOf(await post('/api/v1/domains', { domain: b.domain }));
    expect(r.status, r.text).toBe(409);
    expect((await post('/api/v1/suppressions', { email: b.suppressedEmail })).status).toBe(201);
    // Writes of the caller's own: new token, template, settings, subscription.
    expect((await post('/marketing/v3/transactional/smtp-tokens', { campaignName: 'a2', createContact: false })).status).toBe(201);
    expect((await post('/api/v1/emails', templateBody)).status).toBe(201);
    expect((await post('/api/v1/settings', { defaultLog: true }, 'PUT')).status).toBe(200);
    expect((await post('/api/v1/account', { privacy: true }, 'PUT')).status).toBe(200);
    expect((await post('/api/v1/push/subscriptions', { endpoint: `http://127.0.0.1:9/push/${a.marker}-2`, keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) } })).status).toBe(201);

    expect(changedTables(theirs, await fingerprint(database, b.accountId))).toEqual([]);
  });
});
