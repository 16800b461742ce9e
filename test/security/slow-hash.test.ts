// SMTP passwords and web passwords are kept as scrypt hashes (docs/product.md §3, §10). The cost went up
// from N = 2^14 to 2^15 (so that the working area is mapped and unmapped for each hash rather than left in a
// malloc arena): hashes made before still verify, with the parameters they carry.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { slowHash, verifySlowHash } from '../../src/server/secrets.js';

/** A hash in the stored format, made with given parameters (as an earlier version made them). */
function hashWith(password: string, N: number): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password, salt, 32, { N, r: 8, p: 1 });
  return ['scrypt', N, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

describe('slow hashes', () => {
  it('hashes with scrypt N = 2^15, r = 8, p = 1 and a fresh salt, and verifies only the right password', async () => {
    const a = await slowHash('correct horse battery staple ✓');
    const b = await slowHash('correct horse battery staple ✓');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifySlowHash('correct horse battery staple ✓', a)).toBe(true);
    expect(await verifySlowHash('correct horse battery staple', a)).toBe(false);
    expect(await verifySlowHash('', a)).toBe(false);
  });

  it('still verifies a hash made with the earlier N = 2^14', async () => {
    const old = hashWith('an SMTP password of 2025', 16384);
    expect(await verifySlowHash('an SMTP password of 2025', old)).toBe(true);
    expect(await verifySlowHash('an SMTP password of 2026', old)).toBe(false);
  });

  it('answers every one of many checks made at once, each with its own result', async () => {
    const stored = await slowHash('pw-1');
    const checks = await Promise.all(['pw-1', 'pw-2', 'pw-1', 'x', 'pw-1'].map((p) => verifySlowHash(p, stored)));
    expect(checks).toEqual([true, false, true, false, true]);
  });

  it('refuses what is not one of its hashes', async () => {
    expect(await verifySlowHash('pw', 'bcrypt$2b$10$abc')).toBe(false);
    expect(await verifySlowHash('pw', '')).toBe(false);
  });
});
