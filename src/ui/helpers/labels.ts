// Words for backend values: verdict chips, feed lines, timeline entries (docs/product.md §7).
import type { EngagementEvent, NotificationItem, TimelineEntry, TrackedEmailView, Verdict } from '../../shared/api.js';

export const VERDICT_LABEL: Record<Verdict, string> = {
  HUMAN: 'Person',
  MAIL_PROXY: 'Gmail proxy',
  PRIVACY_PREFETCH: 'Apple privacy — not counted',
  SCANNER: 'Security scanner — not counted',
  BOT: 'Bot — not counted',
  SELF: 'You — not counted',
};

const times = (n: number, one: string, many: string) => (n === 1 ? one : `${n} ${many}`);

/** "Tracked · opened 3 times · clicked 1 link" */
export function trackedHeadline(v: Pick<TrackedEmailView, 'opens' | 'clicks' | 'replies'>): string {
  const opened = v.opens === 0 ? 'not opened yet' : `opened ${times(v.opens, 'once', 'times')}`;
  const clicked = v.clicks === 0 ? null : `clicked ${v.clicks} ${v.clicks === 1 ? 'link' : 'links'}`;
  const replied = v.replies ? `${v.replies} ${v.replies === 1 ? 'reply' : 'replies'}` : null;
  return ['Tracked', opened, clicked, replied].filter(Boolean).join(' · ');
}

/** A URL without its scheme and trailing slash, the way the feed shows it. */
export const shortUrl = (url: string) => url.replace(/^https?:\/\//i, '').replace(/\/$/, '');

/** "Ann Lee opened" + subject, or "Someone clicked acme.test/pricing in" + subject. */
export function feedLine(n: Pick<NotificationItem, 'who' | 'url' | 'subject'> & { type: NotificationItem['type'] | 'REPLY' }): { lead: string; subject: string } {
  const who = n.who || 'Someone';
  if (n.type === 'REPLY') return { lead: `${who} replied to`, subject: n.subject };
  if (n.type === 'CLICK') return { lead: `${who} clicked ${n.url ? shortUrl(n.url) : 'a link'} in`, subject: n.subject };
  if (n.type === 'REMINDER') return { lead: `No reply yet from ${who}: follow up on`, subject: n.subject };
  return { lead: `${who} opened`, subject: n.subject };
}

export function eventLine(e: EngagementEvent): string {
  if (e.type === 'REPLY') return `${e.who} replied`;
  const what = e.type === 'CLICK' ? `clicked ${e.url ? shortUrl(e.url) : 'a link'}` : 'opened';
  const why = e.reasons.some((r) => /reply/.test(r)) ? ' (inferred from a reply)' : ' (inferred from a click)';
  return `${e.who} ${what}${e.inferred ? why : ''}`;
}

export function timelineLine(t: TimelineEntry): string {
  const subject = t.subject ?? '(no subject)';
  switch (t.type) {
    case 'LOGGED_EMAIL':
      return `Email logged: ${subject}`;
    case 'SENT_EMAIL':
      return `Sent ${subject}${t.send?.status ? ` (${t.send.status.toLowerCase()})` : ''}`;
    case 'OPEN':
      return `Opened ${subject}`;
    case 'CLICK':
      return `Clicked ${t.engagement?.url ? shortUrl(t.engagement.url) : 'a link'} in ${subject}`;
    case 'REPLY':
      return `Replied to ${subject}`;
  }
}

/** "Logged to Ann Lee and 2 others" */
export function loggedTo(contacts: Array<{ name: string | null; email: string }>): string {
  if (contacts.length === 0) return 'Not logged: every recipient is internal or on a never-log list.';
  const first = contacts[0].name || contacts[0].email;
  const rest = contacts.length - 1;
  return `Logged to ${first}${rest === 0 ? '' : ` and ${rest} ${rest === 1 ? 'other' : 'others'}`}`;
}
