// A send status as HubSpot's `EmailSendStatusView`.
import type { SendResult, SendStatusView } from '../../shared/hubspot.js';
import type { SendStatusRow } from '../store/send-statuses.js';

/**
 * A claim whose email never reached the queue (the process stopped in between) is not coming: after
 * this long it reads as CANCELED. Its sendId stays used, so nothing can be sent twice.
 */
export const ABANDONED_AFTER_MS = 15 * 60_000;

const iso = (ms: number | null) => (ms === null ? undefined : new Date(Number(ms)).toISOString());

export function statusView(row: SendStatusRow, now = Date.now()): SendStatusView {
  const abandoned = row.status === 'PENDING' && row.queued && row.message_id === null && now - Number(row.requested_at) > ABANDONED_AFTER_MS;
  if (abandoned) {
    return {
      statusId: row.id,
      status: 'CANCELED',
      requestedAt: iso(row.requested_at)!,
      message: 'The server stopped before this email was queued; nothing was sent. Send it again with a new sendId.',
    };
  }
  return {
    statusId: row.id,
    status: row.status,
    ...(row.send_result ? { sendResult: row.send_result as SendResult } : {}),
    requestedAt: iso(row.requested_at)!,
    ...(row.started_at !== null ? { startedAt: iso(row.started_at) } : {}),
    ...(row.completed_at !== null ? { completedAt: iso(row.completed_at) } : {}),
    ...(row.event_id ? { eventId: { id: row.event_id, created: iso(row.event_created)! } } : {}),
    ...(row.message ? { message: row.message } : {}),
  };
}
