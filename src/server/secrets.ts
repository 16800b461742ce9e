// Identifiers, credentials and how they are stored. Credentials are random, shown once, and kept
// only as hashes: access tokens (256-bit) as SHA-256, SMTP passwords as scrypt (a slow hash, docs/product.md §3).
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A 16-character lowercase id (~82 bits): unguessable enough that ids leak nothing. */
export function newId(length = 16): string {
  const bytes = pooledRandom(length);
  let out = '';
  for (const b of bytes) out += ID_ALPHABET[b % 36];
  return out;
}

/** Whether `s` has the shape of a newId() id (SMTP token ids are): what may be logged or counted as one. */
export function isNewId(s: string): boolean {
  return /^[a-z0-9]{16}$/.test(s);
}

// Ids are made at the rate of tracking hits: one system call for every 256 of them, not every one.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function pooledRandom(n: number): Buffer {
  if (poolAt + n > pool.length) {
    crypto.randomFillSync(pool);
    poolAt = 0;
  }
  return pool.subarray(poolAt, (poolAt += n));
}

/**
 * A 25-character id that sorts by creation time (milliseconds in base 36, then 16 random characters)
 * for rows written at a high rate: new keys land at the end of the index instead of at random
 * places in it, which halves the cost of an insert. Still unguessable.
 */
export function sortableId(): string {
  return Date.now().toString(36).padStart(9, '0') + newId(16);
}

/** 32 random bytes, base64url: 256 bits. */
export function newSecret(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

export function sha256(value: string | Buffer): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

/** Compares two strings in time that does not depend on where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;
// 2^15 × r 8: a working area of 32 MiB and a few KB, over glibc's largest mmap threshold (32 MiB), so it is
// mapped for each hash and unmapped after it. At 2^14 (16 MiB) glibc raised its threshold after the first
// hash, and every later one left its 16 MiB resident in the malloc arena of the libuv thread that ran it,
// up to 64 MiB for four threads (README, Benchmarks: peak RSS). Node refuses more than 32 MiB unless asked.
const SCRYPT = { N: 32768, r: 8, p: 1 };
const MAXMEM = 64 * 1024 * 1024;

// One hash at a time in this process: each maps its 32 MiB while it runs, and a burst of logins would
// otherwise map that once per thread of libuv's pool and hold every thread (file and DNS work waits
// on them). Logins are few (SMTP clients keep their connections, web sessions last weeks), so the lower
// throughput (about 10 hashes a second) buys a bound on the memory they may take.
let hashing: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = hashing.then(work, work);
  hashing = run.catch(() => undefined);
  return run;
}

/** `scrypt$N$r$p$salt$hash`, all base64url. */
export async function slowHash(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await oneAtATime(() => scrypt(password, salt, 32, { ...SCRYPT, maxmem: MAXMEM }));
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifySlowHash(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await oneAtATime(() => scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: MAXMEM }));
  return crypto.timingSafeEqual(actual, expected);
}

/** Access tokens read `mb_<id>_<secret>`: the id finds the row, the secret is compared by hash. */
export const ACCESS_TOKEN = /^mb_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function newAccessToken(): { id: string; token: string; secretHash: string } {
  const id = newId();
  const secret = newSecret();
  return { id, token: `mb_${id}_${secret}`, secretHash: sha256(secret) };
}

/** HMAC-SHA256 of `value` under `key`, hex: recognises a value again without keeping it. */
export function keyedHash(key: string, value: string): string {
  return crypto.createHmac('sha256', key).update(value).digest('hex');
}
