// Paging of list routes, one way everywhere: `limit` and `after` in the query, `after` an opaque
// cursor (the values that position the next page, base64url-encoded), and HubSpot's answer shape
// `{ results, paging: { next: { after } } }` with `paging` only when there is a next page.
import { Type } from 'typebox';
import { invalid } from '../errors.js';

/** The `after` and `limit` query parameters; `after` up to `afterLength` characters. */
export function pagingQuery(maxLimit: number, afterLength: number) {
  return {
    after: Type.Optional(Type.String({ maxLength: afterLength })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit })),
  };
}

export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string): string[] | undefined {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parts) && parts.every((p) => typeof p === 'string') ? parts : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A cursor of exactly `length` parts whose first part is a position number (a time, an id, a
 * sequence) of at most 15 digits; undefined otherwise. Anything else would reach the database as
 * NaN or past bigint's range, which PostgreSQL answers with an error (a 500) instead of a page.
 */
export function decodePosition(cursor: string, length: number): string[] | undefined {
  const parts = decodeCursor(cursor);
  return parts && parts.length === length && /^\d{1,15}$/.test(parts[0]) ? parts : undefined;
}

export const notACursor = () => invalid('after is not a cursor this API gave out; pass paging.next.after from the previous page.', 'after');

/** The `after` parameter as a position cursor of `length` parts (decodePosition); absent is undefined, anything else a 400. */
export function afterParam(after: string | undefined, length: number): string[] | undefined {
  if (after === undefined) return undefined;
  const parts = decodePosition(after, length);
  if (!parts) throw notACursor();
  return parts;
}

/**
 * The first `limit` of `rows` (read with `limit + 1`, the extra one telling that more follow) and
 * what the answer adds for the next page: `{ paging: { next: { after } } }`, or nothing on the last.
 */
export function pageOf<T>(rows: T[], limit: number, position: (last: T) => string[]): { page: T[]; next: { paging?: { next: { after: string } } } } {
  const page = rows.slice(0, limit);
  if (rows.length <= limit) return { page, next: {} };
  return { page, next: { paging: { next: { after: encodeCursor(position(page[page.length - 1])) } } } };
}

/** `limit` or its default. ajv's coercion lets "Infinity" through as an integer: a 400 for that too. */
export function pageLimit(limit: number | undefined, fallback: number, max: number): number {
  const n = limit ?? fallback;
  if (!Number.isSafeInteger(n)) throw invalid(`limit must be an integer from 1 to ${max}.`, 'limit');
  return n;
}
