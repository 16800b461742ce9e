// One data layer over two engines: an embedded SQLite file (default) or PostgreSQL (DATABASE_URL).
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { CompiledQuery, type DatabaseConnection, type Driver, Kysely, Migrator, PostgresDialect, SqliteDialect, SqliteDriver, type SqliteDialectConfig, sql } from 'kysely';
import type { Schema } from './schema.js';
import { migrations } from './migrations/index.js';
import { WalSync } from './wal-sync.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  /** Where the SQLite file lives (undefined on PostgreSQL). */
  file?: string;
  /**
   * Resolves once every commit made so far is on disk. Call it before answering a client that was
   * promised durability. (PostgreSQL commits are durable already; so are SQLite's in `durableCommits` mode.)
   */
  sync(): Promise<void>;
  /**
   * SQLite: moves every committed page into the database file and empties the WAL, so that old page
   * images (an erased address in them) are gone from disk. Answers false if readers kept it from
   * finishing. PostgreSQL: nothing to do (answers true).
   */
  checkpoint(): Promise<boolean>;
  /**
   * SQLite: copies what is committed into the database file as far as no reader holds it back
   * (`wal_checkpoint(PASSIVE)`), waiting for nobody. The server's background thread calls it every
   * second, so that no commit on the main thread has to (see openSqlite). PostgreSQL: nothing.
   */
  passiveCheckpoint(): void;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Size of the PostgreSQL pool. */
  poolSize?: number;
  onError?: (err: Error) => void;
  /**
   * SQLite only. The server passes false: its commits do not wait for the disk, and it calls
   * `sync()` (off the event loop) before answering; nor do they checkpoint (its background thread
   * does, see SERVER_AUTOCHECKPOINT_PAGES). Short-lived commands keep every commit durable.
   */
  durableCommits?: boolean;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10, opts.onError);
  return openSqlite(path.join(opts.dataDir, 'mailbeacon.db'), opts.durableCommits ?? true);
}

const BUSY_TIMEOUT_MS = 10_000;

/**
 * The server's connections checkpoint in a commit only once the WAL holds this many pages (64 MB),
 * which happens only if the background thread's checkpoints (passiveCheckpoint, every second) stopped.
 * At SQLite's default of 1,000 pages (4 MB), the commit that crossed it copied the WAL into the file
 * and waited for two fsyncs on the main thread: some 70 ms per 2,000 messages of a mailbox backfill,
 * and a stall for every request in flight each time (https://www.sqlite.org/wal.html#ckpt).
 */
const SERVER_AUTOCHECKPOINT_PAGES = 16_000;

function openSqlite(file: string, durableCommits: boolean): Database {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const conn = new SQLite(file);
  // WAL lets readers (the CLI, other processes) work while the server writes.
  conn.pragma('journal_mode = WAL');
  conn.pragma(`synchronous = ${durableCommits ? 'FULL' : 'NORMAL'}`);
  conn.pragma('foreign_keys = ON');
  conn.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Deleted rows are overwritten with zeros, not left in free space: erasure must leave no copy in
  // the file (docs/product.md §13; https://www.sqlite.org/pragma.html#pragma_secure_delete).
  conn.pragma('secure_delete = ON');
  // Pages read from the file are kept by the kernel's page cache anyway; SQLite's own cache is memory of
  // this process. better-sqlite3 builds SQLite with 16 MB per connection, and the server has two (main
  // and background thread), which filled under pixel load and held 32 MB; SQLite's own default is 2 MB
  // (https://www.sqlite.org/pragma.html#pragma_cache_size; README, Benchmarks: peak RSS).
  conn.pragma('cache_size = -2000');
  if (!durableCommits) conn.pragma(`wal_autocheckpoint = ${SERVER_AUTOCHECKPOINT_PAGES}`);
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(conn) }) });
  const wal = durableCommits ? undefined : new WalSync(`${file}-wal`);
  return {
    db,
    dialect: 'sqlite',
    file,
    sync: () => wal?.sync() ?? Promise.resolve(),
    passiveCheckpoint: () => {
      conn.pragma('wal_checkpoint(PASSIVE)');
    },
    checkpoint: async () => {
      // Another connection (the background thread, another process) may be between two reads: retry briefly.
      // Without waiting inside SQLite, which would stop this thread's event loop.
      for (let attempt = 0; attempt < 100; attempt++) {
        conn.pragma('busy_timeout = 0');
        try {
          const [r] = conn.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
          if (!r.busy) return true;
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
        } finally {
          conn.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
        }
        await new Promise((res) => setTimeout(res, 20));
      }
      return false;
    },
    close: async () => {
      await wal?.close();
      await db.destroy();
    },
  };
}

