// PostgreSQL restarted (`pg_ctlcluster … restart`: every connection cut) under a steady mixed load on
// two processes. While it is down requests may fail — 5xx, SMTP 4xx — but nothing answered as
// accepted is lost, no hit answered is lost (the tracker answers without the database and journals),
// nothing is answered with an error before or after the outage, no process dies, and within seconds
// both relay fresh mail again and notifications fan out across them again (LISTEN re-established).
import { afterAll, describe, expect, it } from 'vitest';
import { connectSse, type SseClient } from '../helpers/sse.js';
import { get, imageHeaders } from '../helpers/tracking.js';
import { restartPostgres } from './cluster.js';
import { expectAllWell, finish, recovered, type Scenario, setUp, sleep, STEADY, tearDown } from './scenario.js';

const RESTARTS = 2;
const FANOUT_LIMIT_MS = 10_000;

describe('a PostgreSQL restart under load on two processes', () => {
  let s: Scenario | undefined;
  let feed: SseClient | undefined;
  afterAll(async () => {
    feed?.close();
    await tearDown(s);
  });

  it('loses nothing accepted or answered, errs only while the database is down, and fans out again within seconds', async () => {
    s = await setUp('postgres', 2, 'pg-restart');
    const [a, b] = s.cluster.members;
    const token = s.accessToken;
    // A one-to-one tracked email: its opens on process A notify the owner's live feed on process B.
    const mail = await (
      await a.server!.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject: 'Across a restart', from: 'ops@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>x</p>' } })
    ).json();
    const pixel = () => mail.pixelUrl.replace(/^https?:\/\/[^/]+/, a.server!.url);
    feed = await connectSse(`${b.server!.url}/api/v1/notifications/stream`, { token });
    /** Opens the email on A until B's feed reports it; answers how long that took. */
    const fanOut = async (from: number) => {
      const seen = feed!.events.length;
      while (feed!.events.length === seen) {
        if (Date.now() - from > FANOUT_LIMIT_MS) throw new Error('no notification crossed from A to B');
        await get(pixel(), imageHeaders).catch(() => undefined);
        await sleep(250);
      }
      return Date.now() - from;
    };
    s.log(`fan-out A → B before any restart: ${await fanOut(Date.now())} ms`);

    s.load.start(STEADY);
    await sleep(3000);
    for (let k = 1; k <= RESTARTS; k++) {
      s.faults.push(Date.now());
      s.log(`restarting PostgreSQL (#${k}) — ${s.load.summary()}`);
      const outage = await restartPostgres();
      s.windows.push(outage);
      s.log(`PostgreSQL #${k} was down for ${outage.end - outage.start} ms`);
      await recovered(s, `PostgreSQL restart #${k}`, outage.end);
      const fanned = await fanOut(outage.end);
      s.log(`PostgreSQL restart #${k}: fan-out A → B again ${fanned} ms after it came back`);
      s.recoveries.push({ fault: `PostgreSQL restart #${k}: fan-out`, ms: fanned });
      await sleep(3000);
    }
    const findings = await finish(s);
    expectAllWell(s, findings);
    expect(findings.figures.smtpAccepted).toBeGreaterThan(50);
    expect(findings.figures.sendsAccepted).toBeGreaterThan(20);
    expect(findings.figures.hitsAnswered).toBeGreaterThan(100);
  });
});
