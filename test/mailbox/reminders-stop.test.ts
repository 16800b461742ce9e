// Stopping the reminder sweeper during a graceful shutdown: stop() resolves only once the reminder
// being fired is stored and published (the notifier stops right after), and no reminder is fired
// after it; the ones left stay due for the next start. In-process, on a real SQLite file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate, type Database } from '../../src/server/db/index.js';
import { createLogger } from '../../src/server/logger.js';
import { ReminderSweeper } from '../../src/server/mailbox/reminders.js';
import type { StoredNotification } from '../../src/server/store/notifications.js';
import { upsertTrackedEmail } from '../../src/server/store/tracked-emails.js';
import { addUser } from '../../src/server/store/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

const DUE = 20;

describe('Stopping the reminder sweeper', () => {
  let tdb: TestDatabase;
  let database: Database;
  let owner: { accountId: string; userId: string };
  let batch = 0;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    database = await tdb.open();
    await migrate(database);
    const { user } = await addUser(database.db, { email: 'ann@mycorp.test', account: 'mycorp' });
    owner = { accountId: user.accountId, userId: user.id };
  });
  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  // DUE tracked emails whose reminders are due now (and none from the test before).
  beforeEach(async () => {
    await database.db.updateTable('tracked_emails').set({ remind_at: null }).execute();
    batch++;
    for (let i = 0; i < DUE; i++) {
      const id = `rem-${batch}-${i}`;
      await upsertTrackedEmail(database.db, owner, { id, subject: `Pricing ${i}`, from: 'ann@mycorp.test', recipients: ['bo@acme.test'], senderIp: '127.0.0.1' });
      await database.db.updateTable('tracked_emails').set({ remind_at: Date.now() - 1000 }).where('id', '=', id).execute();
    }
  });

  const stillDue = async () => (await database.db.selectFrom('tracked_emails').select('id').where('remind_at', 'is not', null).execute()).length;
  const reminders = async () => (await database.db.selectFrom('notifications').select('id').where('type', '=', 'REMINDER').execute()).length;

  function sweeper(onPublished: (n: number) => void = () => {}) {
    const published: StoredNotification[] = [];
    const s = new ReminderSweeper({
      database,
      logger: createLogger('silent'),
      everyMs: 60_000,
      now: () => Date.now(),
      published: (items) => {
        published.push(...items);
        onPublished(published.length);
      },
    });
    return { s, published };
  }

  it('stopped halfway through the due ones: the one being fired is published, the rest stay due', async () => {
    const before = await reminders();
    let stopping: Promise<void> | undefined;
    const { s, published } = sweeper((n) => {
      if (n === 3) stopping = s.stop();
    });
    await s.sweep();
    await stopping;
    await new Promise((res) => setTimeout(res, 300));
    expect(published).toHaveLength(3);
    expect((await reminders()) - before).toBe(3);
    expect(await stillDue()).toBe(DUE - 3);
  });

  it('stopped while the sweep reads what is due: nothing is fired after stop() resolved, and a new start fires them all once', async () => {
    const before = await reminders();
    const { s, published } = sweeper();
    void s.sweep();
    await s.stop();
    const firedAtStop = (await reminders()) - before;
    await new Promise((res) => setTimeout(res, 300));
    expect((await reminders()) - before).toBe(firedAtStop);
    expect(published).toHaveLength(firedAtStop);
    expect(await stillDue()).toBe(DUE - firedAtStop);
    // The next process's sweep fires the rest, each once.
    const next = sweeper();
    await next.s.sweep();
    expect((await reminders()) - before).toBe(DUE);
    expect(await stillDue()).toBe(0);
  });
});
