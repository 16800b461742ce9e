// Webhooks end to end (docs/product.md, Webhooks): mail sent through SMTP and single send, bounced
// at the relay sink, opened and clicked, arrives at a real HTTP receiver as signed events — checked
// with the `standardwebhooks` library — once each; a receiver that is down, fails, is slow or says
// 410; delivery history and manual retry; Slack and Teams posts. Retry waits and the timeout are
// shortened through the environment (WEBHOOK_RETRY_SCHEDULE, WEBHOOK_TIMEOUT).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Webhook as WebhookView, WebhookDelivery } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { hubspot, smtpLogin, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { clickHeaders, get, imageHeaders, trackerUrls } from '../helpers/tracking.js';
import { ofType, startReceiver, type Received, type Receiver } from '../helpers/receiver.js';
import { FAST_QUEUE, makeTemplate, waitForStatus } from '../send/fixtures.js';

const FAST_WEBHOOKS = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '200ms,300ms,400ms,500ms,500ms,500ms,500ms,500ms', WEBHOOK_TIMEOUT: '700ms', WEBHOOK_POLL: '50ms' };
const HTML = '<p>Hi, see <a href="https://acme.test/pricing?plan=pro&amp;seats=5">our pricing</a> and <a href="https://acme.test/docs">the docs</a>.</p>';

