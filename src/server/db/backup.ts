// Backup and restore of the SQLite database (docs/product.md §13). Backup uses SQLite's online backup
// API (https://www.sqlite.org/backup.html), which copies a consistent snapshot page by page while the
// server keeps reading and writing; restore puts a checked copy in place of the database file.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';

export const SQLITE_FILE = 'mailbeacon.db';

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
}

/** Copies `source` into `target` (written beside it first, then renamed, so a half copy never has the name). */
export async function backupSqlite(source: string, target: string): Promise<BackupResult> {
  const started = Date.now();
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    // Pages in steps, so the server's writers wait for no more than one step at a time.
    await db.backup(partial, { progress: () => 256 });
  } finally {
    db.close();
  }
  const problem = integrityProblem(partial);
  if (problem) {
    fs.rmSync(partial, { force: true });
    throw new Error(`the copy failed its integrity check (${problem})`);
  }
  fs.renameSync(partial, target);
  return { file: target, bytes: fs.statSync(target).size, ms: Date.now() - started };
}

/** Null when `file` is a sound SQLite database of ours; otherwise what is wrong with it. */
export function integrityProblem(file: string): string | null {
  let db: SQLite.Database | undefined;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
    const [row] = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    if (row?.integrity_check !== 'ok') return row?.integrity_check ?? 'no answer';
    const ours = db.prepare(`select count(*) as n from sqlite_master where type = 'table' and name in ('kysely_migration', 'messages', 'accounts')`).get() as { n: number };
    return ours.n === 3 ? null : 'it is not a Mailbeacon database';
  } catch (e) {
    return (e as Error).message;
  } finally {
    db?.close();
  }
}

/**
 * Puts the backup `file` in place of the database in `dataDir` (no server may be running on it). The
 * database it replaces is kept beside it as `mailbeacon.db.before-restore-<time>`.
 */
export function restoreSqlite(file: string, dataDir: string): { restored: string; previous: string | null } {
  const target = path.join(dataDir, SQLITE_FILE);
  const incoming = `${target}.restoring`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.copyFileSync(file, incoming);
  let previous: string | null = null;
  if (fs.existsSync(target)) {
    // Fold the WAL into the old file first, so the copy kept aside is whole.
    const old = new SQLite(target);
    old.pragma('wal_checkpoint(TRUNCATE)');
    old.close();
    previous = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(target, previous);
  }
  for (const extra of ['-wal', '-shm']) fs.rmSync(target + extra, { force: true });
  fs.renameSync(incoming, target);
  return { restored: target, previous };
}
