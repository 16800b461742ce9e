// `mailbeacon backup` under a steady SMTP send load: the copy passes SQLite's integrity check and holds
// every message accepted before the backup began; `restore` refuses while the server runs, then puts it
// back, and a server starts on it. On PostgreSQL both commands point to pg_dump/pg_restore.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { runCli, startServer, startWithEnv, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin, transport } from '../helpers/smtp-clients.js';

describe('backup and restore on sqlite', () => {
  let tdb: TestDatabase;
  let server: RunningServer | undefined;
  let sink: Sink;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-backup-'));

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('copies a consistent database while mail keeps being accepted, and restores it', async () => {
    tdb = await createTestDatabase('sqlite');
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url });
    const { accessToken } = await server.addUser('ops@acme.test');
    const { creds } = await smtpLogin(server, accessToken, 'Load', true);
    const mailer = transport(creds, { pool: true, maxConnections: 4 });

    // A steady load: four senders, each message's Message-ID noted when its 250 arrives.
    const accepted: Array<{ id: string; at: number }> = [];
    let sending = true;
    let n = 0;
    const sender = async () => {
      while (sending) {
        const i = n++;
        const info = await mailer.sendMail({ from: 'load@acme.test', to: `r${i % 50}@example.net`, subject: `Load ${i}`, html: `<p>message ${i} ${'x'.repeat(2000)}</p>` });
        accepted.push({ id: info.messageId, at: Date.now() });
      }
    };
    const load = Promise.all([sender(), sender(), sender(), sender()]);
    while (accepted.length < 40) await new Promise((r) => setTimeout(r, 20));

    const began = Date.now();
    const acceptedBefore = accepted.filter((a) => a.at < began).map((a) => a.id);
    const file = path.join(scratch, 'backup.db');
    const backup = await runCli(['backup', file], server.env);
    expect(backup.code, backup.stderr).toBe(0);
    expect(JSON.parse(backup.stdout)).toMatchObject({ file, integrity: 'ok' });
    const duringBackup = accepted.length;
    while (accepted.length < duringBackup + 20) await new Promise((r) => setTimeout(r, 20));
    sending = false;
    await load;
    mailer.close();

    // Another backup to the same name is refused unless forced.
    const again = await runCli(['backup', file], server.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already.*--force/);

    const copy = new SQLite(file, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = new Set((copy.prepare('select message_id_header as id from messages').all() as Array<{ id: string }>).map((r) => r.id));
      const missing = acceptedBefore.filter((id) => !ids.has(id));
      expect(acceptedBefore.length).toBeGreaterThan(30);
      expect(missing).toEqual([]);
    } finally {
      copy.close();
    }

    // Restore refuses while the server runs on the data directory, then works once it stopped.
    const refused = await runCli(['restore', file], server.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/server is running.*stop it first/);
    expect(await server.stop('SIGTERM')).toBe(0);
    const all = accepted.length;
    const restored = await runCli(['restore', file], server.env);
    expect(restored.code, restored.stderr).toBe(0);
    const out = JSON.parse(restored.stdout) as { restored: string; previous: string };
    expect(fs.existsSync(out.previous)).toBe(true);
    const db = new SQLite(out.restored, { readonly: true });
    const count = (db.prepare('select count(*) as n from messages').get() as { n: number }).n;
    db.close();
    expect(count).toBeGreaterThanOrEqual(acceptedBefore.length);
    expect(count).toBeLessThan(all);

    // A server starts on the restored database and serves.
    server = await startWithEnv(server.env);
    expect((await server.api('/health')).status).toBe(200);
    expect((await server.api('/api/v1/me', { token: accessToken })).status).toBe(200);

    // Garbage is refused, and nothing is replaced.
    const junk = path.join(scratch, 'junk.db');
    fs.writeFileSync(junk, 'not a database');
    await server.stop('SIGTERM');
    const bad = await runCli(['restore', junk], server.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cannot be restored/);
  });
});

describe('backup and restore on postgres', () => {
  it('say to use pg_dump and pg_restore', async () => {
    const tdb = await createTestDatabase('postgres');
    try {
      const backup = await runCli(['backup', path.join(os.tmpdir(), 'never.db')], tdb.env);
      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(/pg_dump/);
      const restore = await runCli(['restore', 'x.dump'], tdb.env);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(/pg_restore/);
    } finally {
      await tdb.drop();
    }
  });
});
