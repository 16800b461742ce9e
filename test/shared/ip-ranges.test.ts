// The shared IP parser (src/shared/ip-ranges.ts) has no Node built-ins so the add-in can bundle it; it
// must still agree with Node's own parser on every string, and the add-in's Settings check must accept
// exactly what the server stores.
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanBlockedIps, ipFamily, isIpOrRange, throttleAddress } from '../../src/shared/ip-ranges.js';
import { ipProblem } from '../../src/ui/helpers/settings-checks.js';

const hexGroup = fc.stringMatching(/^[0-9a-fA-F]{1,5}$/);
const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('01', '00', '255', ''));
const v4ish = fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.'));
const v6ish = fc
  .tuple(fc.array(hexGroup, { maxLength: 9 }), fc.boolean(), fc.array(hexGroup, { maxLength: 4 }), fc.option(v4ish))
  .map(([head, gap, tail, v4]) => [head.join(':'), gap ? '::' : head.length && tail.length ? ':' : '', tail.join(':'), v4 ? (tail.length || gap ? '' : ':') + v4 : ''].join(''));

describe('ipFamily', () => {
  it('agrees with node:net isIP on addresses, near-addresses and junk', () => {
    fc.assert(
      fc.property(fc.oneof(v4ish, v6ish, fc.string(), fc.constantFrom('::', '::1', '1::', '::ffff:1.2.3.4', '1:2:3:4:5:6:7::', '::1:2:3:4:5:6:7:8')), (s) => {
        expect(ipFamily(s)).toBe(net.isIP(s));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('blocked IPs', () => {
  it('the add-in accepts exactly the entries the server stores', () => {
    const entry = fc.oneof(v4ish, v6ish).chain((a) => fc.oneof(fc.constant(a), fc.integer({ min: 0, max: 140 }).map((p) => `${a}/${p}`)));
    fc.assert(
      fc.property(entry, (e) => {
        const stored = !('badIndex' in cleanBlockedIps([e]));
        expect(ipProblem(e) === null).toBe(stored);
        expect(isIpOrRange(e)).toBe(stored);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('throttleAddress', () => {
  it('counts IPv4 as it is and IPv6 by its /64, whatever the spelling', () => {
    expect(throttleAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    for (const a of ['2001:db8:0:0:1:2:3:4', '2001:DB8::abcd', '2001:0db8:0000:0000:ffff::1%eth0', '[2001:db8::9]']) expect(throttleAddress(a)).toBe('2001:db8:0:0::/64');
    expect(throttleAddress('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(throttleAddress('not an ip')).toBe('not an ip');
  });
});
