// Graceful shutdown while a mail server has stopped answering: SIGTERM must not wait for
// MAILBOX_TIMEOUT (here 120 s, as by default) on a command the server will never answer. A fake
// server over TLS logs the user in, lists the folders, selects Sent, and then keeps silent: after
// the first command (`command`), or halfway through a message's literal (`literal`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { selfSignedCert } from '../helpers/self-signed.js';
import { until } from '../helpers/until.js';

type Silence = 'command' | 'literal';

/** Answers login, LIST and SELECT; then no answer at all (`command`), or SEARCH answered and a FETCH cut off mid-literal (`literal`). */
function silentAfterSelect(socket: tls.TLSSocket, heard: string[], silence: Silence) {
  socket.on('error', () => {});
  socket.write('* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n');
  let buf = '';
  let selected = false;
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    let nl: number;
    while ((nl = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      const [tag, cmd0] = line.split(' ');
      const cmd = (cmd0 ?? '').toUpperCase();
      heard.push(line.slice(line.indexOf(' ') + 1).toUpperCase());
      if (selected && silence === 'literal' && cmd === 'UID' && /SEARCH/i.test(line)) {
        socket.write(/LARGER/i.test(line) ? `* SEARCH\r\n${tag} OK done\r\n` : `* SEARCH 1 2 3\r\n${tag} OK done\r\n`);
        continue;
      }
      if (selected && silence === 'literal' && cmd === 'UID' && /FETCH/i.test(line)) {
        socket.write(`* 1 FETCH (UID 1 BODY[] {5000}\r\nFrom: a@b.test\r\nSubject: half`);
        continue;
      }
      if (selected) continue; // silent from here on
      if (cmd === 'CAPABILITY') socket.write(`* CAPABILITY IMAP4rev1 IDLE\r\n${tag} OK done\r\n`);
      else if (cmd === 'LOGIN') socket.write(`${tag} OK [CAPABILITY IMAP4rev1 IDLE] logged in\r\n`);
      else if (cmd === 'LIST') socket.write(`* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n${tag} OK done\r\n`);
      else if (cmd === 'LOGOUT') {
        socket.write(`* BYE\r\n${tag} OK bye\r\n`);
        socket.end();
      } else if (cmd === 'SELECT' || cmd === 'EXAMINE') {
        selected = true;
        socket.write(`* 3 EXISTS\r\n* OK [UIDVALIDITY 7]\r\n* OK [UIDNEXT 4]\r\n${tag} OK [READ-ONLY] done\r\n`);
      } else if (tag) socket.write(`${tag} OK done\r\n`);
    }
  });
}

describe.each<Silence>(['command', 'literal'])('Shutdown with a mail server that stopped answering (%s)', (silence) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let fake: tls.Server;
  let dir: string;
  const heard: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-silent-'));
    const { keyFile, certFile } = selfSignedCert(dir);
    fake = tls.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, (socket) => silentAfterSelect(socket, heard, silence));
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { MAILBOX_TLS_CA: certFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_TIMEOUT: '120s' });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    fake?.close();
    await tdb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM ends the sync waiting on the server within seconds, not after MAILBOX_TIMEOUT, and releases the lease', async () => {
    const { accessToken } = await server.addUser('ann@mycorp.test');
    const port = (fake.address() as { port: number }).port;
    const r = await server.api('/api/v1/mailbox', { method: 'PUT', token: accessToken, json: { host: '127.0.0.1', port, security: 'tls', username: 'ann@mycorp.test', password: 'x' } });
    expect(r.status).toBe(200);
    // The sync selected Sent and asked something the server now never answers.
    const asked = silence === 'literal' ? /^UID FETCH .*BODY/ : /^UID SEARCH/;
    await until(async () => heard.some((c) => asked.test(c)), 15_000, `the sync to send ${asked}`);
    await new Promise((res) => setTimeout(res, 300));
    const t0 = Date.now();
    const code = await server.stop('SIGTERM');
    const ms = Date.now() - t0;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(20_000);
    expect(server.logs().some((l) => l.msg === 'shutdown complete')).toBe(true);
    // The lease was given back: another process could take the mailbox over at once.
    const db = await tdb.open();
    try {
      const row = await db.db.selectFrom('mailboxes').select(['lease_owner', 'lease_until']).executeTakeFirstOrThrow();
      expect(row.lease_owner).toBeNull();
    } finally {
      await db.close();
    }
  }, 60_000);
});
