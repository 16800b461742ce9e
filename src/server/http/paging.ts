// Opaque paging cursors: the values that position the next page, base64url-encoded.
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
