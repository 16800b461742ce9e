// Address-range matching used by the classifier (blocked IPs, sender IPs, known networks).
import { describe, expect, it } from 'vitest';
import { compileRanges, firstMatch, parseAddress } from '../../src/shared/ip-ranges.js';

const ranges = compileRanges([
  { cidr: '203.0.113.0/24', name: 'doc-v4' },
  { cidr: '2a01:111::/32', name: 'microsoft-v6' },
  { cidr: '64:ff9b::/96', name: 'nat64' },
  { cidr: '198.51.100.7', name: 'single' },
  { cidr: '::ffff:192.0.2.0/120', name: 'mapped' },
  { cidr: 'not a range', name: 'ignored' },
]);
const match = (ip: string) => firstMatch(ranges, parseAddress(ip))?.name;

describe('address ranges', () => {
  it.each([
    ['203.0.113.9', 'doc-v4'],
    ['203.0.114.1', undefined],
    ['::ffff:203.0.113.200', 'doc-v4'],
    ['2a01:111:f400::1', 'microsoft-v6'],
    ['2a01:0111:0000:0000:0000:0000:0000:0001', 'microsoft-v6'],
    ['2a01:112::1', undefined],
    ['64:ff9b::1.2.3.4', 'nat64'],
    ['64:ff9b::1:1.2.3.4', undefined],
    ['198.51.100.7', 'single'],
    ['198.51.100.8', undefined],
    ['192.0.2.77', 'mapped'],
    ['fd00::2', undefined],
    ['garbage', undefined],
  ])('%s → %s', (ip, name) => {
    expect(match(ip)).toBe(name);
  });
});
