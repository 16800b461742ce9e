import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase, type Database } from '../../src/server/db/index.js';
import { GLOBAL_TABLES } from '../../src/server/db/schema.js';
import { migrations } from '../../src/server/db/migrations/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { inFixedRuns } from '../../src/server/store/fixed-runs.js';

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

    it("keeps SQLite's own page cache at its 2 MB default, not better-sqlite3's 16 MB", async () => {
      const cache = await sql<{ cache_size: number }>`pragma cache_size`.execute(database.db);
      expect(cache.rows[0].cache_size).toBe(-2000);
    });

    it("the server's commits leave checkpoints to passiveCheckpoint(); a command's commits checkpoint as SQLite does", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-checkpoint-'));
      const size = (f: string) => fs.statSync(path.join(dir, f)).size;
      /** Writes about 8 MB (some 2,000 pages) in 8 commits; answers how much the database file grew meanwhile. */
      const write = async (d: Database) => {
        await sql`create table if not exists filler (x text)`.execute(d.db);
        const before = size('mailbeacon.db');
        for (let i = 0; i < 8; i++) await sql`insert into filler (x) values (${'x'.repeat(1024 * 1024)})`.execute(d.db);
        return size('mailbeacon.db') - before;
      };
      try {
        const server = await openDatabase({ dataDir: dir, durableCommits: false });
        try {
          // Nothing reached the database file: every page is still in the WAL, none of the commits copied it.
          expect(await write(server)).toBe(0);
          expect(size('mailbeacon.db-wal')).toBeGreaterThan(8 * 1024 * 1024);
          server.passiveCheckpoint();
          expect(size('mailbeacon.db')).toBeGreaterThan(8 * 1024 * 1024);
        } finally {
          await server.close();
        }
        const command = await openDatabase({ dataDir: dir });
        try {
          expect(await write(command)).toBeGreaterThan(4 * 1024 * 1024); // SQLite's checkpoint every 1,000 pages
        } finally {
          await command.close();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('multi-row statements in fixed sizes', () => {
  it('splits rows into runs of 64, 16, 4 and 1, in order, and answers every result in order', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => i);
    const runs: number[][] = [];
    const out = await inFixedRuns(rows, async (run) => {
      runs.push(run);
      return run.map((n) => `r${n}`);
    });
    expect(runs.map((r) => r.length)).toEqual([64, 64, 64, 4, 4]);
    expect(runs.flat()).toEqual(rows);
    expect(out).toEqual(rows.map((n) => `r${n}`));
    expect(await inFixedRuns([], async () => ['never'])).toEqual([]);
  });

  it('stops at the first run that fails, having written the runs before it', async () => {
    const written: number[] = [];
    const rows = Array.from({ length: 70 }, (_, i) => i);
    await expect(
      inFixedRuns(rows, async (run) => {
        if (run[0] === 64) throw new Error('disk full');
        written.push(...run);
        return run;
      }),
    ).rejects.toThrow('disk full');
    expect(written).toEqual(rows.slice(0, 64));
  });
});
