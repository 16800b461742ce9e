// A contact's timeline merges logged emails, transactional sends, and opens and clicks (attributed,
// or by "Someone" through a shared pixel), newest first, and pages stably even when entries share a
// millisecond. Sends and engagement are seeded as the queue and the tracker write them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/server/db/index.js';
import type { Schema } from '../../src/server/db/schema.js';
import type { Contact, LoggedEmailResult, Page, TimelineEntry } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { emailInput, postLogged } from '../logging/client.js';

const T0 = Date.UTC(2026, 3, 1, 12, 0, 0);
let seq = 0;
const uid = (prefix: string) => `${prefix}-${String(++seq).padStart(4, '0')}-0000-4000-8000-000000000000`;

/** A transactional message to one recipient, as the queue records it, with its SENT event. */
async function seedSend(db: Kysely<Schema>, accountId: string, recipient: string, subject: string, at: number, templateId: number | null) {
  const messageId = uid('m');
  const deliveryId = uid('d');
  await db.insertInto('messages').values({ id: messageId, account_id: accountId, source: 'API', campaign_id: null, token_id: null, user_id: null, mail_from: 'shop@mycorp.test', message_id_header: null, subject, raw: Buffer.from('x'), size: 1, track: 1, created_at: at }).execute();
  await db.insertInto('deliveries').values({ id: deliveryId, account_id: accountId, message_id: messageId, campaign_id: 7, recipient, status: 'SENT', next_attempt_at: at, give_up_at: at, lease_owner: null, lease_until: null, last_response: '250 ok', created_at: at, sent_at: at }).execute();
  if (templateId !== null) {
    await db.insertInto('send_statuses').values({ id: uid('s'), account_id: accountId, user_id: null, template_id: templateId, send_id: null, recipient, status: 'COMPLETE', send_result: 'SENT', message: null, message_id: messageId, delivery_id: deliveryId, event_id: null, event_created: null, requested_at: at, started_at: at, completed_at: at }).execute();
  }
  const sent = await seedEvent(db, accountId, { type: 'SENT', recipient, at, deliveryId, details: {} });
  return { deliveryId, sent };
}

async function seedEvent(
  db: Kysely<Schema>,
  accountId: string,
  e: { type: string; recipient: string; at: number; deliveryId?: string; trackedEmailId?: string; filtered?: boolean; details: Record<string, unknown>; id?: string },
) {
  const id = e.id ?? uid('e');
  await db
    .insertInto('email_events')
    .values({
      id,
      account_id: accountId,
      type: e.type,
      recipient: e.recipient,
      campaign_id: e.deliveryId ? 7 : null,
      delivery_id: e.deliveryId ?? null,
      tracked_email_id: e.trackedEmailId ?? null,
      created: e.at,
      sent_by_id: e.deliveryId ?? e.trackedEmailId ?? 'x',
      sent_by_created: e.at,
      filtered: e.filtered ? 1 : 0,
      details: JSON.stringify(e.details),
    })
    .execute();
  return id;
}

async function seedTracked(db: Kysely<Schema>, accountId: string, userId: string, id: string, subject: string, recipients: string[]) {
  await db.insertInto('tracked_emails').values({ id, account_id: accountId, user_id: userId, subject, from_address: 'ann@mycorp.test', recipients: JSON.stringify(recipients), internet_message_id: null, self_view_at: null, created_at: T0, updated_at: T0 }).execute();
}

