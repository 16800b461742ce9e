// Web Push to the web app's service worker (/app/sw.js): each new notification is pushed to the user's
// subscriptions; subscriptions the push service says are gone are removed.
import type { Kysely } from 'kysely';
import webpush from 'web-push';
import type { Schema } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { pushSubscriptionsOf, removePushSubscription } from '../store/push-subscriptions.js';
import type { StoredNotification } from '../store/notifications.js';
import type { VapidKeys } from './vapid.js';

export class PushSender {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly keys: VapidKeys,
    private readonly logger: Logger,
  ) {}

  async send(items: StoredNotification[]): Promise<void> {
    // One lookup per user of the batch, not per notification: a batch of stored hits can hold hundreds
    // of one rep's notifications, and most users have no subscription at all.
    for (const userId of new Set(items.map((i) => i.userId))) {
      const subs = await pushSubscriptionsOf(this.db, userId);
      for (const item of subs.length ? items.filter((i) => i.userId === userId) : []) {
        const { userId: _u, seq: _s, ...payload } = item;
        await Promise.all(subs.map((s) => this.one(s, JSON.stringify(payload))));
      }
    }
  }

  private async one(s: { user_id: string; endpoint: string; p256dh: string; auth: string }, payload: string) {
    try {
      await webpush.sendNotification({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, payload, {
        vapidDetails: { subject: 'mailto:notifications@mailbeacon.invalid', publicKey: this.keys.publicKey, privateKey: this.keys.privateKey },
        TTL: 3600,
        timeout: 5000,
      });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) await removePushSubscription(this.db, s.user_id, s.endpoint);
      else this.logger.warn({ status, err: (err as Error).message }, 'web push failed');
    }
  }
}
