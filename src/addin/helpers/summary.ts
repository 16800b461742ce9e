// The line under the Log/Track switches (docs/product.md §7): what tracking will do to this email.
import type { LinkSkipReason, LinkSummary } from '../../shared/api.js';
import type { BodyType } from '../office/host.js';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const SKIP_WORDS: Partial<Record<LinkSkipReason, [string, string]>> = {
  TYPED_URL: ['typed URL', 'typed URLs'],
  OPT_OUT: ['opted-out link', 'opted-out links'],
  UNSURE: ['link', 'links'],
};

export interface SummaryInput {
  track: boolean;
  bodyType: BodyType;
  links: LinkSummary | null;
  recipientCount: number;
}

/** Lines to show, most important first. */
export function trackingSummary({ track, bodyType, links, recipientCount }: SummaryInput): string[] {
  if (!track) return ['Not tracked: no pixel, links left as they are.'];
  if (bodyType === 'text') return ['Plain-text email: opens and clicks cannot be tracked.'];
  const lines: string[] = [];
  if (links) {
    const parts = [links.tracked === 0 ? 'No links to track' : `${plural(links.tracked, 'link', 'links')} will be tracked`];
    const counts = new Map<LinkSkipReason, number>();
    for (const s of links.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
    for (const [reason, n] of counts) {
      const words = SKIP_WORDS[reason];
      if (words) parts.push(`${plural(n, ...words)} left as is`);
    }
    lines.push(parts.join(' · '));
  }
  if (recipientCount > 1) lines.push('Several recipients — opens will show as Someone.');
  return lines;
}
