// Two receivers on one account: one answers in 3 s, the other at once. Requests in flight to one
// endpoint are bounded (WEBHOOK_CONCURRENCY), so the slow one holds only its own slots and the fast
// one gets every event meanwhile. Old history is pruned (WEBHOOK_RETENTION, short here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

describe.each(BACKENDS)('one slow receiver among others on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let slow: Receiver;
  let fast: Receiver;
  let token: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    slow = await startReceiver();
    fast = await startReceiver();
    server = await startServer(tdb, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CONCURRENCY: '2', WEBHOOK_TIMEOUT: '10s', WEBHOOK_POLL: '50ms', WEBHOOK_RETENTION: '3s' });
    token = (await server.addUser('admin@acme.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await slow?.close();
    await fast?.close();
    await tdb?.drop();
  });

  it('keeps at most WEBHOOK_CONCURRENCY requests in flight to the slow one while the fast one gets everything', async () => {
    for (const r of [slow, fast]) {
      const res = await server.api('/api/v1/webhooks', { method: 'POST', token, json: { url: r.url, events: ['contact.created'] } });
      r.secret = (await res.json()).secret;
    }
    slow.answer = { status: 200, delayMs: 3000, body: 'slow' };
    for (let i = 0; i < 10; i++) await server.api('/api/v1/contacts', { method: 'POST', token, json: { email: `p${i}@example.test` } });
    await fast.waitFor((r) => r.length === 10, 10_000, 'all ten at the fast receiver');
    // Meanwhile the slow one has had only its two slots' worth.
    expect(slow.requests.length).toBe(2);
    expect(fast.requests.every((q) => q.verified)).toBe(true);
    slow.answer = { status: 200, delayMs: 0, body: 'ok' };
    await slow.waitFor((r) => new Set(r.map((q) => q.id)).size === 10, 20_000, 'all ten at the slow receiver');
  });

  it('deletes delivery history older than WEBHOOK_RETENTION', async () => {
    const list = async () => {
      const [endpoint] = (await (await server.api('/api/v1/webhooks', { token })).json()).results;
      return (await (await server.api(`/api/v1/webhooks/${endpoint.id}/deliveries?limit=100`, { token })).json()).results as unknown[];
    };
    expect((await list()).length).toBeGreaterThan(0);
    await expect.poll(list, { timeout: 15_000, interval: 500 }).toEqual([]);
  });
});
