// A sending domain belongs to one account (`mailbeacon domain add <domain> --account A`). Only that
// account's mail is signed with its DKIM key (queue/dkim.ts), and no other account may send mail
// From: it or any name below it — otherwise anyone with an SMTP token could send as ceo@acme.com and
// have it delivered signed d=acme.com. Checked on every send (SMTP envelope and header, single send);
// read from the database each time, so an added domain protects at once in every process.
import { domainToASCII } from 'node:url';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { addSendingDomain, getSendingDomain, ownedBelow, ownersOf, type SendingDomain } from '../store/sending-domains.js';
import { newDkimKey } from './dkim.js';

/** A domain as stored: lower-cased, no trailing dot, internationalised names in punycode (`xn--…`). */
export function normalizeDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  return domainToASCII(d) || d;
}

/** `a.b.acme.com` → [`a.b.acme.com`, `b.acme.com`, `acme.com`, `com`]. */
export function domainAndParents(domain: string): string[] {
  const labels = normalizeDomain(domain).split('.');
  return labels.map((_, i) => labels.slice(i).join('.')).filter(Boolean);
}

/**
 * The owned domain that keeps `accountId` from sending From: `domain`, or undefined when it may:
 * the domain and its parents are the account's own or nobody's.
 */
export async function foreignOwnedDomain(db: Kysely<Schema>, accountId: string, domain: string): Promise<string | undefined> {
  const owned = await ownersOf(db, domainAndParents(domain));
  return owned.find((d) => d.account_id !== null && d.account_id !== accountId)?.domain;
}

/** For `domain add`: another account's domain that is this one, a parent or a name below it. */
export async function conflictingDomain(db: Kysely<Schema>, accountId: string, domain: string): Promise<string | undefined> {
  const related = [...(await ownersOf(db, domainAndParents(domain))), ...(await ownedBelow(db, normalizeDomain(domain)))];
  return related.find((d) => d.account_id !== null && d.account_id !== accountId)?.domain;
}

const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const SELECTOR = /^[a-z0-9][a-z0-9-]{0,62}$/i;

/** The selector a new key gets unless one is given: one per year, so a yearly rotation needs no choice. */
export const defaultSelector = () => `mb${new Date().getFullYear()}`;

export type AddDomainOutcome =
  | { added: SendingDomain }
  /** The name or selector is not one (`field` says which). */
  | { invalid: string; field: 'domain' | 'selector' }
  /** Another account owns this domain, a parent or a name below it. */
  | { takenBy: string };

/**
 * Adds a sending domain to the account with a new DKIM key (or re-keys one it owns): what
 * `mailbeacon domain add` and `POST /api/v1/domains` both do. The caller announces `domains-changed`.
 */
export async function addDomain(db: Kysely<Schema>, accountId: string, name: string, selector = defaultSelector()): Promise<AddDomainOutcome> {
  const domain = normalizeDomain(name);
  if (!DOMAIN_NAME.test(domain)) return { invalid: `"${name}" is not a domain name (e.g. mail.example.com).`, field: 'domain' };
  if (!SELECTOR.test(selector)) return { invalid: 'The selector takes letters, digits and dashes (at most 63).', field: 'selector' };
  const taken = await conflictingDomain(db, accountId, domain);
  if (taken) return { takenBy: taken };
  const key = newDkimKey(domain, selector);
  const added = await addSendingDomain(db, { ...key, account_id: accountId });
  if (added.ownedBy) return { takenBy: domain };
  return { added: (await getSendingDomain(db, domain))! };
}
