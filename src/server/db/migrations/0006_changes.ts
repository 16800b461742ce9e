// Changes every process must hear of at once (a settings change, a revoked credential), for SQLite:
// its processes — the server and a `mailbeacon user …` run beside it — have no LISTEN/NOTIFY, so the
// server reads the rows added since its last look, twice a second. PostgreSQL sends them with NOTIFY
// and leaves this table empty. Rows are kept for an hour, then deleted.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export function changes(t: ColumnTypes) {
  return {
    async up(db: Kysely<any>) {
      await t
        .serialTable(db, 'changes', 'seq')
        .addColumn('origin', 'text', (c) => c.notNull()) // the process that made it (it applied it already)
        .addColumn('change', 'text', (c) => c.notNull()) // JSON
        .addColumn('at', t.time, (c) => c.notNull())
        .execute();
    },
  };
}
