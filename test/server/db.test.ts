import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrate, type Database } from '../../src/server/db/index.js';
import { GLOBAL_TABLES } from '../../src/server/db/schema.js';
import { migrations } from '../../src/server/db/migrations/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';

/** Table name → its column names, read from the engine's own catalogue. */
async function columns(database: Database): Promise<Map<string, string[]>> {
  const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
  return new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
}

describe.each(BACKENDS)('storage on %s', (backend) => {
  let tdb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it('applies every migration once; running them again changes nothing', async () => {
    const first = await migrate(database);
    // Every registered migration, in name order (names are numbered so that order is the history).
    const names = Object.keys(migrations(database.dialect));
    expect(names.slice(0, 8)).toEqual(['0001_foundation', '0002_sending', '0003_templates', '0004_tracking', '0005_logging', '0006_changes', '0007_domain_owner', '0008_login_throttle']);
    expect(first).toEqual([...names].sort());
    expect(names).toEqual([...names].sort());
    const before = await columns(database);
    expect(await migrate(database)).toEqual([]);
    expect(await columns(database)).toEqual(before);
  });

  it('puts account_id on every table that holds account data', async () => {
    const missing = [...(await columns(database))]
      .filter(([name, cols]) => !GLOBAL_TABLES.includes(name) && !cols.includes('account_id'))
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('migrates safely when several processes start at once', async () => {
    const fresh = await createTestDatabase(backend);
    const conns = await Promise.all([fresh.open(), fresh.open(), fresh.open()]);
    try {
      const applied = await Promise.all(conns.map((c) => migrate(c)));
      // Exactly one of them applied each migration.
      expect(applied.flat().filter((m) => m === '0001_foundation')).toHaveLength(1);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
      await fresh.drop();
    }
  });

  if (backend === 'sqlite') {
    it('keeps the SQLite file in WAL mode with durable (FULL) commits', async () => {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
      const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
      expect(mode.rows[0].journal_mode).toBe('wal');
      expect(sync.rows[0].synchronous).toBe(2);
      expect(database.file).toBe(`${tdb.dataDir}/mailbeacon.db`);
    });
  }
});
