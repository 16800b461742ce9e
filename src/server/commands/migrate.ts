// `mailbeacon migrate`: brings the schema up to date (serve also does this at start).
import type { Config } from '../config.js';
import { migrate, openDatabase } from '../db/index.js';

export async function migrateCommand(config: Config): Promise<number> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrate(database);
    process.stdout.write(JSON.stringify({ database: database.dialect, applied }) + '\n');
    return 0;
  } finally {
    await database.close();
  }
}
