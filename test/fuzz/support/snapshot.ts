// "Nothing changed": a fingerprint of every row of every table, read from the test process through
// its own connection, so a refused request that still wrote (or updated) a row is caught — counts
// alone would miss an update in place.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../../src/server/db/index.js';

/** Tables changed by design whatever the request: the per-account rate-limit counters (PostgreSQL), the retention sweeper's lease. */
const BOOKKEEPING = new Set(['rate_windows', 'leases', 'kysely_migration', 'kysely_migration_lock']);

export type Fingerprint = Record<string, { rows: number; hash: string }>;

export async function tableNames(database: Database): Promise<string[]> {
  const { rows } =
    database.dialect === 'postgres'
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(database.db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(database.db);
  return rows.map((r) => r.name).filter((n) => !BOOKKEEPING.has(n)).sort();
}

/** Bytes as hex and 64-bit integers as text, so that both databases serialise rows the same way. */
function stable(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && 'type' in value && (value as { type: unknown }).type === 'Buffer') {
    return Buffer.from((value as unknown as { data: number[] }).data).toString('hex');
  }
  return value;
}

async function hasAccountId(database: Database, table: string): Promise<boolean> {
  const { rows } =
    database.dialect === 'postgres'
      ? await sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = 'public' and table_name = ${table}`.execute(database.db)
      : await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(database.db);
  return rows.some((r) => r.name === 'account_id');
}

/** Every table, or with `accountId` only that account's rows (of the tables that have an account_id). */
export async function fingerprint(database: Database, accountId?: string): Promise<Fingerprint> {
  const out: Fingerprint = {};
  for (const table of await tableNames(database)) {
    if (accountId !== undefined && !(await hasAccountId(database, table))) continue;
    const where = accountId === undefined ? sql`` : sql` where account_id = ${accountId}`;
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}${where}`.execute(database.db);
    const lines = rows.map((r) => JSON.stringify(r, stable)).sort();
    out[table] = { rows: rows.length, hash: createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16) };
  }
  return out;
}

/** The tables whose rows differ between two fingerprints, e.g. `contacts 3→4`. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((t) => before[t]?.hash !== after[t]?.hash).map((t) => `${t} ${before[t]?.rows ?? '-'}→${after[t]?.rows ?? '-'}`);
}

/** Waits until background work (queue, tracking) has settled: two fingerprints in a row agree. */
export async function settledFingerprint(database: Database, timeoutMs = 15_000): Promise<Fingerprint> {
  const deadline = Date.now() + timeoutMs;
  let last = await fingerprint(database);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const next = await fingerprint(database);
    if (changedTables(last, next).length === 0) return next;
    if (Date.now() > deadline) throw new Error(`the database keeps changing: ${changedTables(last, next).join(', ')}`);
    last = next;
  }
}
