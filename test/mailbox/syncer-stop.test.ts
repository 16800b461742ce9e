// Stopping the mailbox sync at an awkward moment leaves no IMAP connection open behind it and no
// lease held. An open connection (its socket, its IDLE) keeps the server process alive after a
// graceful shutdown has finished, until the 60 s shutdown limit kills it; a held lease keeps other
// processes off the mailbox until it runs out. In-process, on SQLite, against a fake TLS IMAP server
// that counts the connections it has open.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxTiming } from '../../src/server/config.js';
import { migrate, type Database } from '../../src/server/db/index.js';
import { createLogger } from '../../src/server/logger.js';
import { SecretBox } from '../../src/server/mailbox/secret-box.js';
import { SyncSession } from '../../src/server/mailbox/session.js';
import { MailboxSyncer } from '../../src/server/mailbox/syncer.js';
import { claimMailboxes, saveMailbox } from '../../src/server/store/mailboxes.js';
import { addUser } from '../../src/server/store/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { ordinary, startFakeImap, type FakeImap } from '../helpers/fake-imap.js';

describe('Stopping the mailbox sync', () => {
  let tdb: TestDatabase;
  let database: Database;
  let fake: FakeImap;
  let timing: MailboxTiming;
  let box: SecretBox;
  const logins = { n: 0 };
  const mode = { refuseSelect: false };
  let owner: { accountId: string; userId: string };

  beforeAll(async () => {
    // Logs anyone in, has an empty Sent, and idles (or refuses to open a folder).
    fake = await startFakeImap(() => {
      let idling = '';
      return (c) => {
        if (c.line === 'DONE') c.write(`${idling} OK idle done\r\n`);
        else if (c.cmd === 'LOGIN') {
          logins.n++;
          ordinary(c);
        } else if ((c.cmd === 'SELECT' || c.cmd === 'EXAMINE') && mode.refuseSelect) c.write(`${c.tag} NO [UNAVAILABLE] try later\r\n`);
        else {
          if (c.cmd === 'IDLE') idling = c.tag;
          ordinary(c);
        }
      };
    });
    tdb = await createTestDatabase('sqlite');
    database = await tdb.open();
    await migrate(database);
    const { user } = await addUser(database.db, { email: 'ann@mycorp.test', account: 'mycorp' });
    owner = { accountId: user.accountId, userId: user.id };
    box = new SecretBox(Buffer.alloc(32, 7));
    timing = { backfill: 86_400_000, poll: 1000, lease: 60_000, retryBase: 1000, retryMax: 60_000, reminderCheck: 60_000, clockOffset: 0, timeout: 10_000, allowPrivate: true, tlsCa: fake.certFile };
  });
  afterEach(async () => {
    for (const s of fake.open) s.destroy();
    logins.n = 0;
    mode.refuseSelect = false;
  });
  afterAll(async () => {
    await fake?.close();
    await database?.close();
    await tdb?.drop();
  });

  const connect = () =>
    saveMailbox(database.db, owner, { host: '127.0.0.1', port: fake.port, security: 'tls', username: 'ann', auth: 'password', secret: box.seal('pw'), sentFolder: 'Sent', inboxFolder: 'INBOX' });
  const deps = () => ({ database, box, timing, logger: createLogger('silent'), inferOpen: async () => false, published: () => {} });
  const leaseOwner = async () => (await database.db.selectFrom('mailboxes').select('lease_owner').executeTakeFirstOrThrow()).lease_owner;
  /** Long enough for a session left behind to connect, log in and idle (a few ms here). */
  const settle = () => new Promise((res) => setTimeout(res, 1500));

  it('stopped while a claim is under way: the claimed mailbox is given back, never synced', async () => {
    await connect();
    const syncer = new MailboxSyncer(deps());
    syncer.poke(); // a claim starts and waits on the database …
    await syncer.stop(); // … when the shutdown comes
    await settle();
    expect(logins.n).toBe(0);
    expect(fake.open.size).toBe(0);
    expect(await leaseOwner()).toBeNull();
  });

  it('stopped before its session has connected: no connection is made, or it is closed', async () => {
    await connect();
    const [row] = await claimMailboxes(database.db, 'this-test', Date.now(), 60_000, 1);
    const session = new SyncSession({ ...deps(), owner: 'this-test' }, row);
    const running = session.run(); // reading the user from the database
    session.stop();
    await running;
    await settle();
    expect(fake.open.size).toBe(0);
  });

  it('stopped while idling: the connection is closed and the lease given back', async () => {
    await connect();
    const syncer = new MailboxSyncer(deps());
    syncer.start();
    const t0 = Date.now();
    while (logins.n === 0 && Date.now() - t0 < 10_000) await new Promise((res) => setTimeout(res, 20));
    expect(logins.n).toBe(1);
    await syncer.stop();
    await settle();
    expect(fake.open.size).toBe(0);
    expect(await leaseOwner()).toBeNull();
  });

  it('ended by an error from the server: its connection is closed too', async () => {
    await connect();
    mode.refuseSelect = true;
    const [row] = await claimMailboxes(database.db, 'this-test', Date.now(), 60_000, 1);
    const session = new SyncSession({ ...deps(), owner: 'this-test' }, row);
    await expect(session.run()).rejects.toThrow();
    expect(logins.n).toBe(1);
    await settle();
    expect(fake.open.size).toBe(0);
  });
});
