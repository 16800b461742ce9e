// The webhook endpoints' REST API (docs/product.md, Webhooks) against a running server: create with
// the secret shown once, list, get, update, rotate, delete, another account's ids, bad input that
// changes nothing, and SSRF refusals after DNS resolution (a fake DNS server makes names resolve
// where the test wants). The personal channels in settings follow the same target rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startDns, type FakeDns } from '../helpers/dns.js';

describe.each(BACKENDS)('webhook endpoints API on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let dns: FakeDns;
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    dns = await startDns({ 'internal.hooks.test': '10.0.0.1', 'metadata.hooks.test': '169.254.169.254', 'public.hooks.test': '93.184.216.34' });
    server = await startServer(tdb, { WEBHOOK_DNS_SERVERS: dns.server });
    token = (await server.addUser('admin@acme.test', { account: 'acme' })).accessToken;
    otherToken = (await server.addUser('admin@other.test', { account: 'other' })).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await dns?.close();
    await tdb?.drop();
  });

  const create = (json: unknown, as = token) => server.api('/api/v1/webhooks', { method: 'POST', token: as, json });

  it('creates an endpoint and shows its secret only on creation and rotation', async () => {
    const res = await create({ url: 'https://public.hooks.test/mb?src=mailbeacon', events: ['email.bounced', 'email.opened'], description: 'CRM sync ✓ – Bounces', includeFiltered: true });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({
      id: expect.stringMatching(/^ep_/),
      url: 'https://public.hooks.test/mb?src=mailbeacon',
      events: ['email.bounced', 'email.opened'],
      description: 'CRM sync ✓ – Bounces',
      includeFiltered: true,
      enabled: true,
      createdAt: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/),
    });

    const one = await (await server.api(`/api/v1/webhooks/${created.id}`, { token })).json();
    expect(one.secret).toBeUndefined();
    expect(one.description).toBe('CRM sync ✓ – Bounces');
    const list = await (await server.api('/api/v1/webhooks', { token })).json();
    expect(list.results.map((w: { id: string }) => w.id)).toContain(created.id);
    expect(list.results.every((w: { secret?: string }) => w.secret === undefined)).toBe(true);

    const rotated = await (await server.api(`/api/v1/webhooks/${created.id}/rotate-secret`, { method: 'POST', token })).json();
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);

    const patched = await server.api(`/api/v1/webhooks/${created.id}`, { method: 'PATCH', token, json: { events: ['contact.created', 'email.replied'], enabled: false, description: null } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ events: ['contact.created', 'email.replied'], enabled: false, description: null, url: created.url });

    expect((await server.api(`/api/v1/webhooks/${created.id}`, { method: 'DELETE', token })).status).toBe(204);
    expect((await server.api(`/api/v1/webhooks/${created.id}`, { token })).status).toBe(404);
  });

  it('keeps accounts apart: another account\'s endpoint is not found, whatever the route', async () => {
    const mine = await (await create({ url: 'https://public.hooks.test/a', events: ['email.sent'] })).json();
    for (const [method, path, json] of [
      ['GET', `/api/v1/webhooks/${mine.id}`],
      ['PATCH', `/api/v1/webhooks/${mine.id}`, { enabled: false }],
      ['DELETE', `/api/v1/webhooks/${mine.id}`],
      ['POST', `/api/v1/webhooks/${mine.id}/rotate-secret`],
      ['POST', `/api/v1/webhooks/${mine.id}/test`],
      ['GET', `/api/v1/webhooks/${mine.id}/deliveries`],
      ['POST', `/api/v1/webhooks/${mine.id}/deliveries/msg_x/retry`],
    ] as const) {
      const res = await server.api(path, { method, token: otherToken, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await (await server.api('/api/v1/webhooks', { token: otherToken })).json()).results).toEqual([]);
    // Untouched by all of that.
    expect(await (await server.api(`/api/v1/webhooks/${mine.id}`, { token })).json()).toMatchObject({ enabled: true });
    expect((await server.api('/api/v1/webhooks')).status).toBe(401);
  });

  it('refuses bad input with a message naming the field, and stores nothing', async () => {
    const before = (await (await server.api('/api/v1/webhooks', { token })).json()).results.length;
    const cases: Array<[unknown, string]> = [
      [{ url: 'https://public.hooks.test/x', events: ['email.exploded'] }, 'events'],
      [{ url: 'https://public.hooks.test/x', events: [] }, 'events'],
      [{ url: 'https://public.hooks.test/x', events: ['email.sent', 'email.sent'] }, 'events'],
      [{ url: 'not a url', events: ['email.sent'] }, 'url'],
      [{ url: 'ftp://public.hooks.test/x', events: ['email.sent'] }, 'url'],
      [{ url: 'https://public.hooks.test/' + 'x'.repeat(3000), events: ['email.sent'] }, 'url'],
      [{ url: 'https://nowhere.hooks.test/x', events: ['email.sent'] }, 'url'],
      [{ url: 'https://public.hooks.test/x', events: ['email.sent'], secret: 'mine' }, 'secret'],
    ];
    for (const [json, field] of cases) {
      const res = await create(json);
      expect(res.status, JSON.stringify(json).slice(0, 100)).toBe(400);
      const body = await res.json();
      expect(JSON.stringify(body.errors ?? body.message)).toContain(field);
    }
    const res = await server.api('/api/v1/webhooks', { method: 'POST', token, body: '{"url": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect((await (await server.api('/api/v1/webhooks', { token })).json()).results.length).toBe(before);
  });

  it('refuses loopback, private, link-local and metadata targets, also behind a DNS name (SSRF)', async () => {
    for (const url of [
      'http://127.0.0.1/hook',
      'http://localhost:8080/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://internal.hooks.test/hook', // resolves to 10.0.0.1
      'https://metadata.hooks.test/', // resolves to 169.254.169.254
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://2130706433/hook', // 127.0.0.1 as one number
      'http://192.168.1.10/hook',
      'http://[fd00:ec2::254]/',
    ]) {
      const res = await create({ url, events: ['email.sent'] });
      expect(res.status, url).toBe(400);
      expect((await res.json()).message).toMatch(/public addresses|does not resolve/);
    }
    // An update cannot move an endpoint there either.
    const ok = await (await create({ url: 'https://public.hooks.test/b', events: ['email.sent'] })).json();
    const moved = await server.api(`/api/v1/webhooks/${ok.id}`, { method: 'PATCH', token, json: { url: 'http://internal.hooks.test/' } });
    expect(moved.status).toBe(400);
    expect((await (await server.api(`/api/v1/webhooks/${ok.id}`, { token })).json()).url).toBe('https://public.hooks.test/b');
  });

  it('takes Slack and Teams URLs in settings under the same rules, https only', async () => {
    const put = (channels: unknown) => server.api('/api/v1/settings', { method: 'PUT', token, json: { channels } });
    const saved = await put({ slackWebhookUrl: 'https://public.hooks.test/services/T000/B000/XXXX', emailDigest: 'daily' });
    expect(saved.status).toBe(200);
    expect((await saved.json()).channels).toEqual({ slackWebhookUrl: 'https://public.hooks.test/services/T000/B000/XXXX', teamsWebhookUrl: null, emailDigest: 'daily' });
    for (const bad of [{ teamsWebhookUrl: 'http://public.hooks.test/x' }, { teamsWebhookUrl: 'https://internal.hooks.test/x' }, { slackWebhookUrl: 'https://127.0.0.1/x' }, { emailDigest: 'hourly' }]) {
      const res = await put(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    // Each field on its own; an empty string clears a URL.
    const cleared = await (await put({ slackWebhookUrl: '' })).json();
    expect(cleared.channels).toEqual({ slackWebhookUrl: null, teamsWebhookUrl: null, emailDigest: 'daily' });
    expect((await (await server.api('/api/v1/settings', { token })).json()).channels.emailDigest).toBe('daily');
  });
});
