// The user's blocked IPs (docs/product.md §6): single IPv4/IPv6 addresses or CIDR ranges.
import net from 'node:net';

/** `a.b.c.d`, an IPv6 address, or either with `/prefix`; answers the family or 0 when not one. */
function familyOf(entry: string): 4 | 6 | 0 {
  const [address, prefix, more] = entry.split('/');
  const family = net.isIP(address);
  if (!family || more !== undefined) return 0;
  if (prefix === undefined) return family as 4 | 6;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return 0;
  return family as 4 | 6;
}

export const isIpOrRange = (entry: string) => familyOf(entry.trim()) !== 0;

/** Trims, validates and de-duplicates; answers the index of the first bad entry. */
export function cleanBlockedIps(list: readonly string[]): { list: string[] } | { badIndex: number } {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i].trim().toLowerCase();
    if (!isIpOrRange(e)) return { badIndex: i };
    if (!out.includes(e)) out.push(e);
  }
  return { list: out };
}

/** A matcher for hits: `blockListOf(settings.blockedIps).check(ip, 'ipv4' | 'ipv6')`. */
export function blockListOf(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const entry of entries) {
    const family = familyOf(entry);
    if (!family) continue; // stored lists are validated; an old bad entry must not break tracking
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const [address, prefix] = entry.split('/');
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}
