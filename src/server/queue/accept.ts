// Taking a message into the queue, shared by every way of sending (SMTP API, single send, add-in):
// contacts for the recipients when asked, the message and its per-recipient deliveries, PROCESSED
// events — committed before the sender is told "accepted".
//
// Group commit: accepts that arrive while a commit is under way wait for the next one and share it,
// each in its own savepoint, so a burst pays one disk sync instead of one per message, and one
// failing (a taken sendId) rolls back only its own part.
import type { Kysely } from 'kysely';
import { bookkeeping, type Database } from '../db/index.js';
import type { MessageSource, Schema } from '../db/schema.js';
import type { QueueTiming } from '../config.js';
import { ensureContacts } from '../store/contacts.js';
import { enqueue, type Enqueued } from '../store/queue.js';
import type { ErasedAddresses } from '../lifecycle/erased.js';

export interface AcceptInput {
  accountId: string;
  source: MessageSource;
  campaignId: number | null;
  tokenId?: string | null;
  userId?: string | null;
  mailFrom: string;
  recipients: string[];
  raw: Buffer;
  subject: string | null;
  messageIdHeader: string | null;
  createContacts: boolean;
  track: boolean;
  /** Where the open pixel goes (null: bottom). */
  pixelPosition?: 'top' | 'bottom' | null;
  /**
   * Runs last in the transaction that queues the message, for what must be committed with it or not
   * at all (a single send's status and sendId). Throwing rolls the whole message back.
   */
  within?: (trx: Kysely<Schema>, queued: Enqueued) => Promise<void>;
}

export interface Acceptor {
  accept(input: AcceptInput): Promise<Enqueued>;
}

/** The part of the local worker the acceptor hands fresh deliveries to. */
export interface Handoff {
  reserve(n: number): { owner: string; leaseUntil: number; slots: number };
  release(slots: number): void;
  take(claimed: Enqueued['deliveries']): void;
  wake(): void;
}

interface Pending {
  input: AcceptInput;
  lease: ReturnType<Handoff['reserve']>;
  resolve(q: Enqueued): void;
  reject(err: unknown): void;
}

/** Accepts per commit, at most: keeps one transaction (and the parameters of its statements) small. */
const MAX_GROUP = 64;

export function acceptor(database: Database, timing: QueueTiming, worker: Handoff, erased?: ErasedAddresses): Acceptor {
  let waiting: Pending[] = [];
  let committing = false;

  function settle(p: Pending, outcome: { queued: Enqueued } | { err: unknown }) {
    if ('err' in outcome) {
      worker.release(p.lease.slots);
      return p.reject(outcome.err);
    }
    const { queued } = outcome;
    // The relayer confirms each lease as it takes it up: one may have run out before the commit.
    worker.take(queued.deliveries.slice(0, p.lease.slots));
    if (queued.deliveries.length > p.lease.slots) worker.wake(); // the rest is claimed as slots free up
    p.resolve(queued);
  }

  async function commitGroup(): Promise<void> {
    committing = true;
    while (waiting.length) {
      const group = waiting.slice(0, MAX_GROUP);
      waiting = waiting.slice(MAX_GROUP);
      const outcomes = await commitTogether(database, timing, group, erased).catch((err: unknown) => group.map(() => ({ err })));
      for (const [i, p] of group.entries()) {
        // Groups of two processes lock several rows each (contacts, sendIds) and can deadlock on them;
        // PostgreSQL then fails one accept. Retried alone, it no longer holds a group's rows while it waits.
        const o = outcomes[i];
        if ('err' in o && isDeadlock(o.err)) outcomes[i] = await commitTogether(database, timing, [p], erased).then(([r]) => r, (err: unknown) => ({ err }));
      }
      // The next group commits while this one waits for the disk: a sync covers every commit made
      // before it began, so each group is still on disk before anyone is told "accepted".
      void settleGroup(group, outcomes);
    }
    committing = false;
  }

  async function settleGroup(group: Pending[], outcomes: Array<{ queued: Enqueued } | { err: unknown }>) {
    const synced = await database.sync().then(() => outcomes, (err: unknown) => group.map(() => ({ err })));
    group.forEach((p, i) => settle(p, synced[i]));
  }

  return {
    accept(input) {
      return new Promise<Enqueued>((resolve, reject) => {
        waiting.push({ input, lease: worker.reserve(input.recipients.length), resolve, reject });
        if (!committing) void commitGroup();
      });
    },
  };
}

/** One transaction for the group; each accept in a savepoint of its own. */
async function commitTogether(database: Database, timing: QueueTiming, group: Pending[], erased?: ErasedAddresses): Promise<Array<{ queued: Enqueued } | { err: unknown }>> {
  if (group.length === 1) {
    const queued = await database.db.transaction().execute((trx) => acceptOne(trx, timing, group[0], erased));
    return [{ queued }];
  }
  const trx = await database.db.startTransaction().execute();
  const outcomes: Array<{ queued: Enqueued } | { err: unknown }> = [];
  try {
    for (const p of group) {
      const point = await trx.savepoint('accept').execute();
      try {
        outcomes.push({ queued: await acceptOne(point, timing, p, erased) });
        await point.releaseSavepoint('accept').execute();
      } catch (err) {
        await point.rollbackToSavepoint('accept').execute();
        outcomes.push({ err });
      }
    }
    await trx.commit().execute();
  } catch (err) {
    await trx.rollback().execute().catch(() => {});
    throw err;
  }
  return outcomes;
}

async function acceptOne(trx: Kysely<Schema>, timing: QueueTiming, { input, lease }: Pending, erased?: ErasedAddresses): Promise<Enqueued> {
  // Erased addresses still get their mail, but become no contact and leave no address in events.
  const gone = erased ? await erased.among(trx, input.accountId, input.recipients) : new Map();
  if (input.createContacts) await ensureContacts(trx, input.accountId, input.recipients.filter((r) => !gone.has(r.toLowerCase())));
  const queued = await enqueue(trx, {
    accountId: input.accountId,
    source: input.source,
    campaignId: input.campaignId,
    tokenId: input.tokenId ?? null,
    userId: input.userId ?? null,
    mailFrom: input.mailFrom,
    messageIdHeader: input.messageIdHeader,
    subject: input.subject,
    raw: input.raw,
    track: input.track,
    pixelPosition: input.pixelPosition ?? null,
    recipients: input.recipients,
    pseudonyms: new Map([...gone].map(([email, e]) => [email, e.pseudonym])),
    giveUpAt: Date.now() + timing.giveUpAfter,
    // From now, not from the reservation: the accept may have waited for a group, a lock or a retry,
    // and a lease that ran out before the commit would let another process relay it too.
    lease: { owner: lease.owner, until: Date.now() + timing.lease, count: lease.slots },
  });
  await input.within?.(trx, queued);
  return queued;
}

function isDeadlock(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === '40P01';
}
