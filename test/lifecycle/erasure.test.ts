// Erasure (HubSpot's GDPR delete) driven by the official @hubspot/api-client: afterwards the address is
// in no row of any table (enumerated from the database's catalog, so tables added later are covered),
// and on SQLite not in the raw bytes of the database, its WAL, the journals or any other file under
// DATA_DIR; later mail to it is delivered but neither tracked nor logged; another contact keeps its data.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Client } from '@hubspot/api-client';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { hubspot, smtpLogin, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { get, imageHeaders, clickHeaders, trackerUrls } from '../helpers/tracking.js';
import { emailInput, postLogged } from '../logging/client.js';
import { FAST_QUEUE, makeTemplate } from '../send/fixtures.js';
import type { Database } from '../../src/server/db/index.js';

const GONE = 'jane.erase@example.net';
const KEPT = 'keep.me@example.net';

/** Every row of every table (from the catalog), as text, that mentions `needle` (case-insensitive). */
async function rowsMentioning(database: Database, needle: string): Promise<string[]> {
  const tables =
    database.dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(database.db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(database.db)).rows.map((r) => r.name);
  expect(tables).toContain('email_events');
  const hits: string[] = [];
  for (const table of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(database.db);
    for (const row of rows) {
      const text = Object.values(row)
        .map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)))
        .join('\u0000')
        .toLowerCase();
      if (text.includes(needle)) hits.push(`${table}: ${JSON.stringify(row).slice(0, 300)}`);
    }
  }
  return hits;
}

