// The addresses of a single send: the recipient must be a real mailbox (not malformed, not a role
// address HubSpot refuses), the sender one parseable address.
import addressparser from 'nodemailer/lib/addressparser';
import { isAddress } from '../../shared/addresses.js';

// HubSpot answers INVALID_TO_ADDRESS for these local parts (the sendResult list of HubSpot's single-send API documentation).
const ROLE_LOCAL_PARTS = new Set([
  'abuse',
  'no-reply',
  'noreply',
  'root',
  'spam',
  'security',
  'undisclosed-recipients',
  'unsubscribe',
  'inoc',
  'postmaster',
  'privacy',
]);

export type ToCheck = { ok: true; address: string } | { ok: false; reason: string };

/** The recipient, lower-cased, or why it is refused. */
export function checkTo(to: string): ToCheck {
  const address = to.trim().toLowerCase();
  if (!isAddress(address)) return { ok: false, reason: `"${to}" is not a valid email address.` };
  const local = address.slice(0, address.lastIndexOf('@'));
  if (ROLE_LOCAL_PARTS.has(local) || ROLE_LOCAL_PARTS.has(local.split('+')[0])) {
    return { ok: false, reason: `${address} is a role address (${local}@); transactional email is not sent to role addresses.` };
  }
  return { ok: true, address };
}

export interface Sender {
  name: string;
  address: string;
}

/** `Name <address>` or a bare address; undefined unless it is exactly one valid address. */
export function parseSender(from: string): Sender | undefined {
  const parsed = addressparser(from, { flatten: true });
  if (parsed.length !== 1 || !parsed[0].address || !isAddress(parsed[0].address)) return undefined;
  return { name: parsed[0].name ?? '', address: parsed[0].address };
}

/** The entries of a cc/bcc/replyTo list (each `Name <address>` or an address), or the index of the first bad one. */
export function addressList(list: string[]): { ok: true; entries: Sender[] } | { ok: false; index: number } {
  const entries: Sender[] = [];
  for (const [index, entry] of list.entries()) {
    const parsed = parseSender(entry);
    if (!parsed) return { ok: false, index };
    entries.push({ name: parsed.name, address: parsed.address.toLowerCase() });
  }
  return { ok: true, entries };
}
