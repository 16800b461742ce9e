// A single send is durable once answered: killed with SIGKILL right after its answers, the server
// delivers every answered send exactly once after a restart, and their statuses complete. On
// PostgreSQL, two processes share one sendId claim.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { serverEnv, startWithEnv, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { hubspot } from '../helpers/smtp-clients.js';
import type { SendStatusView } from '../../src/shared/hubspot.js';
import { FAST_QUEUE, makeTemplate, sleep, to, waitForStatus } from './fixtures.js';

describe.each(BACKENDS)('single send durability on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  const running: RunningServer[] = [];

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    await sink?.close();
    await tdb?.drop();
  });

  /** A server process on the shared database (and DATA_DIR), on ports of its own. */
  async function start(): Promise<RunningServer> {
    const server = await startWithEnv(await serverEnv(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE, QUEUE_LEASE: '2s', LOG_LEVEL: 'warn' }));
    running.push(server);
    return server;
  }

  it('delivers every answered send exactly once after a SIGKILL, and completes its status', async () => {
    const first = await start();
    const token = (await first.addUser('ops@acme.test')).accessToken;
    const template = await makeTemplate(first, token);
    await sink.down(); // nothing can leave before the crash
    const answers: SendStatusView[] = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const res = await first.api('/marketing/v3/transactional/single-email/send', {
          method: 'POST',
          token,
          json: { emailId: template.id, message: { to: `crash${i}@example.test`, sendId: `crash-${i}` }, customProperties: { order_id: String(i) } },
        });
        expect(res.status).toBe(200);
        return res.json();
      }),
    );
    expect(answers.every((a) => a.status === 'PENDING')).toBe(true);
    expect(await first.stop('SIGKILL')).toBe(null);

    await sink.up();
    const second = await start();
    const client = hubspot(second, token);
    for (const a of answers) expect(await waitForStatus(client, a.statusId, undefined, 20_000)).toMatchObject({ status: 'COMPLETE', sendResult: 'SENT' });
    await sleep(500);
    for (let i = 0; i < 10; i++) expect(to(sink.messages, `crash${i}@example.test`)).toHaveLength(1);
    // The sendIds stay used across the restart.
    const repeat = await (await second.api('/marketing/v3/transactional/single-email/send', { method: 'POST', token, json: { emailId: template.id, message: { to: 'crash0@example.test', sendId: 'crash-0' }, customProperties: { order_id: '0' } } })).json();
    expect(repeat).toMatchObject({ status: 'COMPLETE', sendResult: 'IDEMPOTENT_IGNORE' });
    await second.stop();
  });

  it('reads PROCESSING while a relay slot holds the email, then COMPLETE', async () => {
    const slow = await startSink({ delayMs: 1500 });
    const server = await startWithEnv(await serverEnv(tdb, { RELAY_URL: slow.url, ...FAST_QUEUE, LOG_LEVEL: 'warn' }));
    running.push(server);
    try {
      const token = (await server.addUser('slow@acme.test', { account: 'slow' })).accessToken;
      const template = await makeTemplate(server, token);
      const client = hubspot(server, token);
      const answer = (await client.marketing.transactional.singleSendApi.sendEmail({ emailId: template.id, message: { to: 'slow@example.test' }, customProperties: { order_id: 'S' } })) as unknown as SendStatusView;
      expect(answer.status).toBe('PENDING');
      const processing = await waitForStatus(client, answer.statusId, (s) => s.status !== 'PENDING', 1000);
      expect(processing).toMatchObject({ status: 'PROCESSING', startedAt: expect.any(String) });
      expect(processing.sendResult).toBeUndefined();
      expect(await waitForStatus(client, answer.statusId)).toMatchObject({ status: 'COMPLETE', sendResult: 'SENT', startedAt: processing.startedAt });
      expect(slow.messages).toHaveLength(1);
    } finally {
      await server.stop();
      await slow.close();
    }
  });

  it.runIf(backend === 'postgres')('claims a sendId once across two processes', async () => {
    const [a, b] = [await start(), await start()];
    const token = (await a.addUser('two@acme.test', { account: 'two' })).accessToken;
    const template = await makeTemplate(a, token);
    const results: SendStatusView[] = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await [a, b][i % 2].api('/marketing/v3/transactional/single-email/send', {
          method: 'POST',
          token,
          json: { emailId: template.id, message: { to: 'shared@example.test', sendId: 'shared-1' }, customProperties: { order_id: 'S' } },
        });
        return res.json();
      }),
    );
    expect(results.filter((r) => r.status === 'PENDING')).toHaveLength(1);
    expect(results.filter((r) => r.sendResult === 'IDEMPOTENT_IGNORE')).toHaveLength(19);
    const winner = results.find((r) => r.status === 'PENDING')!;
    // Either process answers for the status, whichever delivered it.
    expect(await waitForStatus(hubspot(b, token), winner.statusId)).toMatchObject({ sendResult: 'SENT' });
    expect(await waitForStatus(hubspot(a, token), winner.statusId)).toMatchObject({ sendResult: 'SENT' });
    await sleep(500);
    expect(to(sink.messages, 'shared@example.test')).toHaveLength(1);
  });
});