/**
 * Transactions take the write lock when they begin (`BEGIN IMMEDIATE`): the server writes from two
 * connections (the background thread has its own), and a transaction that read first and wrote later
 * could find the other's commit in between and fail where waiting would have done.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  createDriver(): Driver {
    return new (class extends SqliteDriver {
      async beginTransaction(connection: DatabaseConnection) {
        // SQLite's own wait for the lock sleeps, and would stop this thread's event loop with it:
        // ask without waiting, and wait here, asynchronously, while the other connection finishes.
        const started = Date.now();
        await connection.executeQuery(CompiledQuery.raw('pragma busy_timeout = 0'));
        try {
          for (let pause = 1; ; pause = Math.min(pause * 2, 8)) {
            try {
              await connection.executeQuery(CompiledQuery.raw('begin immediate'));
              return;
            } catch (err) {
              if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() - started > BUSY_TIMEOUT_MS) throw err;
              await new Promise((r) => setTimeout(r, pause));
            }
          }
        } finally {
          await connection.executeQuery(CompiledQuery.raw(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`));
        }
      }
    })(this.settings);
  }
}

/**
 * Kysely prepares every query anew; compiling SQL costs more than running most of ours, so the
 * prepared statements are kept by their text (the queries are few and fixed; the cache is bounded).
 */
function withStatementCache(conn: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => conn.close(),
    prepare(text: string) {
      // Multi-row inserts differ with their row count and hold thousands of parameters each: caching
      // them filled the memory with statements seldom used twice.
      if (text.length > 4096) return conn.prepare(text);
      let statement = cache.get(text);
      if (!statement) {
        if (cache.size >= 500) cache.clear();
        statement = conn.prepare(text);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

async function openPostgres(url: string, max: number, onError?: (err: Error) => void): Promise<Database> {
  // Loaded only when used: SQLite installations never pay for it.
  const { default: pg } = await import('pg');
  // int8 columns hold epoch milliseconds and counters, all well inside a JS number.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const pool: pg.Pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection (a database restart) must not crash the process.
  pool.on('error', (err) => onError?.(err));
  // A checked-out client has no 'error' listener (the pool removes its idle one): the server closing
  // the connection between two queries of a transaction would end the process. The query fails
  // instead, and the pool drops the client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', sync: () => Promise.resolve(), checkpoint: () => Promise.resolve(true), passiveCheckpoint: () => {}, close: () => db.destroy() };
}

/** Brings the schema to the newest version; safe to run from several processes at once. */
export async function migrate(database: Database): Promise<string[]> {
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations(database.dialect) },
  });
  // PostgreSQL serialises concurrent migrators with an advisory lock. SQLite has no such lock: when
  // two processes race on a new file, the loser's transaction rolls back, and trying again finds the
  // work done.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (database.dialect === 'postgres' || attempt === 5) throw error instanceof Error ? error : new Error(String(error));
    await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 50));
  }
}

/**
 * A transaction for the queue's own bookkeeping (claims, leases, outcomes), committed without
 * waiting for the disk: losing the last of these to a power cut only repeats work. On SQLite every
 * server commit is like that (see `sync`); on PostgreSQL this one is told so.
 */
export async function bookkeeping<T>(database: Database, fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
  if (database.dialect === 'sqlite') return database.db.transaction().execute(fn);
  return database.db.transaction().execute(async (trx) => {
    await sql`set local synchronous_commit = off`.execute(trx);
    return fn(trx);
  });
}

/** True once the database answers a trivial query. */
export async function ping(database: Database): Promise<boolean> {
  try {
    await sql`select 1`.execute(database.db);
    return true;
  } catch {
    return false;
  }
}
