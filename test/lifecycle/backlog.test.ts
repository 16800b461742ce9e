// Bounded memory (docs/product.md §13): answered hits wait in the journal on disk, never in memory (the
// recorder keeps offsets; the store reads each batch from the file); a burst beyond what the store
// writes is stored whole, also when the process is killed with hits still waiting (the next one
// replays the journal).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, startWithEnv, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport } from '../helpers/smtp-clients.js';
import { imageHeaders, trackerUrls } from '../helpers/tracking.js';
import type { Database } from '../../src/server/db/index.js';

describe('answered hits wait on disk until stored', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let database: Database;
  let pixel: string;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url });
    const { accessToken } = await server.addUser('ann@mycorp.test');
    const { creds } = await smtpLogin(server, accessToken, 'Backlog', false);
    await transport(creds).sendMail({ from: 'billing@acme.test', to: 'reader@example.net', subject: 'Burst', html: '<p>Hello</p>' });
    const [m] = await sink.waitFor(1);
    pixel = (await trackerUrls(m.raw, server.url)).pixel;
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  const stored = async () => Number((await sql<{ n: number }>`select count(*) as n from email_events where type = 'OPEN'`.execute(database.db)).rows[0].n);
  /** `n` pixel loads, `parallel` at a time, each a distinct (Unicode) user agent; answers how many got their GIF. */
  async function burst(n: number, parallel: number, base = pixel): Promise<number> {
    let ok = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < n) {
          const i = next++;
          const res = await fetch(base, { headers: { ...imageHeaders, 'user-agent': `${imageHeaders['user-agent']} Ünïcode/${i}` } });
          if (res.status === 200 && (await res.arrayBuffer()).byteLength > 0) ok++;
        }
      }),
    );
    return ok;
  }

  it('stores every hit of a burst beyond what the store writes at once', async () => {
    expect(await burst(400, 40)).toBe(400);
    const deadline = Date.now() + 20_000;
    while ((await stored()) < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(400);
  });

  it('loses none of the hits waiting on disk when the process is killed', async () => {
    const before = await stored();
    const answered = await burst(300, 60);
    await server.stop('SIGKILL');
    const journal = path.join(tdb.dataDir, 'journal');
    expect(fs.readdirSync(journal).some((f) => f.startsWith('hits-'))).toBe(true);
    server = await startWithEnv(server.env);
    expect(await stored()).toBe(before + answered);
  });
});
