// Which recipients Mailbeacon will log, before anything is sent (docs/product.md §7, "Recipients"): the user's
// never-log list wins, then the user's own domain, then the contact lookup.
import type { Contact } from '../../shared/api.js';
import { domainOf, onNeverLogList } from '../../shared/addresses.js';
import { relativeTime } from '../../ui/helpers/relative-time.js';

export type RecipientClass = 'never-log' | 'internal' | 'external';

export function classifyRecipient(address: string, opts: { neverLog: string[]; userAddress: string }): RecipientClass {
  if (onNeverLogList(address, opts.neverLog)) return 'never-log';
  if (opts.userAddress && domainOf(address) === domainOf(opts.userAddress)) return 'internal';
  return 'external';
}

/** The line under a recipient's name. */
export function recipientStatus(cls: RecipientClass, contact: Contact | null, now = new Date()): string {
  if (cls === 'never-log') return 'Not logged (never-log list)';
  if (cls === 'internal') return 'Internal — not logged';
  if (!contact) return 'New contact will be created';
  if (contact.lastActivity) return `${contact.lastActivity.summary} ${relativeTime(contact.lastActivity.at, now)}`;
  return 'Known contact · no activity yet';
}

/** Unique addresses, first occurrence wins, in To, Cc, Bcc order. */
export function uniqueRecipients<T extends { address: string }>(...lists: T[][]): T[] {
  const seen = new Set<string>();
  return lists.flat().filter((r) => {
    const key = r.address.toLowerCase();
    if (!r.address || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
