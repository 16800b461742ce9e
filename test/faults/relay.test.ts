// The relay misbehaving under a steady mixed load: refusing connections, stalling after DATA (never
// answering), and dropping the connection after DATA. Senders never notice (mail is accepted as
// usual, no error answers); deliveries are deferred and retried; once the relay behaves again
// everything accepted arrives exactly once — nothing was stored by the relay during the faults, so
// even a retry may not duplicate — and fresh mail is relayed within seconds.
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/databases.js';
import { expectAllWell, finish, recovered, type Scenario, setUp, sleep, STEADY, tearDown } from './scenario.js';

const FAULT_MS = 4000;

describe.each(BACKENDS)('a failing relay under load on %s', (backend) => {
  const processes = backend === 'postgres' ? 2 : 1;
  let s: Scenario | undefined;
  afterAll(() => tearDown(s));

  it('defers and retries, loses and duplicates nothing, and relays fresh mail within seconds of the relay coming back', async () => {
    s = await setUp(backend, processes, 'relay');
    const { front, sink } = s;
    const mode = (m: typeof sink.mode) => async () => void (sink.mode = m);
    // Going down, the relay first answers 451 for a moment, so that no connection is cut between its
    // keeping a message and our hearing the 250: that is SMTP's blind spot, where a retry duplicates.
    const down = async () => {
      sink.mode = 'tempfail';
      await sleep(300);
      await front.refuse();
    };
    const up = async () => {
      sink.mode = 'accept';
      await front.accept();
    };
    const faults: Array<[string, () => Promise<void>, () => Promise<void>]> = [
      ['relay refuses connections', down, up],
      ['relay stalls after DATA', mode('stall'), mode('accept')],
      ['relay drops the connection after DATA', mode('drop'), mode('accept')],
    ];
    s.load.start(STEADY);
    await sleep(2500);
    for (const [fault, begin, end] of faults) {
      const before = sink.messages.length;
      s.faults.push(Date.now());
      await begin();
      s.log(`${fault} — ${s.load.summary()}`);
      await sleep(FAULT_MS);
      // Copies already past the relay's DATA when the fault began may still land; hardly any more.
      const during = sink.messages.length - before;
      const restoredAt = Date.now();
      await end();
      s.log(`${fault}: over; ${during} copies arrived meanwhile`);
      await recovered(s, fault, restoredAt);
      await sleep(1500);
    }
    const findings = await finish(s);
    expectAllWell(s, findings);
    expect(findings.figures.duplicates).toBe(0);
    expect(findings.figures.smtpAccepted).toBeGreaterThan(50);
    expect(findings.figures.sendsAccepted).toBeGreaterThan(20);
    // The faults were felt: deliveries were deferred and retried.
    const database = await s.tdb.open();
    const deferred = await database.db.selectFrom('email_events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'DEFERRED').executeTakeFirstOrThrow();
    await database.close();
    s.log(`${deferred.n} deferrals recorded`);
    expect(Number(deferred.n)).toBeGreaterThan(10);
  });
});
