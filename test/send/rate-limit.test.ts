// The per-account API rate limit (API_RATE_LIMIT per rolling 10 s): HubSpot's 429 shape, which the
// official client recognises, per account, and — on PostgreSQL — one count shared by every process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, startWithEnv, type RunningServer } from '../helpers/server.js';
import { serverEnv } from '../helpers/server.js';
import { hubspot } from '../helpers/smtp-clients.js';
import { sleep } from './fixtures.js';

const LIMIT = 6;

describe.each(BACKENDS)('the API rate limit on %s', (backend) => {
  let tdb: TestDatabase;
  let servers: RunningServer[] = [];
  let token: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    servers = [await startServer(tdb, { API_RATE_LIMIT: String(LIMIT) })];
    token = (await servers[0].addUser('busy@acme.test')).accessToken;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await tdb?.drop();
  });

  /** Waits for the start of a fresh second, so a burst does not straddle one the window drops soon. */
  const freshSecond = () => sleep(1000 - (Date.now() % 1000) + 20);

  it('answers 429 RATE_LIMITS with policy TEN_SECONDLY_ROLLING and Retry-After past the limit, per account', async () => {
    const [server] = servers;
    const other = (await server.addUser('calm@other.test', { account: 'other' })).accessToken;
    await freshSecond();
    const statuses = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await server.api('/api/v1/me', { token });
      statuses.push(res.status);
      expect(res.headers.get('x-hubspot-ratelimit-max')).toBe(String(LIMIT));
      expect(res.headers.get('x-hubspot-ratelimit-remaining')).toBe(String(LIMIT - 1 - i));
    }
    expect(statuses).toEqual(Array(LIMIT).fill(200));

    const over = await server.api('/api/v1/emails', { token });
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(await over.json()).toEqual({
      status: 'error',
      category: 'RATE_LIMITS',
      policyName: 'TEN_SECONDLY_ROLLING',
      message: expect.stringMatching(/ten_secondly_rolling limit: 6 requests per 10 seconds/),
      correlationId: over.headers.get('x-correlation-id'),
    });

    // The official client sees HubSpot's error (its retry decorator keys on policyName).
    const client = hubspot(server, token);
    const err = await client.marketing.transactional.singleSendApi.sendEmail({ emailId: 1, message: { to: 'a@example.test' } }).then(
      () => undefined,
      (e: { code: number; body: { policyName: string; category: string } }) => e,
    );
    expect(err?.code).toBe(429);
    expect(err?.body).toMatchObject({ category: 'RATE_LIMITS', policyName: 'TEN_SECONDLY_ROLLING' });

    // Another account has its own window; an unauthenticated call is a 401, not counted.
    expect((await server.api('/api/v1/me', { token: other })).status).toBe(200);
    expect((await server.api('/api/v1/me', { token: 'mb_wrong' })).status).toBe(401);
    // Public routes are not limited.
    expect((await server.api('/health')).status).toBe(200);

    // Refused calls do not count: once Retry-After has passed, calls go through again.
    await sleep(retryAfter * 1000 + 50);
    expect((await server.api('/api/v1/me', { token })).status).toBe(200);
  });

  it.runIf(backend === 'postgres')('holds across several server processes sharing one database', async () => {
    const second = await startWithEnv(await serverEnv(tdb, { API_RATE_LIMIT: String(LIMIT) }));
    servers.push(second);
    const user = await servers[0].addUser('shared@acme.test', { account: 'shared' });
    await freshSecond();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 4; i++) statuses.push((await servers[i % 2].api('/api/v1/me', { token: user.accessToken })).status);
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(200));
    expect(statuses.slice(LIMIT)).toEqual([429, 429, 429, 429]);
    // Concurrent calls on both processes: exactly the limit gets through.
    const third = await servers[0].addUser('burst@acme.test', { account: 'burst' });
    await freshSecond();
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => servers[i % 2].api('/api/v1/me', { token: third.accessToken }).then((r) => r.status)));
    expect(burst.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(burst.filter((s) => s === 429)).toHaveLength(20 - LIMIT);
  });
});
