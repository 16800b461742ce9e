// Graceful shutdown while a mail server has stopped answering: SIGTERM must not wait for
// MAILBOX_TIMEOUT (here 120 s, as by default) on a command the server will never answer. A fake
// server over TLS logs the user in, lists the folders, selects Sent, and then keeps silent: after
// the first command (`command`), or halfway through a message's literal (`literal`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { ordinary, startFakeImap, type Command, type FakeImap } from '../helpers/fake-imap.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

type Silence = 'command' | 'literal';

/** Answers login, LIST and SELECT; then no answer at all (`command`), or SEARCH answered and a FETCH cut off mid-literal (`literal`). */
function silentAfterSelect(heard: string[], silence: Silence) {
  let selected = false;
  return (c: Command) => {
    heard.push(c.line.slice(c.line.indexOf(' ') + 1).toUpperCase());
    if (selected && silence === 'literal' && c.cmd === 'UID' && /SEARCH/i.test(c.line)) {
      c.write(/LARGER/i.test(c.line) ? `* SEARCH\r\n${c.tag} OK done\r\n` : `* SEARCH 1 2 3\r\n${c.tag} OK done\r\n`);
    } else if (selected && silence === 'literal' && c.cmd === 'UID' && /FETCH/i.test(c.line)) {
      c.write(`* 1 FETCH (UID 1 BODY[] {5000}\r\nFrom: a@b.test\r\nSubject: half`);
    } else if (selected) {
      // silent from here on
    } else if (c.cmd === 'SELECT' || c.cmd === 'EXAMINE') {
      selected = true;
      c.write(`* 3 EXISTS\r\n* OK [UIDVALIDITY 7]\r\n* OK [UIDNEXT 4]\r\n${c.tag} OK [READ-ONLY] done\r\n`);
    } else ordinary(c);
  };
}

describe.each<Silence>(['command', 'literal'])('Shutdown with a mail server that stopped answering (%s)', (silence) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let fake: FakeImap;
  const heard: string[] = [];

  beforeAll(async () => {
    fake = await startFakeImap(() => silentAfterSelect(heard, silence));
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { MAILBOX_TLS_CA: fake.certFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_TIMEOUT: '120s' });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await fake?.close();
    await tdb?.drop();
  });

  it('SIGTERM ends the sync waiting on the server within seconds, not after MAILBOX_TIMEOUT, and releases the lease', async () => {
    const { accessToken } = await server.addUser('ann@mycorp.test');
    const { port } = fake;
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
