// What must hold after a fault scenario, read from the sink (what the relay received), the database
// (deliveries, their recoveries, stored tracking events) and the load's own record of every attempt.
// Answers the problems found (empty: all good) and the figures, so a failure lists everything at once.
import { sql } from 'kysely';
import type { TestDatabase } from '../helpers/databases.js';
import type { Sink } from '../helpers/sink.js';
import type { Window } from './cluster.js';
import type { Attempt, Load } from './load.js';

export interface Findings {
  problems: string[];
  /** One line per duplicate: when each copy arrived, relative to the nearest fault. */
  duplicates: string[];
  figures: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query<T>(tdb: TestDatabase, fn: (db: Awaited<ReturnType<TestDatabase['open']>>['db']) => Promise<T>): Promise<T> {
  const database = await tdb.open();
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

/** Waits until no delivery is queued any more (every one relayed, bounced or dropped); answers how long it took. */
export async function drainQueue(tdb: TestDatabase, timeoutMs = 60_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const row = await query(tdb, (db) => db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'QUEUED').executeTakeFirstOrThrow());
    if (Number(row.n) === 0) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${row.n} deliveries are still queued ${timeoutMs / 1000} s after the load ended: stuck`);
    await sleep(250);
  }
}

/** Deliveries that were taken over after a crash or an expired lease, by recipient. */
async function recoveriesByRecipient(tdb: TestDatabase): Promise<Map<string, number>> {
  const rows = await query(tdb, (db) => db.selectFrom('deliveries').select(['recipient', 'recoveries']).where('recoveries', '>', 0).execute());
  return new Map(rows.map((r) => [r.recipient, Number(r.recoveries)]));
}

/** Stored opens and clicks by delivery, leaving out the opens the recorder inferred from clicks. */
async function storedHits(tdb: TestDatabase): Promise<Map<string, number>> {
  const rows = await query(tdb, (db) =>
    db
      .selectFrom('email_events')
      .select(['delivery_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', 'in', ['OPEN', 'CLICK'])
      .where('delivery_id', 'is not', null)
      .where(sql<boolean>`id not like '%:open'`)
      .groupBy('delivery_id')
      .execute(),
  );
  return new Map(rows.map((r) => [r.delivery_id!, Number(r.n)]));
}

/** The copies the sink received, by recipient: their Message-IDs and arrival times. */
function copiesByRecipient(sink: Sink): Map<string, Array<{ messageId: string; at: number }>> {
  const copies = new Map<string, Array<{ messageId: string; at: number }>>();
  for (const m of sink.messages) for (const to of m.to) copies.set(to, [...(copies.get(to) ?? []), { messageId: m.messageId ?? '', at: m.at }]);
  return copies;
}

/**
 * Every accepted message (SMTP 250, single send PENDING, or IDEMPOTENT_IGNORE after an earlier attempt
 * went unanswered) reached the sink, once — a second copy only where the delivery was taken over
 * (recoveries > 0) — and nothing else arrived more often than its recoveries allow.
 */
async function checkMail(tdb: TestDatabase, sink: Sink, load: Load, faults: number[], problems: string[]) {
  const copies = copiesByRecipient(sink);
  const recovered = await recoveriesByRecipient(tdb);
  const duplicates: string[] = [];
  let recoveredDuplicates = 0;
  const check = (recipient: string, mustArrive: boolean, what: string, messageId?: string) => {
    const got = copies.get(recipient) ?? [];
    const recoveries = recovered.get(recipient) ?? 0;
    if (mustArrive && got.length === 0) problems.push(`${what} ${recipient} was never delivered`);
    if (messageId && got.some((c) => c.messageId !== messageId)) problems.push(`${what} ${recipient} arrived as ${got.map((c) => c.messageId).join(', ')}, not ${messageId}`);
    if (got.length < 2) return;
    if (recoveries > 0) recoveredDuplicates++;
    if (got.length > 1 + recoveries) problems.push(`${what} ${recipient} arrived ${got.length} times with ${recoveries} recoveries`);
    // Near a fault is SMTP's blind spot (the relay took it just before the process died).
    const nearest = faults.reduce((best, f) => (Math.abs(f - got[0].at) < Math.abs(best - got[0].at) ? f : best), Infinity);
    duplicates.push(`${recipient}: copies at ${got.map((c) => `${c.at >= nearest ? '+' : ''}${c.at - nearest}`).join(', ')} ms from the nearest fault, ${recoveries} recoveries`);
  };
  for (const [recipient, m] of load.smtp) check(recipient, m.accepted, m.accepted ? 'accepted SMTP message' : 'unanswered SMTP message', m.messageId);
  for (const [recipient, s] of load.sends) {
    check(recipient, s.fate === 'accepted' || s.fate === 'ignored', `single send (${s.fate}, sendId ${s.sendId})`);
    if (s.fate === 'decided' && copies.has(recipient)) problems.push(`single send ${s.sendId} was answered with a refusal but delivered`);
  }
  return { duplicates, recoveredDuplicates, recoveredDeliveries: recovered.size };
}

/** Every hit answered (200 GIF / 302) is stored, and no more than were made; answers the number stored. */
async function checkHits(tdb: TestDatabase, load: Load, problems: string[]): Promise<number> {
  // Answered hits are written in batches, and a killed process's are replayed by its successor.
  let stored = await storedHits(tdb);
  const short = () => [...load.hits].filter(([d, h]) => (stored.get(d) ?? 0) < h.answered);
  for (let i = 0; i < 60 && short().length; i++) {
    await sleep(250);
    stored = await storedHits(tdb);
  }
  for (const [d, h] of short()) problems.push(`delivery ${d}: ${h.answered} hits answered, ${stored.get(d) ?? 0} stored`);
  for (const [d, h] of load.hits) if ((stored.get(d) ?? 0) > h.tried) problems.push(`delivery ${d}: ${stored.get(d)} hits stored, only ${h.tried} made`);
  return [...load.hits.keys()].reduce((n, d) => n + (stored.get(d) ?? 0), 0);
}

/** Error answers (HTTP 5xx, any SMTP refusal) outside the outages; answers how many fell inside. */
function checkErrors(load: Load, windows: Window[], problems: string[]): number {
  const overlaps = (a: Attempt) => windows.some((w) => a.start <= w.end && a.end >= w.start);
  const errors = load.attempts.filter((a) => (a.kind === 'smtp' || a.kind === 'probe' ? a.outcome === 'refused' : (a.code ?? 0) >= 500));
  const outside = errors.filter((a) => !overlaps(a));
  for (const a of outside.slice(0, 20)) problems.push(`${a.kind} answered ${a.code} at ${new Date(a.start).toISOString()} outside any database outage (process ${a.slot}): ${a.note ?? ''}`);
  if (outside.length > 20) problems.push(`… and ${outside.length - 20} more error answers outside the outages`);
  return errors.length - outside.length;
}

/**
 * All of the above, plus: no process died on its own. `windows`: when the database was down;
 * `faults`: when each fault began (to place duplicates).
 */
export async function verify(opts: { tdb: TestDatabase; sink: Sink; load: Load; windows: Window[]; crashes: string[]; faults: number[] }): Promise<Findings> {
  const { tdb, sink, load } = opts;
  const problems = opts.crashes.map((c) => `a process died by itself: ${c}`);
  const mail = await checkMail(tdb, sink, load, opts.faults, problems);
  const hitsStored = await checkHits(tdb, load, problems);
  const errorsInOutage = checkErrors(load, opts.windows, problems);
  const smtp = [...load.smtp.values()];
  const sends = [...load.sends.values()];
  return {
    problems,
    duplicates: mail.duplicates,
    figures: {
      smtpAccepted: smtp.filter((m) => m.accepted).length,
      smtpUnanswered: smtp.filter((m) => !m.accepted).length,
      sendsAccepted: sends.filter((s) => s.fate === 'accepted').length,
      sendsIgnoredAfterRetry: sends.filter((s) => s.fate === 'ignored').length,
      sendsFailed: sends.filter((s) => s.fate === 'failed').length,
      hitsAnswered: [...load.hits.values()].reduce((n, h) => n + h.answered, 0),
      hitsStored,
      errorsInOutage,
      duplicates: mail.duplicates.length,
      duplicatesRecovered: mail.recoveredDuplicates,
      recoveredDeliveries: mail.recoveredDeliveries,
    },
  };
}
