// A logged reply from a recipient of a tracked email that was never seen opened records an inferred
// open (docs/product.md §5), once; replies from anyone else, or to other mail, record nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import type { LoggedEmailResult, Page, TimelineEntry } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { emailInput, postLogged } from './client.js';

describe.each(BACKENDS)('Replies to tracked email on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let database: Database;
  let ann: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    ann = (await server.addUser('ann@mycorp.test')).accessToken;
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  async function track(trackingId: string, to: string[]) {
    const r = await server.api('/api/v1/tracked-emails', { method: 'POST', token: ann, json: { trackingId, subject: 'Renewal', from: 'ann@mycorp.test', to, cc: [], bcc: [], html: '<html><body><p>Hi</p></body></html>' } });
    expect(r.status).toBe(201);
  }
  const opens = (trackedEmailId: string) =>
    database.db.selectFrom('email_events').select(['type', 'recipient', 'filtered', 'details']).where('tracked_email_id', '=', trackedEmailId).where('type', '=', 'OPEN').execute();
  async function logReply(from: string, inReplyTo: string) {
    const r = await postLogged(server, ann, emailInput({ from, to: ['ann@mycorp.test'], subject: 'Re: Renewal', inReplyTo }));
    expect(r.status).toBe(201);
    return (await r.json()) as LoggedEmailResult;
  }

  it('records one inferred open for a reply from the recipient, by the add-in’s Message-ID', async () => {
    await track('trk-reply-0001', ['bob@acme.test']);
    const logged = await logReply('Bob@Acme.test', '<trk-reply-0001@mailbeacon>');
    const rows = await opens('trk-reply-0001');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ recipient: 'bob@acme.test', filtered: 0 });
    expect(JSON.parse(rows[0].details)).toMatchObject({ inferred: true, reasons: ['reply logged'] });

    // A second reply finds the open there already.
    await logReply('bob@acme.test', '<trk-reply-0001@mailbeacon>');
    expect(await opens('trk-reply-0001')).toHaveLength(1);

    // Bob's timeline: the inferred open, and the reply itself.
    const bob = logged.contacts.find((c) => c.email === 'bob@acme.test')!;
    const page = (await (await server.api(`/api/v1/contacts/${bob.id}/timeline`, { token: ann })).json()) as Page<TimelineEntry>;
    const open = page.results.find((e) => e.type === 'OPEN')!;
    expect(open).toMatchObject({ subject: 'Renewal', engagement: { inferred: true, counted: true, trackedEmailId: 'trk-reply-0001' } });
    expect(page.results.filter((e) => e.type === 'LOGGED_EMAIL')).toHaveLength(2);
  });

  it('records nothing for a reply from someone the email was not sent to, or to other mail', async () => {
    await track('trk-reply-0002', ['carol@acme.test']);
    await logReply('mallory@acme.test', '<trk-reply-0002@mailbeacon>');
    await logReply('carol@acme.test', '<unrelated@mail.acme.test>');
    expect(await opens('trk-reply-0002')).toHaveLength(0);
  });
});
