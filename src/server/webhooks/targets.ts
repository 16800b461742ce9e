// Where webhooks and channel posts may go (docs/product.md, Webhooks): never to this machine, a
// private network, link-local or cloud-metadata addresses — checked on the addresses a name resolves
// to, when the URL is saved and again on every connection (a name may resolve elsewhere later) —
// unless WEBHOOK_ALLOW_PRIVATE=true (development, tests). Redirects are never followed.
import dns from 'node:dns';
import net from 'node:net';
import { invalid } from '../errors.js';
import { compileRanges, firstMatch, parseAddress } from '../../shared/ip-ranges.js';

const BLOCKED = compileRanges(
  [
    ['0.0.0.0/8', 'this network'],
    ['10.0.0.0/8', 'a private network'],
    ['100.64.0.0/10', 'carrier-grade NAT (also some cloud metadata)'],
    ['127.0.0.0/8', 'loopback'],
    ['169.254.0.0/16', 'link-local (cloud metadata)'],
    ['172.16.0.0/12', 'a private network'],
    ['192.0.0.0/24', 'IETF protocol assignments'],
    ['192.168.0.0/16', 'a private network'],
    ['198.18.0.0/15', 'benchmarking'],
    ['224.0.0.0/4', 'multicast'],
    ['240.0.0.0/4', 'reserved'],
    ['::/128', 'unspecified'],
    ['::1/128', 'loopback'],
    ['64:ff9b::/96', 'NAT64 (reaches IPv4 addresses)'],
    ['fc00::/7', 'a private network (also cloud metadata)'],
    ['fe80::/10', 'link-local'],
    ['ff00::/8', 'multicast'],
  ].map(([cidr, what]) => ({ cidr, what })),
);

/** Why an address may not be a target, or undefined when it may. IPv4-mapped IPv6 counts as IPv4. */
export function blockedReason(address: string): string | undefined {
  const a = parseAddress(address);
  if (!a) return 'not an IP address';
  return firstMatch(BLOCKED, a)?.what;
}

export interface TargetRules {
  allowPrivate: boolean;
  /** DNS servers to ask instead of the system resolver (WEBHOOK_DNS_SERVERS). */
  dnsServers?: string[];
}

/** Every address the host resolves to (the host itself when it is an address). */
export async function resolveHost(host: string, rules: TargetRules): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (net.isIP(bare)) return [bare];
  if (rules.dnsServers?.length) {
    const resolver = new dns.promises.Resolver({ timeout: 3000, tries: 2 });
    resolver.setServers(rules.dnsServers);
    const found = await Promise.allSettled([resolver.resolve4(bare), resolver.resolve6(bare)]);
    return found.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  }
  try {
    return (await dns.promises.lookup(bare, { all: true, verbatim: true })).map((r) => r.address);
  } catch {
    return [];
  }
}

/**
 * Checks a target URL as given by a user; throws a 400 naming `field` and what to do, else answers
 * the URL normalized. `https` may be required (Slack and Teams give only https URLs).
 */
export async function checkTarget(raw: string, field: string, rules: TargetRules & { requireHttps?: boolean }): Promise<string> {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw invalid(`${field} is not a URL; give the full address, such as https://hooks.example.com/mailbeacon.`, field);
  }
  const schemes = rules.requireHttps && !rules.allowPrivate ? ['https:'] : ['https:', 'http:'];
  if (!schemes.includes(u.protocol)) throw invalid(`${field} must start with ${schemes.map((s) => s + '//').join(' or ')}.`, field);
  if (u.hash) throw invalid(`${field} must not have a #fragment; remove it.`, field);
  if (!rules.allowPrivate) {
    const addresses = await resolveHost(u.hostname, rules);
    if (!addresses.length) throw invalid(`${field}: the host ${u.hostname} does not resolve; check the spelling.`, field);
    for (const address of addresses) {
      const why = blockedReason(address);
      if (why) throw invalid(`${field}: ${u.hostname} resolves to ${address} (${why}); webhooks only go to public addresses.`, field);
    }
  }
  return u.toString();
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void;

/**
 * A `lookup` for sockets (undici's connect options): resolves like `resolveHost` and refuses a
 * blocked address at connection time, so a name that changed since it was checked cannot reach one.
 */
export function guardedLookup(rules: TargetRules) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    resolveHost(hostname, rules).then(
      (addresses) => {
        const allowed = rules.allowPrivate ? addresses : addresses.filter((a) => !blockedReason(a));
        if (!allowed.length) {
          const err: NodeJS.ErrnoException = new Error(addresses.length ? `${hostname} resolves only to addresses webhooks may not reach` : `${hostname} does not resolve`);
          err.code = addresses.length ? 'EBLOCKED' : 'ENOTFOUND';
          return callback(err, '');
        }
        const list = allowed.map((address) => ({ address, family: net.isIP(address) }));
        if (options.all) callback(null, list);
        else callback(null, list[0].address, list[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
