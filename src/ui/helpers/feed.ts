// The activity feed's list: history and live events merged by id, newest first, bounded; what the
// filters let through; the day a line falls under.
import type { NotificationItem, Verdict } from '../../shared/api.js';

export const FEED_LIMIT = 200;

/** A notification, or (in the web app) any event of the person's mail with its verdict. */
export type FeedItem = Omit<NotificationItem, 'type'> & { type: NotificationItem['type'] | 'REPLY'; verdict?: Verdict; counted?: boolean; reasons?: string[] };

export function mergeFeed<T extends FeedItem>(current: T[], incoming: T[]): T[] {
  const byId = new Map(current.map((n) => [n.id, n]));
  for (const n of incoming) byId.set(n.id, n);
  return [...byId.values()].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, FEED_LIMIT);
}

export type FeedFilter = { opens: boolean; clicks: boolean; replies: boolean; filtered: boolean };

/** Items of the kinds switched on; events that were not counted (scanners, bots, self) only with `filtered`. */
export const filterFeed = <T extends FeedItem>(items: T[], f: Partial<FeedFilter>) =>
  items.filter((n) => (n.counted === false ? !!f.filtered : true) && (n.type === 'OPEN' ? f.opens !== false : n.type === 'CLICK' ? f.clicks !== false : f.replies !== false));

/** "Today", "Yesterday", or the date, in the reader's time zone. */
export function dayLabel(at: string, now: Date = new Date()): string {
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const then = new Date(at);
  const diff = Math.round((day(now) - day(then)) / 86_400_000);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Yesterday';
  return then.toLocaleDateString('en-US', { weekday: 'long', month: 'short', day: 'numeric', ...(then.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }) });
}
