// Tracking tokens: self-contained and HMAC-signed with a key id, so verifying needs no database
// read, links survive data deletion, keys rotate (the newest signs, all verify) and nothing can be
// forged — a tampered, truncated or foreign token verifies as nothing.
//   <kid>.<base64url(JSON payload)>.<base64url(first 16 bytes of HMAC-SHA256(secret, kid.payload))>
import crypto from 'node:crypto';
import type { TrackingKey } from '../config.js';

/** Whose mail a hit belongs to: a queued delivery (one recipient) or an add-in tracked email. */
export type MailRef = { d: string } | { t: string };

export type TokenClaim =
  | { k: 'o'; r: MailRef }
  | { k: 'c'; r: MailRef; i: number; u: string }
  | { k: 'h'; r: MailRef };

const SIG_BYTES = 16;
const MAX_TOKEN = 8192;

export class TrackingSigner {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: TrackingKey[]) {
    if (!keys.length) throw new Error('at least one tracking key is needed');
    this.byId = new Map(keys.map((k) => [k.id, Buffer.from(k.secret)]));
  }

  sign(claim: TokenClaim): string {
    const key = this.keys[0];
    const body = `${key.id}.${Buffer.from(JSON.stringify(claim)).toString('base64url')}`;
    return `${body}.${this.mac(this.byId.get(key.id)!, body).toString('base64url')}`;
  }

  /** The claim of a token we signed with any known key; undefined for anything else. */
  verify(token: string): TokenClaim | undefined {
    if (token.length > MAX_TOKEN) return undefined;
    const last = token.lastIndexOf('.');
    const first = token.indexOf('.');
    if (first <= 0 || last <= first) return undefined;
    const secret = this.byId.get(token.slice(0, first));
    if (!secret) return undefined;
    const body = token.slice(0, last);
    // Compared as text: base64 has spare bits, and a token differing in them is not ours either.
    const given = Buffer.from(token.slice(last + 1));
    const expected = Buffer.from(this.mac(secret, body).toString('base64url'));
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
    try {
      return validClaim(JSON.parse(Buffer.from(body.slice(first + 1), 'base64url').toString('utf8')));
    } catch {
      return undefined;
    }
  }

  private mac(secret: Buffer, body: string): Buffer {
    return crypto.createHmac('sha256', secret).update(body).digest().subarray(0, SIG_BYTES);
  }
}

/** A signed payload is ours, but its shape is still checked before anyone relies on it. */
function validClaim(v: unknown): TokenClaim | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const c = v as Record<string, unknown>;
  const r = c.r as Record<string, unknown> | undefined;
  const ref = r && (typeof r.d === 'string' ? { d: r.d } : typeof r.t === 'string' ? { t: r.t } : undefined);
  if (!ref) return undefined;
  if (c.k === 'o' || c.k === 'h') return { k: c.k, r: ref };
  if (c.k === 'c' && typeof c.u === 'string' && /^https?:\/\//i.test(c.u) && Number.isInteger(c.i)) return { k: 'c', r: ref, i: c.i as number, u: c.u };
  return undefined;
}
