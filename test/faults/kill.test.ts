// kill -9 of a server process at random moments under a steady mixed load, restarted at once (by a
// supervisor) with the same environment. On PostgreSQL two processes share the load, the victim is
// either one, and the survivor serves alone for a moment (taking over the victim's expired leases).
// Afterwards every accepted message is delivered exactly once (twice only where a delivery was taken
// over after the crash), every answered hit is stored, no request was answered with an error, and
// after each kill the service was back within the limit.
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/databases.js';
import { between, expectAllWell, finish, recovered, type Scenario, setUp, sleep, STEADY, tearDown } from './scenario.js';

const KILLS = 4;

describe.each(BACKENDS)('kill -9 under load on %s', (backend) => {
  const processes = backend === 'postgres' ? 2 : 1;
  let s: Scenario | undefined;
  afterAll(() => tearDown(s));

  it('loses nothing accepted, stores every answered hit, and is back within seconds after each kill', async () => {
    s = await setUp(backend, processes, 'kill');
    s.load.start(STEADY);
    await sleep(2500);
    for (let k = 1; k <= KILLS; k++) {
      await sleep(between(300, 3000));
      const live = s.cluster.live();
      const victim = live[between(0, live.length - 1)].slot;
      const at = Date.now();
      s.faults.push(at);
      await s.cluster.kill(victim);
      s.log(`kill -9 #${k} of process ${victim} — ${s.load.summary()}`);
      if (processes > 1) {
        // The survivor carries the load alone for a while, and relays fresh mail all along.
        await recovered(s, `kill #${k}: the survivor`, at);
        await sleep(between(0, 2500));
      }
      const restartedAt = Date.now();
      await s.cluster.restart(victim);
      await recovered(s, `kill #${k}: process ${victim} restarted`, restartedAt);
    }
    await sleep(2000);
    const findings = await finish(s);
    expectAllWell(s, findings);
    expect(findings.figures.smtpAccepted).toBeGreaterThan(50);
    expect(findings.figures.sendsAccepted).toBeGreaterThan(20);
    expect(findings.figures.hitsAnswered).toBeGreaterThan(100);
    // The kills landed on work in flight, not between requests.
    expect(s.load.attempts.filter((a) => a.outcome === 'cut').length).toBeGreaterThan(0);
  });
});
