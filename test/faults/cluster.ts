// The processes under test: one or more `mailbeacon serve` on one database, each with a data folder
// of its own (as on separate machines), and the test in front of them as the load balancer. Also
// the faults that act on them: kill -9 and restart, and a restart of PostgreSQL itself.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PG_ADMIN_URL, type TestDatabase } from '../helpers/databases.js';
import { serverEnv, startWithEnv, type RunningServer } from '../helpers/server.js';

export interface Member {
  slot: number;
  env: Record<string, string>;
  /** Undefined while the process is down. */
  server: RunningServer | undefined;
}

export class Cluster {
  readonly members: Member[] = [];
  /** Processes that exited without being killed by the test: always a bug. */
  readonly crashes: string[] = [];
  private turn = 0;
  private readonly extraDirs: string[] = [];

  private constructor(readonly tdb: TestDatabase) {}

  /** Starts `count` processes one after the other (so that migrations and key generation do not race). */
  static async start(tdb: TestDatabase, count: number, env: Record<string, string>): Promise<Cluster> {
    const cluster = new Cluster(tdb);
    for (let slot = 0; slot < count; slot++) {
      // The first process uses the test database's folder; the others get their own.
      const dir = slot === 0 ? tdb.dataDir : fs.mkdtempSync(path.join(os.tmpdir(), `mb-fault-${slot}-`));
      if (slot > 0) cluster.extraDirs.push(dir);
      const member: Member = { slot, env: await serverEnv(tdb, { ...env, DATA_DIR: dir }), server: undefined };
      cluster.members.push(member);
      await cluster.launch(member);
    }
    return cluster;
  }

  get first(): RunningServer {
    return this.members[0].server!;
  }

  live(): Member[] {
    return this.members.filter((m) => m.server);
  }

  /**
   * The next live process, round robin. A real load balancer health-checks its backends and stops
   * sending to a dead one; requests already on their way to it are cut off.
   */
  pick(): Member | undefined {
    const live = this.live();
    if (!live.length) return undefined;
    return live[this.turn++ % live.length];
  }

  /** SIGKILL: no shutdown, no flush; whatever was in flight is cut off. */
  async kill(slot: number): Promise<void> {
    const member = this.members[slot];
    const server = member.server;
    if (!server) return;
    member.server = undefined;
    server.process.kill('SIGKILL');
    await server.exited;
  }

  /** Starts the process of `slot` again with the same environment (ports, data folder); resolves once healthy. */
  async restart(slot: number): Promise<RunningServer> {
    return this.launch(this.members[slot]);
  }

  async stop(): Promise<void> {
    for (const m of this.members) {
      const server = m.server;
      m.server = undefined;
      await server?.stop('SIGKILL');
    }
    for (const dir of this.extraDirs) fs.rmSync(dir, { recursive: true, force: true });
  }

  private async launch(member: Member): Promise<RunningServer> {
    const server = await startWithEnv(member.env);
    member.server = server;
    void server.exited.then((code) => {
      // Still the member's process: nobody asked it to stop.
      if (member.server === server) {
        member.server = undefined;
        this.crashes.push(`process ${member.slot} exited with ${code}: ${server.stderr().slice(-2000)} ${JSON.stringify(server.logs().slice(-5))}`);
      }
    });
    return server;
  }
}

/** The PostgreSQL cluster serving PG_ADMIN_URL: version and name for pg_ctlcluster. */
function pgCluster(): Promise<{ version: string; name: string }> {
  const port = new URL(PG_ADMIN_URL).port || '5432';
  return new Promise((resolve) => {
    execFile('pg_lsclusters', ['--no-header'], (err, stdout) => {
      const row = err ? undefined : stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((cols) => cols[2] === port);
      // The machine's only cluster, as CI sets it up, when the list cannot tell.
      resolve(row ? { version: row[0], name: row[1] } : { version: fs.readdirSync('/etc/postgresql')[0], name: 'main' });
    });
  });
}

/** Whether PostgreSQL answers a query now. */
export async function postgresUp(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface Window {
  start: number;
  end: number;
}

/**
 * `pg_ctlcluster … restart` (fast shutdown: every connection is cut), then waits until it answers.
 * Answers the window during which the database was unavailable.
 */
export async function restartPostgres(): Promise<Window> {
  const { version, name } = await pgCluster();
  const start = Date.now();
  await new Promise<void>((resolve, reject) =>
    execFile('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'restart'], { timeout: 60_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`pg_ctlcluster restart failed: ${stderr || err.message}`)) : resolve(),
    ),
  );
  const deadline = Date.now() + 30_000;
  while (!(await postgresUp())) {
    if (Date.now() > deadline) throw new Error('PostgreSQL did not come back within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { start, end: Date.now() };
}
