// Several `mailbeacon serve` processes on one PostgreSQL, behind the test as a round-robin load
// balancer: a sendId sent concurrently through both processes sends one email and keeps one status;
// the API rate limit is one count across processes; and a process killed while it holds delivery
// leases leaves nothing stuck — the other one takes its deliveries over once the leases run out; and
// a delivery handed to its accepting process is relayed once even when another process could claim it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDue } from '../../src/server/store/queue.js';
import { serverEnv, startWithEnv, type RunningServer } from '../helpers/server.js';
import { hubspot } from '../helpers/smtp-clients.js';
import { makeTemplate, to, waitForStatus } from '../send/fixtures.js';
import type { SendStatusView } from '../../src/shared/hubspot.js';
import { type Scenario, setUp, sleep, tearDown } from './scenario.js';

const RATE_LIMIT = 50;

describe('scale-out on PostgreSQL with two processes', () => {
  let s: Scenario;
  const extra: RunningServer[] = [];
  const extraDirs: string[] = [];

  beforeAll(async () => {
    s = await setUp('postgres', 2, 'scale-out');
  });
  afterAll(async () => {
    await Promise.all(extra.map((p) => p.stop('SIGKILL')));
    for (const dir of extraDirs) fs.rmSync(dir, { recursive: true, force: true });
    await tearDown(s);
  });

  const send = (server: RunningServer, token: string, body: unknown) => server.api('/marketing/v3/transactional/single-email/send', { method: 'POST', token, json: body });

  it('sends one email per sendId when every repeat races through both processes', async () => {
    const [a, b] = s.cluster.members.map((m) => m.server!);
    const { accessToken } = await a.addUser('idem@acme.test', { account: 'idem' });
    const template = await makeTemplate(a, accessToken);
    const SENDS = 10;
    const REPEATS = 6;
    const answers = await Promise.all(
      Array.from({ length: SENDS * REPEATS }, async (_, i) => {
        const n = i % SENDS;
        const body = { emailId: template.id, message: { to: `idem${n}@example.test`, sendId: `race-${n}` }, customProperties: { order_id: String(n) } };
        const res = await send([a, b][Math.floor(i / SENDS) % 2], accessToken, body);
        expect(res.status, await res.clone().text()).toBe(200);
        return { n, view: (await res.json()) as SendStatusView };
      }),
    );
    const database = await s.tdb.open();
    try {
      for (let n = 0; n < SENDS; n++) {
        const mine = answers.filter((x) => x.n === n).map((x) => x.view);
        expect(mine.filter((v) => v.status === 'PENDING'), `sendId race-${n}`).toHaveLength(1);
        expect(mine.filter((v) => v.sendResult === 'IDEMPOTENT_IGNORE')).toHaveLength(REPEATS - 1);
        const claims = await database.db.selectFrom('send_statuses').select('id').where('send_id', '=', `race-${n}`).execute();
        expect(claims.map((c) => c.id)).toEqual([mine.find((v) => v.status === 'PENDING')!.statusId]);
      }
    } finally {
      await database.close();
    }
    // Either process answers for the status, whichever relayed it.
    for (const { view } of answers.filter((x) => x.view.status === 'PENDING')) {
      expect(await waitForStatus(hubspot(a, accessToken), view.statusId)).toMatchObject({ sendResult: 'SENT' });
      expect(await waitForStatus(hubspot(b, accessToken), view.statusId)).toMatchObject({ sendResult: 'SENT' });
    }
    await sleep(500);
    const check = await s.tdb.open();
    try {
      for (let n = 0; n < SENDS; n++) {
        const recipient = `idem${n}@example.test`;
        const deliveries = await check.db.selectFrom('deliveries').select(['id', 'recoveries', 'lease_owner', 'created_at']).where('recipient', '=', recipient).execute();
        expect(to(s.sink.messages, recipient), `race-${n}: ${JSON.stringify(deliveries)}`).toHaveLength(1);
      }
    } finally {
      await check.close();
    }
  });

  it(`holds API_RATE_LIMIT=${RATE_LIMIT} across both processes, answering 429 in HubSpot's shape`, async () => {
    // Two more processes on the same database, configured with the small limit. They relay like the
    // others: any process may take any queued delivery, so all must share one RELAY_URL.
    for (let i = 0; i < 2; i++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-fault-rate-'));
      extraDirs.push(dir);
      extra.push(await startWithEnv(await serverEnv(s.tdb, { DATA_DIR: dir, RELAY_URL: s.front.url, API_RATE_LIMIT: String(RATE_LIMIT), LOG_LEVEL: 'warn' })));
    }
    const [a, b] = extra;
    const { accessToken } = await a.addUser('busy@acme.test', { account: 'busy' });
    const started = Date.now();
    const answers: Response[] = [];
    // 150 calls, ten at a time, alternating between the processes: well within ten seconds.
    for (let i = 0; i < 150; i += 10) {
      answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => [a, b][(i + j) % 2].api('/api/v1/me', { token: accessToken })))));
    }
    const elapsed = Date.now() - started;
    const ok = answers.filter((r) => r.status === 200);
    const limited = answers.filter((r) => r.status === 429);
    s.log(`rate limit: ${ok.length} × 200 and ${limited.length} × 429 in ${elapsed} ms across two processes`);
    expect(elapsed).toBeLessThan(9000);
    expect(ok.length).toBeLessThanOrEqual(RATE_LIMIT);
    expect(ok.length).toBeGreaterThanOrEqual(RATE_LIMIT - 2);
    expect(ok.length + limited.length).toBe(150);
    // Both processes refused, each in HubSpot's shape.
    for (const port of [a.env.PORT, b.env.PORT]) {
      const refusal = limited.find((r) => r.url.includes(`:${port}/`))!;
      expect(refusal, `process on ${port} refused nothing`).toBeDefined();
      expect(Number(refusal.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refusal.headers.get('x-hubspot-ratelimit-max')).toBe(String(RATE_LIMIT));
      expect(await refusal.json()).toMatchObject({ status: 'error', category: 'RATE_LIMITS', policyName: 'TEN_SECONDLY_ROLLING', correlationId: expect.any(String) });
    }
    await Promise.all(extra.splice(0).map((p) => p.stop()));
  });

  it('takes over the deliveries of a process killed while holding their leases', async () => {
    const [a, b] = s.cluster.members;
    const { sink, load } = s;
    // The relay stalls, so process A keeps what it accepted in flight, leased to it.
    sink.mode = 'stall';
    const accepted: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const r = await load.smtpOnce(a);
        if (r.accepted) accepted.push(r.recipient);
      }),
    );
    expect(accepted).toHaveLength(8);
    const database = await s.tdb.open();
    try {
      const pid = a.server!.process.pid;
      const leased = await database.db.selectFrom('deliveries').select(['recipient', 'lease_owner', 'lease_until']).where('recipient', 'in', accepted).execute();
      expect(leased.every((d) => d.lease_owner?.includes(`:${pid}:`) && Number(d.lease_until) > Date.now()), JSON.stringify(leased)).toBe(true);

      const killedAt = Date.now();
      await s.cluster.kill(a.slot);
      sink.mode = 'accept';
      while (accepted.some((r) => !sink.messages.some((m) => m.to.includes(r)))) {
        if (Date.now() - killedAt > 15_000) {
          const rows = await database.db.selectFrom('deliveries').select(['recipient', 'status', 'lease_owner', 'lease_until', 'last_response']).where('recipient', 'in', accepted).execute();
          throw new Error(`process B did not take over the deliveries of the killed process: ${JSON.stringify(rows)}`);
        }
        await sleep(50);
      }
      const tookOver = Date.now() - killedAt;
      s.log(`process B delivered the ${accepted.length} deliveries leased to the killed process A ${tookOver} ms after the kill`);
      expect(tookOver).toBeLessThan(10_000);
      // Relayed, then recorded as sent (a moment later), each after a takeover.
      const settled = () => database.db.selectFrom('deliveries').select(['status', 'recoveries']).where('recipient', 'in', accepted).execute();
      await expect.poll(async () => (await settled()).every((d) => d.status === 'SENT'), { timeout: 5000 }).toBe(true);
      expect((await settled()).every((d) => Number(d.recoveries) >= 1), JSON.stringify(await settled())).toBe(true);
    } finally {
      await database.close();
    }
    await sleep(500);
    // The stalled relay stored nothing, so the takeover sent each exactly once.
    for (const r of accepted) expect(to(sink.messages, r), r).toHaveLength(1);
    expect(b.server).toBeDefined();
  });

  it('relays a handed-off delivery once even when its commit outlasted its lease', async () => {
    // Accepted mail is inserted already leased to the accepting process. Here its commit takes longer
    // than the lease (a trigger sleeps in the insert), so the lease has run out when the row becomes
    // visible, and the test — standing in for another process — claims it as soon as it can.
    const database = await s.tdb.open();
    const slow = `create function mb_slow() returns trigger language plpgsql as $$
      begin if exists (select 1 from inserted where recipient like 'slowhandoff%') then perform pg_sleep(2.5); end if; return null; end $$`;
    await sql.raw(slow).execute(database.db);
    await sql.raw('create trigger mb_slow after insert on deliveries referencing new table as inserted for each statement execute function mb_slow()').execute(database.db);
    let polling = true;
    const intruder = (async () => {
      while (polling) {
        const now = Date.now();
        await claimDue(database.db, 'postgres', 'another-process', 10, now, now + 2000);
        await sleep(5);
      }
    })();
    try {
      const sent = await s.load.smtpOnce(s.cluster.live()[0], 'smtp', 'slowhandoff');
      expect(sent.accepted).toBe(true);
      while (!s.sink.messages.some((m) => m.to.includes(sent.recipient))) await sleep(50);
      await sleep(3000); // the intruder's lease runs out: a second relay would happen now
      polling = false;
      await intruder;
      await expect.poll(async () => (await database.db.selectFrom('deliveries').select('status').where('recipient', '=', sent.recipient).executeTakeFirst())?.status, { timeout: 10_000 }).toBe('SENT');
      expect(to(s.sink.messages, sent.recipient)).toHaveLength(1);
    } finally {
      polling = false;
      await intruder;
      await sql.raw('drop trigger mb_slow on deliveries').execute(database.db);
      await sql.raw('drop function mb_slow()').execute(database.db);
      await database.close();
    }
  });
});
