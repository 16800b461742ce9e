// The few column types that differ between SQLite and PostgreSQL.
import type { CreateTableBuilder, Kysely } from 'kysely';
import type { Dialect } from '../index.js';

export interface ColumnTypes {
  /** epoch milliseconds */
  time: 'bigint' | 'integer';
  /** counters, flags (0/1) and integer references */
  int: 'bigint' | 'integer';
  /** raw bytes (message sources, attachments) */
  bytes: 'bytea' | 'blob';
  /** Starts a table whose primary key is an auto-increment integer. */
  serialTable(db: Kysely<any>, name: string, column?: string): CreateTableBuilder<string, string>;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  const pg = dialect === 'postgres';
  return {
    time: pg ? 'bigint' : 'integer',
    int: pg ? 'bigint' : 'integer',
    bytes: pg ? 'bytea' : 'blob',
    serialTable: (db, name, column = 'id') =>
      pg
        ? db.schema.createTable(name).addColumn(column, 'bigserial', (c) => c.primaryKey())
        : db.schema.createTable(name).addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement()),
  };
}
