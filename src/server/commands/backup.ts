// `mailbeacon backup <file>` and `mailbeacon restore <file>` (docs/product.md §13). SQLite only: on
// PostgreSQL the database's own tools do it better (pg_dump while serving, pg_restore into a stopped one).
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { backupSqlite, integrityProblem, restoreSqlite, SQLITE_FILE } from '../db/backup.js';
import { liveWriters } from '../journal.js';
import { parse, UsageError } from './args.js';

const POSTGRES = {
  backup: 'The database is PostgreSQL (DATABASE_URL): back it up with `pg_dump --format=custom --file=mailbeacon.dump "$DATABASE_URL"`; it is consistent while the servers run.',
  restore: 'The database is PostgreSQL (DATABASE_URL): stop the servers, then `pg_restore --clean --if-exists --dbname="$DATABASE_URL" mailbeacon.dump`, and start them again.',
};

export async function backupCommand(config: Config, args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { force: { type: 'boolean' } });
  if (config.databaseUrl) return fail(POSTGRES.backup);
  const target = fileArg(positionals, 'backup');
  if (fs.existsSync(target) && !values.force) return fail(`${target} exists already: choose another file, or add --force to replace it.`);
  const source = path.join(config.dataDir, SQLITE_FILE);
  if (!fs.existsSync(source)) return fail(`There is no database at ${source} (DATA_DIR=${config.dataDir}) to back up.`);
  const result = await backupSqlite(source, target);
  process.stdout.write(JSON.stringify({ ...result, integrity: 'ok' }) + '\n');
  return 0;
}

export async function restoreCommand(config: Config, args: string[]): Promise<number> {
  const { positionals } = parse(args, {});
  if (config.databaseUrl) return fail(POSTGRES.restore);
  const file = fileArg(positionals, 'restore');
  if (!fs.existsSync(file)) return fail(`${file} does not exist.`);
  const running = liveWriters(path.join(config.dataDir, 'journal'));
  if (running.length) return fail(`A server is running on ${config.dataDir} (pid ${running.join(', ')}): stop it first (SIGTERM), then restore.`);
  const problem = integrityProblem(file);
  if (problem) return fail(`${file} cannot be restored: ${problem}.`);
  const result = restoreSqlite(file, config.dataDir);
  process.stdout.write(JSON.stringify({ ...result, integrity: 'ok', next: 'start the server: it applies any newer migrations' }) + '\n');
  return 0;
}

function fileArg(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`\`mailbeacon ${command}\` takes one file name.`);
  return path.resolve(positionals[0]);
}

function fail(message: string): number {
  process.stderr.write(message + '\n');
  return 1;
}
