// "just now", "3 min ago", "2 days ago": how the feed and the cards say when.

export function relativeTime(at: string | Date, now: Date = new Date()): string {
  const then = typeof at === 'string' ? new Date(at) : at;
  const s = Math.round((now.getTime() - then.getTime()) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return h === 1 ? '1 hour ago' : `${h} hours ago`;
  const d = Math.round(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 7) return `${d} days ago`;
  const sameYear = then.getFullYear() === now.getFullYear();
  return then.toLocaleDateString('en-US', { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) });
}
