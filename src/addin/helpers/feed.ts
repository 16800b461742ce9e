// The activity feed's list: history and live events merged by id, newest first, bounded.
import type { NotificationItem } from '../../shared/api.js';

export const FEED_LIMIT = 200;

export function mergeFeed(current: NotificationItem[], incoming: NotificationItem[]): NotificationItem[] {
  const byId = new Map(current.map((n) => [n.id, n]));
  for (const n of incoming) byId.set(n.id, n);
  return [...byId.values()].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, FEED_LIMIT);
}

export type FeedFilter = { opens: boolean; clicks: boolean };

// Replies and reminders always show: they are what the rep acts on.
export const filterFeed = (items: NotificationItem[], f: FeedFilter) => items.filter((n) => (n.type === 'OPEN' ? f.opens : n.type === 'CLICK' ? f.clicks : true));
