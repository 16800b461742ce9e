// Web Push subscriptions: one row per (user, browser endpoint), made by the notifications page.
import type { Kysely, Selectable } from 'kysely';
import type { PushSubscriptionsTable, Schema } from '../db/schema.js';

export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>;

export async function pushSubscriptionsOf(db: Kysely<Schema>, userId: string): Promise<PushSubscriptionRow[]> {
  return db.selectFrom('push_subscriptions').selectAll().where('user_id', '=', userId).execute();
}

/** Saves a browser's subscription for the user; the same endpoint again updates its keys. */
export async function savePushSubscription(
  db: Kysely<Schema>,
  s: { accountId: string; userId: string; endpoint: string; p256dh: string; auth: string },
): Promise<void> {
  await db
    .insertInto('push_subscriptions')
    .values({ endpoint: s.endpoint, account_id: s.accountId, user_id: s.userId, p256dh: s.p256dh, auth: s.auth, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['user_id', 'endpoint']).doUpdateSet({ p256dh: s.p256dh, auth: s.auth }))
    .execute();
}

/** Forgets one of the user's subscriptions (the browser unsubscribed, or the push service says it is gone). */
export async function removePushSubscription(db: Kysely<Schema>, userId: string, endpoint: string): Promise<void> {
  await db.deleteFrom('push_subscriptions').where('user_id', '=', userId).where('endpoint', '=', endpoint).execute();
}