describe.each(BACKENDS)('Contact timeline on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let database: Database;
  let ann: string;
  let accountId: string;
  let otherAccountId: string;
  let userId: string;

  const get = async <T>(path: string): Promise<T> => {
    const r = await server.api(path, { token: ann });
    expect(r.status, path).toBe(200);
    return (await r.json()) as T;
  };
  const contact = async (email: string) => (await get<Page<Contact>>(`/api/v1/contacts?email=${encodeURIComponent(email)}`)).results[0];
  async function allPages(contactId: string, limit: number): Promise<TimelineEntry[]> {
    const out: TimelineEntry[] = [];
    let after: string | undefined;
    do {
      const page = await get<Page<TimelineEntry>>(`/api/v1/contacts/${contactId}/timeline?limit=${limit}${after ? `&after=${after}` : ''}`);
      expect(page.results.length).toBeLessThanOrEqual(limit);
      out.push(...page.results);
      after = page.paging?.next?.after;
    } while (after);
    return out;
  }

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    const u = await server.addUser('ann@mycorp.test');
    ann = u.accessToken;
    userId = u.id;
    await server.addUser('eve@other.test', { account: 'other' });
    database = await tdb.open();
    accountId = (await database.db.selectFrom('accounts').select('id').where('name', '=', 'default').executeTakeFirstOrThrow()).id;
    otherAccountId = (await database.db.selectFrom('accounts').select('id').where('name', '=', 'other').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('merges sends, opens, clicks, shared-pixel opens and logged emails, newest first', async () => {
    const db = database.db;
    const { deliveryId, sent } = await seedSend(db, accountId, 'bob@acme.test', 'Your receipt', T0 + 1000, 42);
    const open = await seedEvent(db, accountId, { type: 'OPEN', recipient: 'bob@acme.test', at: T0 + 2000, deliveryId, details: { verdict: 'HUMAN', reasons: ['a person'] } });
    const click = await seedEvent(db, accountId, { type: 'CLICK', recipient: 'bob@acme.test', at: T0 + 3000, deliveryId, filtered: true, details: { url: 'https://acme.test/pricing', verdict: 'SCANNER', reasons: ['scanner'], filterReason: 'SCANNER' } });
    await seedTracked(db, accountId, userId, 'trk-shared-0001', 'Renewal', ['bob@acme.test', 'carol@acme.test']);
    await seedTracked(db, accountId, userId, 'trk-other-0001', 'Unrelated', ['dave@acme.test', 'bob@acme.test.example']);
    const someone = await seedEvent(db, accountId, { type: 'OPEN', recipient: '', at: T0 + 4000, trackedEmailId: 'trk-shared-0001', details: { verdict: 'MAIL_PROXY', reasons: [] } });
    await seedEvent(db, accountId, { type: 'OPEN', recipient: '', at: T0 + 4500, trackedEmailId: 'trk-other-0001', details: { verdict: 'HUMAN', reasons: [] } });
    // The same address in another account, and another address: not Bob's.
    await seedEvent(db, otherAccountId, { type: 'OPEN', recipient: 'bob@acme.test', at: T0 + 4600, details: { verdict: 'HUMAN', reasons: [] } });
    await seedEvent(db, accountId, { type: 'CLICK', recipient: 'carol@acme.test', at: T0 + 4700, details: { url: 'https://acme.test/', verdict: 'HUMAN', reasons: [] } });
    const logged = (await (await postLogged(server, ann, emailInput({ to: ['bob@acme.test', 'carol@acme.test'], sentAt: new Date(T0 + 2500).toISOString(), subject: 'Proposal' }))).json()) as LoggedEmailResult;

    const bob = await contact('bob@acme.test');
    const page = await get<Page<TimelineEntry>>(`/api/v1/contacts/${bob.id}/timeline`);
    expect(page.paging).toBeUndefined();
    expect(page.results.map((e) => [e.type, e.id])).toEqual([
      ['OPEN', someone],
      ['CLICK', click],
      ['LOGGED_EMAIL', logged.id],
      ['OPEN', open],
      ['SENT_EMAIL', sent],
    ]);
    const [shared, clicked, , opened, sentEntry] = page.results;
    expect(shared).toMatchObject({ subject: 'Renewal', at: new Date(T0 + 4000).toISOString(), engagement: { verdict: 'MAIL_PROXY', counted: true, inferred: false, trackedEmailId: 'trk-shared-0001' } });
    expect(clicked).toMatchObject({ subject: 'Your receipt', engagement: { url: 'https://acme.test/pricing', verdict: 'SCANNER', counted: false, inferred: false } });
    expect(opened).toMatchObject({ subject: 'Your receipt', engagement: { verdict: 'HUMAN', counted: true } });
    expect(sentEntry).toEqual({ id: sent, type: 'SENT_EMAIL', at: new Date(T0 + 1000).toISOString(), subject: 'Your receipt', send: { emailCampaignId: '7', emailId: 42, status: 'SENT' } });

    // Carol shares the pixel's open and has her own click.
    const carol = await contact('carol@acme.test');
    expect((await get<Page<TimelineEntry>>(`/api/v1/contacts/${carol.id}/timeline`)).results.map((e) => e.type)).toEqual(['CLICK', 'OPEN', 'LOGGED_EMAIL']);

    // The contact card shows the newest counted activity: a later open by Ann herself does not count.
    expect(bob.lastActivity).toEqual({ type: 'OPEN', at: new Date(T0 + 4000).toISOString(), summary: 'Opened your email' });
    const self = await seedEvent(db, accountId, { type: 'OPEN', recipient: 'bob@acme.test', at: T0 + 9000, deliveryId, filtered: true, details: { verdict: 'SELF', reasons: ['the sender'], filterReason: 'SELF' } });
    expect((await contact('bob@acme.test')).lastActivity).toMatchObject({ at: new Date(T0 + 4000).toISOString() });
    expect((await get<Page<TimelineEntry>>(`/api/v1/contacts/${bob.id}/timeline?limit=1`)).results.map((e) => e.id)).toEqual([self]);
  });

  it('pages through entries that share a millisecond without losing or repeating any', async () => {
    const db = database.db;
    const at = T0 + 60_000;
    const { deliveryId } = await seedSend(db, accountId, 'tie@acme.test', 'Tie', at, null);
    for (let i = 0; i < 4; i++) await seedEvent(db, accountId, { type: 'OPEN', recipient: 'tie@acme.test', at, deliveryId, details: { verdict: 'HUMAN', reasons: [] } });
    for (let i = 0; i < 3; i++) await seedEvent(db, accountId, { type: 'CLICK', recipient: 'tie@acme.test', at, deliveryId, details: { url: `https://acme.test/${i}`, verdict: 'HUMAN', reasons: [] } });
    for (let i = 0; i < 2; i++) expect((await postLogged(server, ann, emailInput({ to: ['tie@acme.test'], sentAt: new Date(at).toISOString() }))).status).toBe(201);
    await seedEvent(db, accountId, { type: 'OPEN', recipient: 'tie@acme.test', at: at - 1, deliveryId, details: { verdict: 'HUMAN', reasons: [] } });

    const tie = await contact('tie@acme.test');
    const whole = await allPages(tie.id, 100);
    expect(whole).toHaveLength(1 + 4 + 3 + 2 + 1);
    expect(whole.map((e) => e.type)).toEqual(['SENT_EMAIL', 'OPEN', 'OPEN', 'OPEN', 'OPEN', 'LOGGED_EMAIL', 'LOGGED_EMAIL', 'CLICK', 'CLICK', 'CLICK', 'OPEN']);
    for (const limit of [1, 2, 3, 4]) expect((await allPages(tie.id, limit)).map((e) => e.id)).toEqual(whole.map((e) => e.id));
  });

  it('refuses a cursor it did not give out', async () => {
    const bob = await contact('bob@acme.test');
    const r = await server.api(`/api/v1/contacts/${bob.id}/timeline?after=${Buffer.from('["x","OPEN","y"]').toString('base64url')}`, { token: ann });
    expect(r.status).toBe(400);
    expect((await r.json()).errors).toEqual([expect.objectContaining({ in: 'after' })]);
  });
});