/** The keys and value types of a JSON value, arrays by their first element: its shape. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('_')).map(([k, x]) => [k, shape(x)]));
  return v === null ? 'null' : typeof v;
}
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8'));

describe.each(BACKENDS)('webhook delivery on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let receiver: Receiver;
  let token: string;
  let creds: SmtpCredentials;
  let campaignId: string;
  let endpoint: WebhookView;

  const api = async (p: string, init: { method?: string; json?: unknown } = {}) => {
    const res = await server.api(p, { token, ...init });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const deliveries = async (id = endpoint.id, q = ''): Promise<WebhookDelivery[]> => (await api(`/api/v1/webhooks/${id}/deliveries?limit=100${q}`)).body.results;
  const eventsFor = (requests: Received[], recipient: string) => requests.filter((q) => q.verified && q.json.data.recipient === recipient);

  async function createEndpoint(json: Record<string, unknown>, on = receiver): Promise<WebhookView> {
    const res = await api('/api/v1/webhooks', { method: 'POST', json });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    on.secret = res.body.secret;
    return res.body;
  }

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    receiver = await startReceiver();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE, ...FAST_WEBHOOKS });
    token = (await server.addUser('rep@acme.test', { name: 'Rep' })).accessToken;
    const login = await smtpLogin(server, token, 'Webhooks', true);
    creds = login.creds;
    campaignId = login.token.emailCampaignId;
    endpoint = await createEndpoint({ url: receiver.url, events: ['email.sent', 'email.delivered', 'email.deferred', 'email.bounced', 'email.dropped', 'email.opened', 'email.clicked', 'email.replied', 'contact.created'] });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await receiver?.close();
    await tdb?.drop();
  });

  it('SMTP mail, a bounce, a single send, an open and a click: each event arrives once, signed, as documented', async () => {
    const filteredReceiver = await startReceiver();
    const everything = await createEndpoint({ url: filteredReceiver.url, events: ['email.opened', 'email.clicked'], includeFiltered: true }, filteredReceiver);
    try {
      await transport(creds).sendMail({ from: 'ops@acme.test', to: 'Ann Lee <ann@example.test>', subject: 'Pricing für Ann ✓', html: HTML, text: 'Hi' });
      const [m] = await sink.waitFor(1);
      sink.messages.length = 0;
      sink.mode = 'permfail-rcpt';
      await transport(creds).sendMail({ from: 'ops@acme.test', to: 'nobody@example.test', subject: 'Bounces', html: HTML, text: 'Hi' });
      await receiver.waitFor((r) => ofType(r, 'email.bounced').length === 1, 20_000, 'the bounce');
      sink.mode = 'accept';

      const template = await makeTemplate(server, token);
      const sent = await hubspot(server, token).marketing.transactional.singleSendApi.sendEmail({ emailId: template.id, message: { to: 'jane@example.test' }, customProperties: { order_id: 'A-1' } });
      await waitForStatus(hubspot(server, token), sent.statusId);

      const urls = await trackerUrls(m.raw, server.url);
      expect((await get(urls.pixel, imageHeaders)).status).toBe(200);
      expect((await get(urls.links[0], clickHeaders)).status).toBe(302);
      // A prefetch that is not a person: stored as a filtered open.
      await get(urls.pixel, { 'user-agent': 'python-requests/2.31' });

      await receiver.waitFor(
        (r) => ofType(r, 'email.clicked').length >= 1 && ofType(r, 'email.opened').length >= 1 && ofType(r, 'email.sent').length >= 2 && ofType(r, 'email.delivered').length >= 2 && ofType(r, 'contact.created').length >= 2,
        20_000,
        'all events',
      );
      await filteredReceiver.waitFor((r) => r.filter((q) => q.json.data?.filtered).length >= 1, 20_000, 'the filtered open');
      await new Promise((r) => setTimeout(r, 500)); // anything sent twice would arrive by now

      expect(receiver.requests.every((q) => q.verified)).toBe(true);
      expect(receiver.requests.every((q) => q.headers['content-type'] === 'application/json' && /^msg_/.test(q.id))).toBe(true);
      const ann = eventsFor(receiver.requests, 'ann@example.test');
      // Once each (a click with no open before it would add an inferred open; the pixel came first).
      expect(ann.map((q) => q.json.type).sort()).toEqual(['email.clicked', 'email.delivered', 'email.opened', 'email.sent']);
      expect(new Set(receiver.requests.map((q) => q.id)).size).toBe(receiver.requests.length);

      const delivered = ann.find((q) => q.json.type === 'email.delivered')!.json;
      expect(delivered).toEqual({
        type: 'email.delivered',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        data: expect.objectContaining({ eventId: expect.any(String), recipient: 'ann@example.test', subject: 'Pricing für Ann ✓', messageId: expect.stringMatching(/^<.+>$/), campaignId, smtpResponse: expect.stringMatching(/^250/) }),
      });
      const opened = ann.find((q) => q.json.type === 'email.opened')!.json.data;
      expect(opened).toMatchObject({ verdict: 'HUMAN', filtered: false, reasons: expect.any(Array), subject: 'Pricing für Ann ✓' });
      expect(ann.find((q) => q.json.type === 'email.clicked')!.json.data).toMatchObject({ url: 'https://acme.test/pricing?plan=pro&seats=5', verdict: 'HUMAN' });
      // The filtered open went only to the endpoint that asked for filtered ones.
      expect(ann.filter((q) => q.json.type === 'email.opened')).toHaveLength(1);
      const filteredOpens = filteredReceiver.requests.filter((q) => q.json.type === 'email.opened' && q.json.data.filtered);
      expect(filteredOpens).toHaveLength(1);
      expect(filteredOpens[0].verified).toBe(true);
      expect(filteredOpens[0].json.data.verdict).not.toBe('HUMAN');

      const bounce = ofType(receiver.requests, 'email.bounced')[0].json.data;
      expect(bounce).toMatchObject({ recipient: 'nobody@example.test', bounceType: 'HARD', smtpResponse: expect.stringMatching(/^550/), subject: 'Bounces' });
      expect(eventsFor(receiver.requests, 'nobody@example.test').map((q) => q.json.type).sort()).toEqual(['email.bounced']);

      const jane = eventsFor(receiver.requests, 'jane@example.test');
      expect(jane.map((q) => q.json.type).sort()).toEqual(['email.delivered', 'email.sent']);
      expect(jane[0].json.data).toMatchObject({ statusId: sent.statusId, emailId: template.id, campaignId: template.emailCampaignId });

      expect(ofType(receiver.requests, 'contact.created').map((q) => q.json.data.email).sort()).toEqual(expect.arrayContaining(['ann@example.test', 'nobody@example.test']));
    } finally {
      await api(`/api/v1/webhooks/${everything.id}`, { method: 'DELETE' });
      await filteredReceiver.close();
    }
  });

  it('a receiver down for a while gets every event once it is back, each with the webhook-id of its first try', async () => {
    await receiver.down();
    const first = receiver.requests.length;
    const to = ['d1@example.test', 'd2@example.test', 'd3@example.test'];
    for (const rcpt of to) await transport(creds).sendMail({ from: 'ops@acme.test', to: rcpt, subject: 'While down', text: 'x' });
    // Attempts fail (connection refused) and are recorded.
    await expect.poll(async () => (await deliveries()).filter((d) => d.status === 'PENDING' && d.history.length >= 1 && d.history[0].error).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    const waiting = (await deliveries()).filter((d) => d.status === 'PENDING');
    await receiver.up();
    const kinds = (r: Received[], rcpt: string) => new Set(eventsFor(r, rcpt).map((q) => q.json.type)).size;
    await receiver.waitFor((r) => to.every((rcpt) => kinds(r, rcpt) === 2) && waiting.every((d) => r.some((q) => q.id === d.id)), 20_000, 'the events held back');
    const got = receiver.requests.slice(first);
    // Each event once: a repeat would be the same webhook-id again (none here: nothing was cut off mid-answer).
    for (const rcpt of to) expect(eventsFor(got, rcpt).map((q) => q.json.type).sort()).toEqual(['email.delivered', 'email.sent']);
    // The ids the receiver saw are the ones the history had while it was down.
    for (const d of waiting) expect(got.some((q) => q.id === d.id)).toBe(true);
    await expect.poll(async () => (await deliveries()).filter((d) => waiting.some((w) => w.id === d.id) && d.status === 'DELIVERED').length, { timeout: 10_000 }).toBe(waiting.length);
  });

  it('500 then 200: retried with the same webhook-id; the history keeps status, duration and the first 2 KB', async () => {
    receiver.answer = { status: 500, delayMs: 0, body: 'é'.repeat(3000) };
    const { body } = await api(`/api/v1/webhooks/${endpoint.id}/test`, { method: 'POST' });
    expect(body.deliveryId).toMatch(/^msg_/);
    await receiver.waitFor((r) => r.filter((q) => q.id === body.deliveryId).length >= 2, 10_000, 'two tries');
    receiver.answer = { status: 200, delayMs: 0, body: 'thanks' };
    await expect.poll(async () => (await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${body.deliveryId}`)).body.status, { timeout: 10_000 }).toBe('DELIVERED');
    const d: WebhookDelivery = (await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${body.deliveryId}`)).body;
    const tries = receiver.requests.filter((q) => q.id === body.deliveryId);
    expect(tries.every((q) => q.verified && q.json.type === 'webhook.test')).toBe(true);
    expect(new Set(tries.map((q) => q.body)).size).toBe(1); // the same body every time
    expect(d.history.map((a) => a.statusCode)).toEqual([...Array(d.history.length - 1).fill(500), 200]);
    expect(d.history[0].response!.length).toBeLessThanOrEqual(2048);
    expect(Buffer.byteLength(d.history[0].response!)).toBeLessThanOrEqual(2048);
    expect(d.history[0].response!.startsWith('éé')).toBe(true);
    expect(d.history.at(-1)).toMatchObject({ statusCode: 200, response: 'thanks', durationMs: expect.any(Number), error: null });
    expect(d.attempts).toBe(d.history.length);
  });

  it('a receiver slower than the timeout: the attempt fails as a timeout and is retried', async () => {
    receiver.answer = { status: 200, delayMs: 1500, body: 'late' };
    const { body } = await api(`/api/v1/webhooks/${endpoint.id}/test`, { method: 'POST' });
    await expect.poll(async () => (await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${body.deliveryId}`)).body.history.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    receiver.answer = { status: 200, delayMs: 0, body: 'ok' };
    await expect.poll(async () => (await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${body.deliveryId}`)).body.status, { timeout: 10_000 }).toBe('DELIVERED');
    const d: WebhookDelivery = (await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${body.deliveryId}`)).body;
    expect(d.history[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/no answer within 700 ms/) });
    expect(d.history.at(-1)!.statusCode).toBe(200);
  });

  it('does not follow a redirect: the 307 is a failed attempt, retried at the same URL', async () => {
    const elsewhere = await startReceiver();
    try {
      receiver.answer = { status: 307, delayMs: 0, body: 'moved', location: elsewhere.url };
      const { body } = await api(`/api/v1/webhooks/${endpoint.id}/test`, { method: 'POST' });
      await receiver.waitFor((r) => r.filter((q) => q.id === body.deliveryId).length >= 2, 10_000, 'two tries at the first URL');
      receiver.answer = { status: 200, delayMs: 0, body: 'ok' };
      await expect.poll(async () => (await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${body.deliveryId}`)).body.status, { timeout: 10_000 }).toBe('DELIVERED');
      expect(elsewhere.requests).toEqual([]);
      expect((await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${body.deliveryId}`)).body.history[0].statusCode).toBe(307);
    } finally {
      await elsewhere.close();
    }
  });

  it('manual retry sends a delivered event again with the same id; 410 turns the endpoint off', async () => {
    const [done] = await deliveries(endpoint.id, '&status=DELIVERED');
    const before = receiver.requests.filter((q) => q.id === done.id).length;
    const retried = await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${done.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    await receiver.waitFor((r) => r.filter((q) => q.id === done.id).length === before + 1, 10_000, 'the retried delivery');

    receiver.answer = { status: 410, delayMs: 0, body: 'gone' };
    const { body } = await api(`/api/v1/webhooks/${endpoint.id}/test`, { method: 'POST' });
    await expect.poll(async () => (await api(`/api/v1/webhooks/${endpoint.id}`)).body.enabled, { timeout: 10_000 }).toBe(false);
    expect((await api(`/api/v1/webhooks/${endpoint.id}`)).body.disabledReason).toMatch(/410/);
    expect((await api(`/api/v1/webhooks/${endpoint.id}/deliveries/${body.deliveryId}`)).body).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(receiver.requests.filter((q) => q.id === body.deliveryId)).toHaveLength(1);
    // Events meanwhile are not queued for it; a test is refused until it is turned on again.
    expect((await api(`/api/v1/webhooks/${endpoint.id}/test`, { method: 'POST' })).status).toBe(409);
    receiver.answer = { status: 200, delayMs: 0, body: 'ok' };
    expect((await api(`/api/v1/webhooks/${endpoint.id}`, { method: 'PATCH', json: { enabled: true } })).body).toMatchObject({ enabled: true, disabledReason: null });
    const again = (await api(`/api/v1/webhooks/${endpoint.id}/test`, { method: 'POST' })).body.deliveryId;
    await receiver.waitFor((r) => r.some((q) => q.id === again && q.verified), 10_000, 'the test after re-enabling');
  });

  it('posts the rep\'s opens to Slack and Teams in their documented formats', async () => {
    const channels = await startReceiver();
    try {
      const base = `http://127.0.0.1:${channels.port}`;
      const saved = await api('/api/v1/settings', { method: 'PUT', json: { channels: { slackWebhookUrl: `${base}/slack`, teamsWebhookUrl: `${base}/teams` } } });
      expect(saved.status).toBe(200);
      sink.messages.length = 0;
      await transport(creds).sendMail({ from: 'ops@acme.test', to: 'Carla <carla@example.test>', subject: 'Q3 <proposal> & terms', html: HTML, text: 'Hi' });
      const [m] = await sink.waitFor(1);
      const urls = await trackerUrls(m.raw, server.url);
      await get(urls.pixel, imageHeaders);
      await channels.waitFor((r) => r.length >= 2, 15_000, 'the Slack and Teams posts');
      const slack = channels.requests.find((q) => q.path === '/slack')!.json as Record<string, unknown>;
      const teams = channels.requests.find((q) => q.path === '/teams')!.json as Record<string, unknown>;
      expect(shape(slack)).toMatchObject(shape(fixture('slack-incoming-webhook.json')) as object);
      expect(shape(teams)).toMatchObject(shape(fixture('teams-incoming-webhook.json')) as object);
      // Readable: who, what, the subject (escaped for Slack's mrkdwn), and a link to the email.
      expect(slack.text).toBe('carla@example.test opened "Q3 <proposal> & terms"');
      expect(JSON.stringify(slack.blocks)).toContain('Q3 &lt;proposal&gt; &amp; terms');
      expect(JSON.stringify(slack.blocks)).toMatch(/<http:\/\/localhost:\d+\/app\/activity\?email=[^|]+\|Open in Mailbeacon>/);
      const card = (teams.attachments as Array<{ content: { body: Array<{ text: string }>; actions: Array<{ url: string }> } }>)[0].content;
      expect(card.body.map((b) => b.text)).toEqual(expect.arrayContaining(['Q3 <proposal> & terms']));
      expect(card.body[0].text).toMatch(/carla@example\.test opened your email/);
      expect(card.actions[0].url).toMatch(/\/app\/activity\?email=/);
      expect(channels.requests.every((q) => q.headers['webhook-signature'] === undefined)).toBe(true);
    } finally {
      await api('/api/v1/settings', { method: 'PUT', json: { channels: { slackWebhookUrl: null, teamsWebhookUrl: null } } });
      await channels.close();
    }
  });
});
