// IP addresses and CIDR ranges, the one implementation for every side: the classifier's known ranges
// and the user's blocked IPs on the server, and the Settings list's check in the add-in. Pure string
// and bigint work (no Node built-ins), so the add-in bundles it as it is.

export interface Address { address: string; family: 'ipv4' | 'ipv6' }

const V4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** 4 or 6 for a dotted-quad IPv4 (no leading zeros) or an IPv6 address (RFC 4291 §2.2 text forms), else 0. */
export function ipFamily(text: string): 4 | 6 | 0 {
  if (V4.test(text)) return 4;
  return isIpv6(text) ? 6 : 0;
}

function isIpv6(text: string): boolean {
  if (!text.includes(':')) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string) => (half ? half.split(':') : []);
  const all = [...groups(halves[0]), ...(halves.length === 2 ? groups(halves[1]) : [])];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!V4.test(last)) return false; // an embedded IPv4 tail stands for two groups
    all.pop();
    count++;
  }
  if (!all.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** A client address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`, `::ffff:102:304`) becomes IPv4. Zone ids are dropped. */
export function parseAddress(raw: string | undefined): Address | undefined {
  const text = (raw ?? '').trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^(?:(?:0{1,4}:){5}|::)ffff:(.+)$/i.exec(text)?.[1];
  if (mapped !== undefined) return parseAddress(mappedToV4(mapped));
  const v = ipFamily(text);
  if (v === 4) return { address: text, family: 'ipv4' };
  if (v === 6) return { address: text.toLowerCase(), family: 'ipv6' };
  return undefined;
}

function mappedToV4(tail: string): string {
  if (ipFamily(tail) === 4) return tail;
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!m) return tail;
  const [hi, lo] = [parseInt(m[1], 16), parseInt(m[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** "203.0.113.0/24", "2001:db8::/32" or a single address; undefined when unusable. Lenient: ranges we ship. */
export function parseCidr(entry: string): { base: Address; prefix: number } | undefined {
  const [addr, bits] = entry.trim().split('/');
  const base = parseAddress(addr);
  if (!base) return undefined;
  const max = base.family === 'ipv4' ? 32 : 128;
  let prefix = bits === undefined ? max : Number(bits);
  // An IPv4-mapped IPv6 prefix (::ffff:203.0.113.0/120) covers IPv4 /24.
  if (base.family === 'ipv4' && /:/.test(addr ?? '') && bits !== undefined) prefix -= 96;
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= max ? { base, prefix } : undefined;
}

/** Strict, for what people type: `a.b.c.d`, an IPv6 address, or either with a `/prefix` in range. */
export function isIpOrRange(entry: string): boolean {
  const [address, prefix, more] = entry.trim().split('/');
  const family = ipFamily(address.replace(/%.*$/, ''));
  if (!family || more !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** Trims, lower-cases, validates and de-duplicates a blocked-IP list; answers the index of the first bad entry. */
export function cleanBlockedIps(list: readonly string[]): { list: string[] } | { badIndex: number } {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i].trim().toLowerCase();
    if (!isIpOrRange(e)) return { badIndex: i };
    if (!out.includes(e)) out.push(e);
  }
  return { list: out };
}

/** An address as one number (IPv4 in 32 bits, IPv6 in 128), so a range test is a mask and a compare. */
function toBig(a: Address): bigint {
  if (a.family === 'ipv4') return a.address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
  let text = a.address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text); // an embedded IPv4 tail is two groups
  if (v4) {
    const [p, q, r, t] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((p << 8) | q).toString(16)}:${((r << 8) | t).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16) || 0), 0n);
}

export interface CompiledRange<T> {
  entry: T;
  family: Address['family'];
  base: bigint;
  mask: bigint;
}

/** Each entry keeps its own range, so a match can name the entry that matched. */
export function compileRanges<T extends { cidr: string }>(entries: readonly T[]): Array<CompiledRange<T>> {
  const out: Array<CompiledRange<T>> = [];
  for (const entry of entries) {
    const c = parseCidr(entry.cidr);
    if (!c) continue; // stored lists are validated; an old bad entry must not break tracking
    const bits = c.base.family === 'ipv4' ? 32n : 128n;
    const mask = ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(c.prefix))) - 1n);
    out.push({ entry, family: c.base.family, base: toBig(c.base) & mask, mask });
  }
  return out;
}

export function firstMatch<T>(compiled: ReadonlyArray<CompiledRange<T>>, addr: Address | undefined): T | undefined {
  if (!addr || !compiled.length) return undefined;
  const n = toBig(addr);
  return compiled.find((c) => c.family === addr.family && (n & c.mask) === c.base)?.entry;
}

/**
 * The address a throttle counts a client under: IPv4 as it is, IPv6 by its /64 — one subscriber's
 * usual allocation, whose 2^64 addresses would otherwise each start from zero. Not an IP: as given.
 */
export function throttleAddress(raw: string): string {
  const a = parseAddress(raw);
  if (!a) return raw.toLowerCase();
  if (a.family === 'ipv4') return a.address;
  const prefix = toBig(a) >> 64n;
  return `${[48n, 32n, 16n, 0n].map((shift) => ((prefix >> shift) & 0xffffn).toString(16)).join(':')}::/64`;
}

/** This machine: 127.0.0.0/8 (also IPv4-mapped) or ::1. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/** "17.58.x" / "2a01:111:x": enough to show the range without storing a person's address. */
export function maskAddress(addr: Address): string {
  return addr.family === 'ipv4'
    ? `${addr.address.split('.').slice(0, 2).join('.')}.x`
    : `${addr.address.split(':').slice(0, 2).join(':')}:x`;
}
