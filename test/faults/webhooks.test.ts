// kill -9 of a process while webhook deliveries are in flight and pending: on SQLite the process is
// restarted and sends them; on PostgreSQL the other process takes them over once their leases run
// out. Every event arrives at least once, signed; a duplicate carries the same webhook-id and body.
// Also the real 10 s timeout against a receiver that takes 15 s.
import { afterAll, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { Cluster } from './cluster.js';

const EVENTS = 40;
const ENV = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT: '5s', WEBHOOK_LEASE: '3s', WEBHOOK_RETRY_SCHEDULE: '200ms,300ms,500ms,500ms,500ms', WEBHOOK_POLL: '50ms', WEBHOOK_CONCURRENCY: '4' };

describe.each(BACKENDS)('webhooks through kill -9 on %s', (backend) => {
  let tdb: TestDatabase | undefined;
  let cluster: Cluster | undefined;
  let receiver: Receiver | undefined;
  afterAll(async () => {
    await cluster?.stop();
    await receiver?.close();
    await tdb?.drop();
  });

  it('delivers every pending event after the kill, at least once, duplicates only with the same webhook-id', async () => {
    tdb = await createTestDatabase(backend);
    receiver = await startReceiver();
    cluster = await Cluster.start(tdb, backend === 'postgres' ? 2 : 1, ENV);
    const first = cluster.first;
    const token = (await first.addUser('admin@acme.test')).accessToken;
    const created = await (await first.api('/api/v1/webhooks', { method: 'POST', token, json: { url: receiver.url, events: ['contact.created'] } })).json();
    receiver.secret = created.secret;
    // A slow receiver: requests are in flight, and more wait behind them, when the kill comes.
    receiver.answer = { status: 200, delayMs: 1500, body: 'ok' };
    const emails: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const email = `c${i}@example.test`;
      emails.push(email);
      const res = await first.api('/api/v1/contacts', { method: 'POST', token, json: { email } });
      expect(res.status).toBe(201);
    }
    await receiver.waitFor((r) => r.length >= 2, 10_000, 'requests in flight');
    await cluster.kill(0);
    receiver.answer = { status: 200, delayMs: 0, body: 'ok' };
    if (backend === 'sqlite') await cluster.restart(0);

    const all = await receiver.waitFor((r) => emails.every((e) => r.some((q) => q.verified && q.json.data.email === e)), 60_000, 'every contact.created');
    const live = cluster.live()[0].server!;
    // Every delivery ends DELIVERED, once the answers cut off by the kill were retried.
    let list: WebhookDelivery[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      list = (await (await live.api(`/api/v1/webhooks/${created.id}/deliveries?limit=100`, { token })).json()).results;
      if (list.every((d) => d.status === 'DELIVERED') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(list).toHaveLength(EVENTS);
    expect(list.filter((d) => d.status !== 'DELIVERED')).toEqual([]);
    expect(all.every((q) => q.verified)).toBe(true);
    const byId = new Map<string, Set<string>>();
    for (const q of all) byId.set(q.id, (byId.get(q.id) ?? new Set()).add(q.body));
    // One webhook-id per event, and one body per webhook-id: a repeat is the same delivery again.
    expect([...byId.keys()].sort()).toEqual(list.map((d) => d.id).sort());
    expect([...byId.values()].every((bodies) => bodies.size === 1)).toBe(true);
    const perEmail = new Map<string, Set<string>>();
    for (const q of all) perEmail.set(String(q.json.data.email), (perEmail.get(String(q.json.data.email)) ?? new Set()).add(q.id));
    expect([...perEmail.values()].every((ids) => ids.size === 1)).toBe(true);
    // The kill landed on requests in flight: those were sent again, under their first id.
    expect(all.length).toBeGreaterThan(byId.size);
    expect(cluster.crashes).toEqual([]);
  });
});

// The real timeout, not a shortened one: a receiver that takes 15 s to answer.
describe('webhooks to a receiver slower than the 10 s timeout', () => {
  let tdb: TestDatabase | undefined;
  let cluster: Cluster | undefined;
  let receiver: Receiver | undefined;
  afterAll(async () => {
    await cluster?.stop();
    await receiver?.close();
    await tdb?.drop();
  });

  it('gives up on the attempt after 10 s and retries it with the same webhook-id', async () => {
    tdb = await createTestDatabase('sqlite');
    receiver = await startReceiver();
    cluster = await Cluster.start(tdb, 1, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '200ms,200ms' });
    const server = cluster.first;
    const token = (await server.addUser('admin@acme.test')).accessToken;
    const created = await (await server.api('/api/v1/webhooks', { method: 'POST', token, json: { url: receiver.url, events: ['contact.created'] } })).json();
    receiver.secret = created.secret;
    receiver.answer = { status: 200, delayMs: 15_000, body: 'too late' };
    const { deliveryId } = await (await server.api(`/api/v1/webhooks/${created.id}/test`, { method: 'POST', token })).json();
    await receiver.waitFor((r) => r.length === 1, 5_000, 'the first try');
    receiver.answer = { status: 200, delayMs: 0, body: 'ok' };
    await receiver.waitFor((r) => r.length === 2, 20_000, 'the retry');
    expect(receiver.requests.map((q) => q.id)).toEqual([deliveryId, deliveryId]);
    // Neither clock is the timer's: the receiver stamps a request when its body has arrived, some milliseconds
    // after the sender's 10 s began, and Node's timers count from the event loop's cached time, which can be a few
    // milliseconds older than the Date.now() the sender records. A gap well short of 10 s would still fail here.
    expect(receiver.requests[1].at - receiver.requests[0].at).toBeGreaterThanOrEqual(9_500);
    const d = await (await server.api(`/api/v1/webhooks/${created.id}/deliveries/${deliveryId}`, { token })).json();
    expect(d.status).toBe('DELIVERED');
    expect(d.history[0]).toMatchObject({ statusCode: null, error: 'no answer within 10000 ms' });
    expect(d.history[0].durationMs).toBeGreaterThanOrEqual(9_500);
  });
});
