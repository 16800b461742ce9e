// Whose timeline a logged email goes on (docs/product.md §6; HubSpot's knowledge base on never-log lists and contact logging rules). Pure: the caller brings the
// lists and looks the contacts up.
import type { SkipReason } from '../../shared/api.js';
import { domainOf, isAddress, normalizeAddress, onNeverLogList } from '../../shared/addresses.js';

export interface RecipientRules {
  /** The signed-in user's own address. */
  userAddress: string;
  /** The user's never-log list and the account's, together. */
  neverLog: readonly string[];
}

export interface Participants {
  /** Lower-cased, de-duplicated addresses whose contacts get the email, in the order given. */
  log: string[];
  skipped: Array<{ address: string; reason: SkipReason }>;
  /** The email was sent to the user (a reply being logged), so its sender is a participant. */
  received: boolean;
}

type Envelope = { from: string; to: string[]; cc: string[]; bcc: string[] };

/**
 * Mail the user sent is logged for its recipients, except internal ones: the sender's domain and the
 * user's own domain. Mail the user received (their address among the recipients, from someone else)
 * is logged for its sender and the other recipients; only the user's domain is internal then.
 * Never-log entries win over everything, and a malformed address is skipped, never fatal.
 */
export function participants(email: Envelope, rules: RecipientRules): Participants {
  const user = normalizeAddress(rules.userAddress);
  const from = normalizeAddress(email.from);
  const recipients = [...email.to, ...email.cc, ...email.bcc];
  const received = from !== user && recipients.some((a) => normalizeAddress(a) === user);
  const own = new Set([domainOf(user), ...(received ? [] : [domainOf(from)])]);
  const out: Participants = { log: [], skipped: [], received };
  const seen = new Set<string>();
  for (const given of received ? [from, ...recipients] : recipients) {
    const address = normalizeAddress(given);
    if (!address || seen.has(address)) continue;
    seen.add(address);
    if (!isAddress(address)) out.skipped.push({ address: given.trim().slice(0, 320), reason: 'INVALID_ADDRESS' });
    else if (onNeverLogList(address, rules.neverLog)) out.skipped.push({ address, reason: 'NEVER_LOG' });
    else if (own.has(domainOf(address))) out.skipped.push({ address, reason: 'OWN_DOMAIN' });
    else out.log.push(address);
  }
  return out;
}
