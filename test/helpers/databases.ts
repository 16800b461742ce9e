// A fresh database per test file: a temporary SQLite folder, or a new PostgreSQL database on the
// machine's server, so runs never collide and never see each other's rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/server/db/index.js';

export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: Backend[] = ['sqlite', 'postgres'];

/** The PostgreSQL server the tests create their databases on. */
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  backend: Backend;
  dataDir: string;
  databaseUrl?: string;
  /** Environment for a server or CLI process using this database. */
  env: Record<string, string>;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(e as Error).message}); start it or set TEST_DATABASE_URL.`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-test-'));
  let databaseUrl: string | undefined;
  let name: string | undefined;
  if (backend === 'postgres') {
    name = `mb_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await admin((c) => c.query(`CREATE DATABASE ${name}`));
    const u = new URL(PG_ADMIN_URL);
    u.pathname = '/' + name;
    databaseUrl = u.toString();
  }
  return {
    backend,
    dataDir,
    databaseUrl,
    env: { DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
    open: () => openDatabase({ databaseUrl, dataDir }),
    async drop() {
      if (name) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
