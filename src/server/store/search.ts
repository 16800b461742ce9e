// Substring search the web app's search boxes use (contacts, tracked email): case-insensitive on both
// engines (PostgreSQL's LIKE is case-sensitive, SQLite's is not for ASCII), with `%`, `_` and `\` in
// the query matched as themselves.
import { type Expression, type SqlBool, sql } from 'kysely';

/** `column` contains `query`, ignoring case. */
export function contains(column: string, query: string): Expression<SqlBool> {
  const pattern = `%${query.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
