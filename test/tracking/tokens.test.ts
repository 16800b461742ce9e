// Tracking tokens: what verifies and what never does.
import { describe, expect, it } from 'vitest';
import { TrackingSigner, type TokenClaim } from '../../src/server/tracking/tokens.js';

const OLD = { id: 'old', secret: 'o'.repeat(40) };
const NEW = { id: 'new', secret: 'n'.repeat(40) };
const click: TokenClaim = { k: 'c', r: { d: 'delivery1' }, i: 2, u: 'https://acme.test/a?x=1&y=2' };

describe('tracking tokens', () => {
  it('round-trips every kind of claim', () => {
    const s = new TrackingSigner([NEW]);
    for (const claim of [click, { k: 'o', r: { t: 'tracked1' } }, { k: 'h', r: { d: 'd2' } }] as TokenClaim[]) {
      const token = s.sign(claim);
      expect(token).toMatch(/^new\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      expect(s.verify(token)).toEqual(claim);
    }
  });

  it('rotates keys: the newest signs, every configured key verifies', () => {
    const before = new TrackingSigner([OLD]).sign(click);
    const rotated = new TrackingSigner([NEW, OLD]);
    expect(rotated.verify(before)).toEqual(click);
    expect(rotated.sign(click).startsWith('new.')).toBe(true);
    // Once the old key is retired, its tokens stop verifying.
    expect(new TrackingSigner([NEW]).verify(before)).toBeUndefined();
  });

  it('refuses tampered, truncated, re-signed and foreign tokens', () => {
    const s = new TrackingSigner([NEW]);
    const token = s.sign(click);
    const [kid, payload, sig] = token.split('.');
    const evil = Buffer.from(JSON.stringify({ ...click, u: 'https://evil.test/' })).toString('base64url');
    const cases = [
      `${kid}.${evil}.${sig}`, // destination swapped
      `${kid}.${payload}.${sig.slice(0, -2)}`, // truncated signature
      token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), // one character changed
      `${kid}.${payload}`, // no signature
      new TrackingSigner([{ id: 'new', secret: 'x'.repeat(40) }]).sign(click), // same key id, other secret
      new TrackingSigner([{ id: 'zzz', secret: 'n'.repeat(40) }]).sign(click), // unknown key id
      '',
      'a.b.c',
      'x'.repeat(10_000),
    ];
    for (const t of cases) expect(s.verify(t), t.slice(0, 60)).toBeUndefined();
  });

  it('refuses a signed payload that is not a claim (never a redirect to javascript:)', () => {
    const s = new TrackingSigner([NEW]);
    const forge = (payload: unknown) => {
      const body = `new.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      // Sign it the way the signer does, to prove the shape check (not only the MAC) protects us.
      const token = (s as unknown as { mac(k: Buffer, b: string): Buffer }).mac(Buffer.from(NEW.secret), body).toString('base64url');
      return `${body}.${token}`;
    };
    expect(s.verify(forge({ k: 'c', r: { d: 'x' }, i: 0, u: 'javascript:alert(1)' }))).toBeUndefined();
    expect(s.verify(forge({ k: 'c', r: {}, i: 0, u: 'https://a.test' }))).toBeUndefined();
    expect(s.verify(forge({ k: 'z', r: { d: 'x' } }))).toBeUndefined();
  });
});
