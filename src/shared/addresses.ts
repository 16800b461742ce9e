// Email addresses and domains, the one rule for every side: a plain `local@domain.tld` (no display
// names, quotes, brackets or comments), compared trimmed and lower-cased. The SMTP API's envelope
// addresses, single send's recipients, logging and its never-log lists, the CLI and the add-in's
// Settings all use it, so an address one part accepts is never refused by another.

const ADDRESS = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export const MAX_ADDRESS = 254;

export const normalizeAddress = (address: string) => address.trim().toLowerCase();

/** True for a plain address, compared lower-cased. */
export function isAddress(address: string): boolean {
  const a = normalizeAddress(address);
  return a.length <= MAX_ADDRESS && ADDRESS.test(a);
}

/** True for a host name with at least two labels (`acme.com`, `mail.acme.co.uk`). */
export function isDomain(domain: string): boolean {
  const d = domain.trim().toLowerCase();
  return d.length <= 253 && DOMAIN.test(d);
}

export function domainOf(address: string): string {
  const a = normalizeAddress(address);
  return a.slice(a.lastIndexOf('@') + 1);
}

/** A never-log entry as stored: lower-cased, without a leading `@` (`@acme.com` means the domain). */
export const normalizeNeverLogEntry = (entry: string) => entry.trim().toLowerCase().replace(/^@/, '');

export const isNeverLogEntry = (entry: string) => {
  const e = normalizeNeverLogEntry(entry);
  return isAddress(e) || isDomain(e);
};

/**
 * True when the address, or its domain, is on the list. A domain entry also covers its subdomains
 * (`acme.com` covers `eu.acme.com`). The add-in's recipient preview and the server's logging both ask this.
 */
export function onNeverLogList(address: string, list: readonly string[]): boolean {
  const a = normalizeAddress(address);
  const domain = domainOf(a);
  return list.some((entry) => {
    const e = normalizeNeverLogEntry(entry);
    if (!e) return false;
    return e.includes('@') ? e === a : domain === e || domain.endsWith('.' + e);
  });
}

/** Normalizes, validates and de-duplicates a never-log list; answers the index of the first bad entry. */
export function cleanNeverLog(list: readonly string[]): { list: string[] } | { badIndex: number } {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    if (!isNeverLogEntry(list[i])) return { badIndex: i };
    const e = normalizeNeverLogEntry(list[i]);
    if (!out.includes(e)) out.push(e);
  }
  return { list: out };
}
