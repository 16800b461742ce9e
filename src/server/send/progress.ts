// How far a queued single send has come, read from the queue's record of its To delivery: waiting
// for a relay slot (PENDING), in a relay slot or retrying after a temporary failure (PROCESSING), then
// SENT, a bounce or a drop (COMPLETE).
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { SendResult } from '../../shared/hubspot.js';
import { advanceStatus, type DeliveryEvent, deliveryEvents, deliveryTaken, type StatusProgress } from '../store/send-statuses.js';

export interface StatusTarget {
  statusId: string;
  accountId: string;
  /** The To address: only its delivery completes the status (Cc and Bcc copies do not). */
  recipient: string;
  messageId: string;
  deliveryId: string;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

function outcome(final: DeliveryEvent): { sendResult: SendResult; message: string | null } {
  if (final.type === 'SENT') return { sendResult: 'SENT', message: null };
  if (final.type === 'BOUNCE') return { sendResult: 'UNDELIVERABLE', message: `The receiving server refused the email: ${text(final.details.response)}` };
  // DROPPED: suppressed after the request was accepted, or given up after retrying.
  if (final.details.dropReason === 'PREVIOUSLY_BOUNCED') return { sendResult: 'PREVIOUSLY_BOUNCED', message: text(final.details.dropMessage) || null };
  return { sendResult: 'UNDELIVERABLE', message: text(final.details.dropMessage) || null };
}

export function progressOf(events: DeliveryEvent[]): StatusProgress | undefined {
  if (!events.length) return undefined;
  const startedAt = events[0].created;
  const final = events.find((e) => e.type !== 'DEFERRED');
  if (!final) return { status: 'PROCESSING', sendResult: null, message: null, startedAt, completedAt: null, eventId: null, eventCreated: null };
  const sent = final.type === 'SENT';
  return { status: 'COMPLETE', ...outcome(final), startedAt, completedAt: final.created, eventId: sent ? final.id : null, eventCreated: sent ? final.created : null };
}

/** Brings the status up to date with its delivery; answers the progress found (undefined: none yet). */
export async function syncStatus(db: Kysely<Schema>, target: StatusTarget): Promise<StatusProgress | undefined> {
  return (await syncStatuses(db, [target]))[0];
}

/** The same for several statuses, reading their deliveries' events at once. */
export async function syncStatuses(db: Kysely<Schema>, targets: StatusTarget[]): Promise<Array<StatusProgress | undefined>> {
  const events = await deliveryEvents(db, [...new Set(targets.map((t) => t.deliveryId))]);
  const found: Array<StatusProgress | undefined> = [];
  for (const target of targets) {
    const progress = progressOf(events.get(target.deliveryId) ?? []);
    if (progress) await advanceStatus(db, target, progress);
    found.push(progress);
  }
  return found;
}

/**
 * A status about to be read, brought up to date: its delivery's outcome, or (no attempt recorded yet)
 * whether a relay slot has it now. Answers whether anything was found to change it.
 */
export async function refreshStatus(db: Kysely<Schema>, target: StatusTarget, pending: boolean): Promise<boolean> {
  if (await syncStatus(db, target)) return true;
  const now = Date.now();
  if (!pending || !(await deliveryTaken(db, target.deliveryId, now))) return false;
  await advanceStatus(db, target, { status: 'PROCESSING', sendResult: null, message: null, startedAt: now, completedAt: null, eventId: null, eventCreated: null });
  return true;
}
