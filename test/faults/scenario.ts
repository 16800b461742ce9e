// One fault scenario's set-up and its common steps: processes on a fresh database relaying to a
// sink behind a front that can refuse, an account with an SMTP token and a published template, the
// load, the recovery measurement after each fault, and the final checks.
import { expect } from 'vitest';
import { createTestDatabase, type Backend, type TestDatabase } from '../helpers/databases.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin } from '../helpers/smtp-clients.js';
import { makeTemplate } from '../send/fixtures.js';
import { Cluster, type Window } from './cluster.js';
import { Load, type LoadShape } from './load.js';
import { startRelayFront, type RelayFront } from './relay-front.js';
import { drainQueue, type Findings, verify } from './verify.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const between = (min: number, max: number) => Math.round(min + Math.random() * (max - min));

/** Enough to keep every part busy on a 2-core machine without drowning it. */
export const STEADY: LoadShape = { smtpUsers: 3, sendUsers: 2, hitUsers: 3, pauseMs: 40 };

/** A fault must be over, and the service back (healthy, relaying a fresh send), within this. */
export const RECOVERY_LIMIT_MS = 15_000;

/** Short leases and retries, so that takeovers and retries happen within the scenario. */
export const FAST_QUEUE = { QUEUE_LEASE: '2s', QUEUE_RETRY_BASE: '200ms', QUEUE_RETRY_MAX: '1s', LOG_LEVEL: 'warn' };

export interface Scenario {
  name: string;
  tdb: TestDatabase;
  sink: Sink;
  front: RelayFront;
  cluster: Cluster;
  load: Load;
  accessToken: string;
  /** When the database was down: error answers are allowed only then. */
  windows: Window[];
  /** When each fault began. */
  faults: number[];
  /** Each fault's recovery time, by what was measured. */
  recoveries: Array<{ fault: string; ms: number }>;
  started: number;
  log(message: string): void;
}

export async function setUp(backend: Backend, processes: number, name: string, env: Record<string, string> = {}): Promise<Scenario> {
  const started = Date.now();
  const tdb = await createTestDatabase(backend);
  const sink = await startSink();
  const front = await startRelayFront(sink);
  const cluster = await Cluster.start(tdb, processes, { RELAY_URL: front.url, ...FAST_QUEUE, ...env });
  const accessToken = (await cluster.first.addUser('ops@acme.test', { name: 'Ops' })).accessToken;
  const { creds } = await smtpLogin(cluster.first, accessToken, 'Faults');
  const template = await makeTemplate(cluster.first, accessToken);
  const tag = `${name}-${backend}`.replace(/[^a-z0-9-]/gi, '');
  const load = new Load({ cluster, sink, accessToken, templateId: template.id, login: { user: creds.user, pass: creds.pass }, tag });
  const label = `[faults ${backend} ×${processes} ${name}]`;
  return {
    name,
    tdb,
    sink,
    front,
    cluster,
    load,
    accessToken,
    windows: [],
    faults: [],
    recoveries: [],
    started,
    log: (message) => console.log(`${label} +${((Date.now() - started) / 1000).toFixed(1)}s ${message}`),
  };
}

export async function tearDown(s: Scenario | undefined): Promise<void> {
  if (!s) return;
  await s.load.stop().catch(() => {}); // still running when the scenario failed half-way
  await s.cluster.stop();
  await s.front.close();
  await s.sink.close();
  await s.tdb.drop();
}

/**
 * The service is back when every live process answers /health and relays a fresh SMTP send through
 * it (retried until accepted). Answers the time since `from` (the fault's start).
 */
export async function recovery(s: Scenario, from: number, timeoutMs = 30_000): Promise<number> {
  const deadline = from + timeoutMs;
  if (s.cluster.crashes.length) throw new Error(`a process died by itself: ${s.cluster.crashes.join('\n')}`);
  for (const member of s.cluster.live()) {
    while ((await fetch(member.server!.url + '/health').then((r) => r.status, () => 0)) !== 200) {
      if (Date.now() > deadline) throw new Error(`process ${member.slot} not healthy ${timeoutMs / 1000} s after the fault`);
      await sleep(50);
    }
  }
  const healthy = Date.now();
  for (const member of s.cluster.live()) {
    const t0 = Date.now();
    let probe = await s.load.smtpOnce(member, 'probe');
    while (!probe.accepted) {
      if (Date.now() > deadline) throw new Error(`process ${member.slot} accepts no mail ${timeoutMs / 1000} s after the fault`);
      await sleep(100);
      probe = await s.load.smtpOnce(member, 'probe');
    }
    while (!s.sink.messages.some((m) => m.to.includes(probe.recipient))) {
      if (Date.now() > deadline) throw new Error(`a fresh send through process ${member.slot} was not relayed ${timeoutMs / 1000} s after the fault`);
      await sleep(25);
    }
    s.log(`probe through ${member.slot}: accepted ${probe.at - t0} ms, relayed ${Date.now() - t0} ms (healthy at ${healthy - from} ms)`);
  }
  return Date.now() - from;
}

/** Records a fault's recovery time and prints it with the load so far (held to the limit at the end). */
export async function recovered(s: Scenario, fault: string, from: number): Promise<number> {
  const ms = await recovery(s, from);
  s.recoveries.push({ fault, ms });
  s.log(`${fault}: service back in ${(ms / 1000).toFixed(2)} s — ${s.load.summary()}`);
  return ms;
}

/** Every check of the scenario at once: the findings, then each recovery against the limit. */
export function expectAllWell(s: Scenario, findings: Findings): void {
  expect(findings.problems).toEqual([]);
  for (const r of s.recoveries) expect(r.ms, `${r.fault}: recovery time`).toBeLessThan(RECOVERY_LIMIT_MS);
}

/** Stops the load, waits for the queue to empty, checks everything and prints the figures. */
export async function finish(s: Scenario): Promise<Findings> {
  await s.load.stop();
  s.log(`load stopped — ${s.load.summary()}`);
  const drained = await drainQueue(s.tdb);
  const findings = await verify({ tdb: s.tdb, sink: s.sink, load: s.load, windows: s.windows, crashes: s.cluster.crashes, faults: s.faults });
  s.log(`recovery times: ${s.recoveries.map((r) => `${r.fault} ${(r.ms / 1000).toFixed(2)} s`).join('; ')}`);
  s.log(`queue drained ${(drained / 1000).toFixed(1)} s after the load; ${JSON.stringify(findings.figures)}`);
  for (const d of findings.duplicates) s.log(`duplicate ${d}`);
  for (const line of warnings(s)) s.log(line);
  for (const p of findings.problems.slice(0, 30)) s.log(`PROBLEM ${p}`);
  return findings;
}

/** What the processes warned about, counted by message (how the faults looked from inside). */
function warnings(s: Scenario): string[] {
  return s.cluster.members.flatMap((m) => {
    const counts = new Map<string, number>();
    for (const l of m.server?.logs() ?? []) {
      if (Number(l.level) < 40) continue;
      const err = (l.err as { message?: string } | undefined)?.message;
      const key = `${String(l.msg)}${err ? `: ${err.slice(0, 100)}` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const top = [...counts].sort((x, y) => y[1] - x[1]).slice(0, 8);
    return top.map(([msg, n]) => `process ${m.slot} logged ${n}× ${msg}`);
  });
}
