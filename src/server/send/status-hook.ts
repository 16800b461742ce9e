// Once a single send's delivery is settled (or deferred), its send status moves on: PROCESSING while
// the relay retries, COMPLETE with the sendResult and the SENT event's id once it is done.
//
// The worker awaits this hook between the outcomes it commits, so the hook only notes the delivery
// and returns; the noted ones are brought up to date together, in one bookkeeping transaction.
// Losing that work (a crash) loses nothing: reading a status finds the outcome in the events.
import { bookkeeping, type Database } from '../db/index.js';
import type { OnSettled } from '../queue/worker.js';
import { statusIdOf } from './compose.js';
import { type StatusTarget, syncStatuses } from './progress.js';

export function sendStatusHook(database: Database): OnSettled {
  let noted: StatusTarget[] = [];
  let draining: Promise<void> | undefined;

  async function drain() {
    while (noted.length) {
      const batch = noted;
      noted = [];
      await bookkeeping(database, (trx) => syncStatuses(trx, batch)).catch(() => {});
    }
    draining = undefined;
  }

  return (delivery, _outcome, message) => {
    if (message.source !== 'API') return;
    const statusId = statusIdOf(message.message_id_header);
    if (!statusId) return;
    noted.push({ statusId, accountId: delivery.account_id, recipient: delivery.recipient, messageId: message.id, deliveryId: delivery.id });
    draining ??= drain();
  };
}
