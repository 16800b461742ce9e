// Generators for the parts of a URL: path parameters (ids that exist nowhere, oddly encoded) and
// query strings (known keys with hostile values, unknown keys, repeated keys, broken escapes).
import fc from 'fast-check';

/** Percent-encodes every byte outside RFC 3986's unreserved set (lone surrogates become U+FFFD first). */
export function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Already-encoded path or query fragments that decoders trip on. */
export const RAW_FRAGMENTS = ['%', '%zz', '%00', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%2F', '%2e%2e', '..', '%252F', '%u0041', '+', '%0D%0ASet-Cookie:x=1'];

const digits = (min: number, max: number) => fc.integer({ min, max }).chain((n) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`)));

/** base64url(JSON array), the shape of every paging cursor the API gives out, with hostile contents. */
export const cursorLike = fc
  .array(fc.oneof(fc.string(), digits(1, 25), fc.constantFrom('LOGGED_EMAIL', 'SENT_EMAIL', 'OPEN', 'CLICK', 'NaN', '-1', '1e400', '')), { maxLength: 4 })
  .map((parts) => Buffer.from(JSON.stringify(parts)).toString('base64url'));

export const queryValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer().map(String),
  fc.double().map(String),
  digits(1, 30),
  fc.constantFrom('', 'true', 'false', 'NaN', 'Infinity', '-1', '0', '1e400', '1.5', '9007199254740993', '99999999999999999999', 'null', '[]', '{}', 'PUBLISHED', 'OPEN'),
  cursorLike,
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64url')),
  fc.integer({ min: 200, max: 9000 }).map((n) => 'q'.repeat(n)),
);

/** A query string (with its `?`, or empty) over the route's own keys and some it does not know. */
export function queryString(known: string[]): fc.Arbitrary<string> {
  const key = known.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, fc.string({ minLength: 1, maxLength: 12 })) : fc.string({ minLength: 1, maxLength: 12 });
  const pair = fc.tuple(key, queryValue).map(([k, v]) => `${pct(k)}=${pct(v)}`);
  const part = fc.oneof({ weight: 8, arbitrary: pair }, fc.constantFrom(...RAW_FRAGMENTS, '&', '=', 'a[b]=1', 'a[]=1&a[]=2'));
  return fc.array(part, { maxLength: 5 }).map((parts) => (parts.length ? '?' + parts.join('&') : ''));
}

/**
 * A path parameter that names nothing in the database: random text, over-long text, numbers out of
 * range, broken escapes. `taken` holds the ids that exist (a numeric `01` would name `1`).
 */
export function absentParam(taken: string[]): fc.Arbitrary<string> {
  const numbers = new Set(taken.filter((t) => /^\d+$/.test(t)).map(Number));
  const free = (s: string) => s !== '' && !taken.includes(s) && !(/^\s*\d+\s*$/.test(s) && numbers.has(Number(s)));
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter(free).map(pct) },
    { weight: 2, arbitrary: fc.oneof(fc.integer({ min: 1_000_000, max: Number.MAX_SAFE_INTEGER }).map(String), digits(16, 40), fc.constantFrom('0', '-1', '1.5', '1e3', '0x10', ' 1', 'NaN')).filter(free).map(pct) },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 9000 }).map((n) => 'p'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_FRAGMENTS) },
  );
}