/** Files under `dir` whose raw bytes contain `needle` (ASCII, any case). */
function filesMentioning(dir: string, needle: string): string[] {
  const found: string[] = [];
  const lower = Buffer.from(needle.toLowerCase());
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (Buffer.from(fs.readFileSync(full).toString('latin1').toLowerCase(), 'latin1').includes(lower)) found.push(full);
    }
  };
  walk(dir);
  return found;
}

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(BACKENDS)('erasure on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let token: string;
  let client: Client;
  let creds: SmtpCredentials;
  let campaignId: string;
  let database: Database;

  const events = async (recipient: string) => {
    const res = await server.api(`/email/public/v1/events?recipient=${encodeURIComponent(recipient)}&limit=100`, { token });
    return ((await res.json()) as { events: Array<{ type: string }> }).events;
  };
  const contactOf = async (email: string) => {
    const res = await server.api(`/api/v1/contacts?email=${encodeURIComponent(email)}`, { token });
    return ((await res.json()) as { results: Array<{ id: string }> }).results[0];
  };
  const counters = async () => (await (await server.api(`/email/public/v1/campaigns/${campaignId}`, { token })).json()) as { counters: Record<string, number>; uniqueCounters: Record<string, number> };

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE });
    token = (await server.addUser('ann@mycorp.test')).accessToken;
    client = hubspot(server, token);
    const login = await smtpLogin(server, token, 'Erasure', true);
    creds = login.creds;
    campaignId = login.token.emailCampaignId;
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  it('leaves the address in no table and no file, keeps other contacts and the counters, and later mail is delivered untracked', async () => {
    // Mail to both (one message, two copies) and to the erased address alone, opened and clicked by both.
    const mailer = transport(creds);
    const html = '<p>Hello Jane.Erase@Example.net, see <a href="https://acme.test/offer?for=jane.erase@example.net">the offer</a></p>';
    await mailer.sendMail({ from: 'billing@acme.test', to: [GONE, KEPT], subject: `For ${GONE}`, html });
    await mailer.sendMail({ from: 'billing@acme.test', to: 'Jane Erase <Jane.Erase@example.net>', subject: 'Just you', html });
    const arrived = await sink.waitFor(3);
    for (const m of arrived) {
      const urls = await trackerUrls(m.raw, server.url);
      expect((await get(urls.pixel, imageHeaders)).status).toBe(200);
      expect((await get(urls.links[0], clickHeaders)).status).toBe(302);
    }
    await waitUntil('opens of both', async () => (await events(GONE)).some((e) => e.type === 'CLICK') && (await events(KEPT)).some((e) => e.type === 'CLICK'));
    // A single send to it, and logged mail: to it alone (with an attachment only it has), and to both.
    const template = await makeTemplate(server, token);
    await client.marketing.transactional.singleSendApi.sendEmail({ emailId: template.id, message: { to: GONE, sendId: 'erase-1' }, customProperties: { order_id: '7' } });
    const only = { name: 'jane.pdf', type: 'application/pdf', bytes: Buffer.from(`contract of ${GONE}, unique content`) };
    const terms = { name: 'terms.pdf', type: 'application/pdf', bytes: Buffer.from('terms both received') };
    expect((await postLogged(server, token, emailInput({ to: [GONE], subject: `Re: ${GONE}` }), [only, terms])).status).toBe(201);
    expect((await postLogged(server, token, emailInput({ to: [GONE, KEPT], cc: ['Jane.Erase@Example.NET'] }), [terms])).status).toBe(201);
    await sink.waitFor(4);
    const gone = await contactOf(GONE);
    const kept = await contactOf(KEPT);
    expect(gone && kept).toBeTruthy();
    expect((await server.api(`/api/v1/contacts/${gone.id}`, { method: 'PATCH', token, json: { properties: { firstname: 'Jane', note: `reach me at ${GONE}` } } })).status).toBe(200);
    await waitUntil('the single send delivered', async () => (await events(GONE)).filter((e) => e.type === 'DELIVERED').length >= 3);
    const before = await counters();
    const keptEvents = (await events(KEPT)).length;
    const keptTimeline = (await (await server.api(`/api/v1/contacts/${kept.id}/timeline`, { token })).json()) as { results: unknown[] };

    await client.crm.contacts.basicApi.purge({ objectId: gone.id });

    expect(await rowsMentioning(database, GONE)).toEqual([]);
    if (backend === 'sqlite') expect(filesMentioning(tdb.dataDir, GONE)).toEqual([]);
    expect(await contactOf(GONE)).toBeUndefined();
    // The other contact keeps its contact, events and timeline (the shared logged mail, with its attachment).
    expect((await contactOf(KEPT))?.id).toBe(kept.id);
    expect((await events(KEPT)).length).toBe(keptEvents);
    const after = (await (await server.api(`/api/v1/contacts/${kept.id}/timeline`, { token })).json()) as { results: Array<{ type: string; loggedEmail?: { to: string[]; attachments: Array<{ url: string }> } }> };
    expect(after.results.length).toBe(keptTimeline.results.length);
    const shared = after.results.find((r) => r.loggedEmail)!.loggedEmail!;
    expect(shared.to).toEqual(['erased@erased.invalid', KEPT]);
    const attachment = shared.attachments[0];
    expect(await (await server.api(attachment.url, { token })).text()).toBe('terms both received');
    // Counters stay: the erased address's events are counted under a pseudonym.
    expect(await counters()).toEqual(before);

    // The old pixel, loaded again, records nothing.
    const old = await trackerUrls(arrived.find((m) => m.to.length === 1 && m.to[0] === GONE)!.raw, server.url);
    expect((await get(old.pixel, imageHeaders)).status).toBe(200);

    // Later mail: delivered, with no tracking in it, no contact, nothing logged; the address is gone again once sent.
    sink.messages.length = 0;
    await mailer.sendMail({ from: 'billing@acme.test', to: GONE, subject: 'After', html: '<p>After <a href="https://acme.test/x">link</a></p>' });
    const { statusId } = await client.marketing.transactional.singleSendApi.sendEmail({ emailId: template.id, message: { to: GONE, sendId: 'erase-2' }, customProperties: { order_id: '8' } });
    await sink.waitFor(2);
    const later = sink.messages.find((m) => m.raw.toString('latin1').includes('Subject: After'))!;
    for (const m of sink.messages) expect(m.raw.toString('latin1')).not.toContain('/t/o/');
    expect(sink.messages.map((m) => m.to)).toEqual([[GONE], [GONE]]);
    expect(statusId).toBeTruthy();
    expect(later.raw.toString('latin1')).not.toContain('/t/o/');
    expect(later.raw.toString('latin1')).toContain('href="https://acme.test/x"');
    const logged = (await (await postLogged(server, token, emailInput({ to: [GONE, KEPT] }))).json()) as { contacts: Array<{ email: string }>; skipped: Array<{ address: string; reason: string }> };
    expect(logged.contacts.map((c) => c.email)).toEqual([KEPT]);
    expect(logged.skipped).toEqual([{ address: 'erased@erased.invalid', reason: 'ERASED' }]);
    const tracked = await server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject: 'One to one', from: 'ann@mycorp.test', to: [GONE], cc: [], bcc: [], html: '<html><body><p>Hi</p></body></html>' } });
    expect(tracked.status).toBe(201);
    expect(((await tracked.json()) as { html: string }).html).not.toContain('/t/o/');
    await waitUntil('the later copy settled', async () => ((await counters()).counters.delivered ?? 0) > (before.counters.delivered ?? 0));
    expect(await contactOf(GONE)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2200)); // the erasure's follow-up pass must not touch later mail
    expect(await rowsMentioning(database, GONE)).toEqual([]);
    if (backend === 'sqlite') expect(filesMentioning(tdb.dataDir, GONE)).toEqual([]);
    expect((await counters()).counters.processed).toBe(before.counters.processed + 1); // the SMTP token's campaign
    await server.api('/health'); // the server lives on
    expect(server.stderr()).not.toMatch(/Error/);
  });

  it('answers like HubSpot for bad input, unknown and foreign ids, and erases addresses that were never contacts', async () => {
    const other = hubspot(server, (await server.addUser('eve@other.test', { account: 'other' })).accessToken);
    const mine = await (await server.api('/api/v1/contacts', { method: 'POST', token, json: { email: 'stays@example.net' } })).json() as { id: string };
    await expect(other.crm.contacts.basicApi.purge({ objectId: mine.id })).rejects.toMatchObject({ code: 404 });
    expect((await contactOf('stays@example.net'))?.id).toBe(mine.id);
    const bad = await server.api('/crm/v3/objects/contacts/gdpr-delete', { method: 'POST', token, json: { objectId: 'not an address', idProperty: 'email' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ in: 'objectId' }] });
    expect((await server.api('/crm/v3/objects/contacts/gdpr-delete', { method: 'POST', token, json: { objectId: mine.id, idProperty: 'phone' } })).status).toBe(400);
    expect((await server.api('/crm/v3/objects/contacts/gdpr-delete', { method: 'POST', token, json: {} })).status).toBe(400);
    expect((await server.api('/crm/v3/objects/contacts/gdpr-delete', { method: 'POST', json: { objectId: mine.id } })).status).toBe(401);
    expect((await contactOf('stays@example.net'))?.id).toBe(mine.id);
    // By address, known or not (HubSpot blocklists an address it has no contact for), Unicode too.
    await client.crm.contacts.basicApi.purge({ objectId: 'Jöhn.Dœ@exämple.net', idProperty: 'email' });
    await client.crm.contacts.basicApi.purge({ objectId: 'stays@example.net', idProperty: 'email' });
    expect(await contactOf('stays@example.net')).toBeUndefined();
  });

  it('erases while mail to the address is being accepted, relayed and opened', async () => {
    const target = 'busy.reader@example.net';
    const mailer = transport(creds, { pool: true, maxConnections: 4 });
    sink.messages.length = 0;
    await Promise.all([1, 2, 3].map((i) => mailer.sendMail({ from: 'billing@acme.test', to: target, subject: `Before ${i}`, html: '<p>x <a href="https://acme.test/a">a</a></p>' })));
    const pixels = await Promise.all((await sink.waitFor(3)).map(async (m) => (await trackerUrls(m.raw, server.url)).pixel));
    let going = true;
    const sends = (async () => {
      for (let i = 0; going && i < 40; i++) await mailer.sendMail({ from: 'billing@acme.test', to: target, subject: `During ${i}`, html: '<p>y</p>' });
    })();
    const opens = (async () => {
      for (let i = 0; going && i < 200; i++) await get(pixels[i % pixels.length], imageHeaders);
    })();
    await new Promise((r) => setTimeout(r, 300));
    await client.crm.contacts.basicApi.purge({ objectId: target, idProperty: 'email' });
    await new Promise((r) => setTimeout(r, 300));
    going = false;
    await Promise.all([sends, opens]);
    mailer.close();
    // Once the queue is drained and the follow-up pass has run, nothing names the address.
    await waitUntil('the queue drained', async () => Number((await sql<{ n: number }>`select count(*) as n from deliveries where status = 'QUEUED'`.execute(database.db)).rows[0].n) === 0);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await rowsMentioning(database, target)).toEqual([]);
    expect((await server.api('/health')).status).toBe(200);
  });

  it('keeps a hard-bounced address suppressed after erasure, by its pseudonym only', async () => {
    const mailer = transport(creds);
    sink.messages.length = 0;
    sink.mode = 'permfail-rcpt';
    await mailer.sendMail({ from: 'billing@acme.test', to: 'bounced@example.net', subject: 'First', html: '<p>x</p>' });
    await waitUntil('the bounce', async () => (await events('bounced@example.net')).some((e) => e.type === 'BOUNCE'));
    sink.mode = 'accept';
    await client.crm.contacts.basicApi.purge({ objectId: 'bounced@example.net', idProperty: 'email' });
    // SMTP no longer knows the address (no row names it), so it takes the mail; the queue drops it unsent.
    await mailer.sendMail({ from: 'billing@acme.test', to: 'bounced@example.net', subject: 'Second', html: '<p>y</p>' });
    await mailer.sendMail({ from: 'billing@acme.test', to: KEPT, subject: 'Marker', html: '<p>z</p>' });
    await sink.waitFor(1);
    await waitUntil('the drop', async () => {
      const dropped = (await (await server.api('/email/public/v1/events?eventType=DROPPED&limit=10', { token })).json()) as { events: Array<{ recipient: string; dropReason: string }> };
      return dropped.events.some((e) => e.recipient.startsWith('erased:') && e.dropReason === 'PREVIOUSLY_BOUNCED');
    });
    expect(sink.messages.map((m) => m.to)).toEqual([[KEPT]]);
    expect(await rowsMentioning(database, 'bounced@example.net')).toEqual([]);
  });
});
