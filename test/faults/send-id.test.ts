// Regression: a single send whose email could not be queued must leave its sendId free. The database
// failing between the sendId's claim and the queueing (an outage, or kill -9 in between) used to leave
// a claim without an email: every retry with that sendId was answered IDEMPOTENT_IGNORE and nothing
// was ever sent. Triggers make the database fail at exactly those two writes (queueing the delivery,
// and taking a claim back), as an outage that begins right after the claim would.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { hubspot } from '../helpers/smtp-clients.js';
import { FAST_QUEUE, makeTemplate, sleep, to, waitForStatus } from '../send/fixtures.js';

const VICTIM = 'outage@example.test';

async function injectFault(tdb: TestDatabase, on: boolean): Promise<void> {
  const database = await tdb.open();
  try {
    const statements =
      database.dialect === 'postgres'
        ? on
          ? [
              `create function mb_fault() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`,
              `create trigger mb_fault_queue before insert on deliveries for each row when (new.recipient = '${VICTIM}') execute function mb_fault()`,
              `create trigger mb_fault_release before delete on send_statuses for each row execute function mb_fault()`,
            ]
          : ['drop trigger mb_fault_queue on deliveries', 'drop trigger mb_fault_release on send_statuses', 'drop function mb_fault()']
        : on
          ? [
              `create trigger mb_fault_queue before insert on deliveries when new.recipient = '${VICTIM}' begin select raise(abort, 'injected fault'); end`,
              `create trigger mb_fault_release before delete on send_statuses begin select raise(abort, 'injected fault'); end`,
            ]
          : ['drop trigger mb_fault_queue', 'drop trigger mb_fault_release'];
    for (const s of statements) await sql.raw(s).execute(database.db);
  } finally {
    await database.close();
  }
}

describe.each(BACKENDS)('a single send that could not be queued, on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE, LOG_LEVEL: 'fatal' });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  it('leaves its sendId free, so the retry sends the email, once', async () => {
    const token = (await server.addUser('ops@acme.test')).accessToken;
    const template = await makeTemplate(server, token);
    const send = () =>
      server.api('/marketing/v3/transactional/single-email/send', {
        method: 'POST',
        token,
        json: { emailId: template.id, message: { to: VICTIM, sendId: 'order-42' }, customProperties: { order_id: '42' } },
      });

    await injectFault(tdb, true);
    const failed = await send();
    expect(failed.status).toBe(500);
    await injectFault(tdb, false);

    const retried = await send();
    expect(retried.status).toBe(200);
    const answer = await retried.json();
    expect(answer).toMatchObject({ status: 'PENDING' });
    expect(await waitForStatus(hubspot(server, token), answer.statusId)).toMatchObject({ status: 'COMPLETE', sendResult: 'SENT' });
    expect(await (await send()).json()).toMatchObject({ status: 'COMPLETE', sendResult: 'IDEMPOTENT_IGNORE' });
    await sleep(300);
    expect(to(sink.messages, VICTIM)).toHaveLength(1);
  });
});
