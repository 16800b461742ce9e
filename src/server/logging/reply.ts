// A logged reply to a tracked email proves the recipient read it (HubSpot infers an open from a reply too: knowledge base, "email tracking"; docs/product.md §5): which tracked email
// and which recipient, if any. Pure; the store finds the candidates.
import { normalizeAddress } from '../../shared/addresses.js';

export interface TrackedCandidate {
  id: string;
  internetMessageId: string | null;
  /** Every address the tracked email went to (to, cc and bcc). */
  recipients: string[];
}

export interface ReplyTarget {
  trackedEmailId: string;
  recipient: string;
}

/** The add-in's own Message-ID for mail it tracked or logged (src/addin/helpers/ids.ts). */
export const syntheticMessageId = (trackingId: string) => `<${trackingId}@mailbeacon>`;

/** The `<id>` tokens of an In-Reply-To value; a bare id is taken as one. */
export function messageIds(value: string | undefined): string[] {
  if (!value?.trim()) return [];
  const tokens = value.match(/<[^<>\s]+>/g);
  return tokens ?? [`<${value.trim().replace(/^<|>$/g, '')}>`];
}

/** Tracking ids named by `<trackingId@mailbeacon>` tokens. */
export const trackingIdsIn = (ids: string[]) => ids.map((id) => /^<([^@<>]+)@mailbeacon>$/.exec(id)?.[1]).filter((id): id is string => !!id);

const bracketed = (id: string) => `<${id.trim().replace(/^<|>$/g, '')}>`;

/**
 * The tracked email this email replies to, when its In-Reply-To names one (by its Message-ID or the
 * add-in's synthetic one) and it comes from one of that email's recipients; else null.
 */
export function replyTarget(email: { from: string; inReplyTo?: string }, candidates: TrackedCandidate[]): ReplyTarget | null {
  const ids = new Set(messageIds(email.inReplyTo));
  if (!ids.size) return null;
  const from = normalizeAddress(email.from);
  for (const c of candidates) {
    const named = ids.has(syntheticMessageId(c.id)) || (c.internetMessageId !== null && ids.has(bracketed(c.internetMessageId)));
    if (named && c.recipients.some((r) => normalizeAddress(r) === from)) return { trackedEmailId: c.id, recipient: from };
  }
  return null;
}
