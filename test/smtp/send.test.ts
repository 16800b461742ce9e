// Mail through the SMTP API with three different clients over STARTTLS + AUTH, relayed to a real
// SMTP sink: what arrives, one copy per envelope recipient, events and campaign counters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { header, startSink, type Sink } from '../helpers/sink.js';
import { hubspot, sendWithPython, sendWithSwaks, smtpLogin, swaksCanTake, transport, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { MimeMessage } from '../../src/server/mime/message.js';

/** The message as it left the client, minus what the SMTP API changes: our Received line, Bcc, and
 * the HTML part's content (tracking rewrites it; tests in test/tracking check how). */
function strip(raw: Buffer): string {
  const message = MimeMessage.parse(raw);
  message.transformHtml(() => '(html)');
  return message
    .toBuffer()
    .toString('latin1')
    .replace(/^Received: from [^\r\n]*\(Mailbeacon\)[^\r\n]*\r?\n/, '')
    .replace(/^Bcc:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*/im, '');
}

describe.each(BACKENDS)('sending through the SMTP API on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let accessToken: string;
  let creds: SmtpCredentials;
  let campaignId: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url });
    accessToken = (await server.addUser('dev@acme.test')).accessToken;
    const login = await smtpLogin(server, accessToken, 'Sends', true);
    creds = login.creds;
    campaignId = login.token.emailCampaignId;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  it('relays a nodemailer message intact, one copy per recipient, without Bcc', async () => {
    sink.messages.length = 0;
    const raw = await new MailComposer({
      from: 'Acme Billing <billing@acme.test>',
      to: 'Ann Lee <ann@example.test>',
      cc: 'bob@example.test',
      bcc: 'audit@acme.test',
      subject: 'Ihre Rechnung – März ✓',
      text: 'Hello Ann,\r\nyour invoice is attached.', // CRLF: SMTP itself turns a bare LF into one
      html: '<p>Hello Ann, <a href="https://acme.test/invoice?id=1&amp;x=2">your invoice</a></p>',
      headers: { 'X-Order': 'A-1001' },
      attachments: [{ filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4 fake pdf bytes \u0000\u0001') }],
    })
      .compile()
      .build();
    const info = await transport(creds).sendMail({ envelope: { from: 'billing@acme.test', to: ['ann@example.test', 'bob@example.test', 'audit@acme.test'] }, raw });
    expect(info.response).toMatch(/^250 2\.6\.0 Queued as [a-z0-9]+$/);

    const got = await sink.waitFor(3);
    expect(got.map((m) => m.to)).toEqual(expect.arrayContaining([['ann@example.test'], ['bob@example.test'], ['audit@acme.test']]));
    for (const m of got) {
      expect(m.from).toBe('billing@acme.test');
      expect(header(m.raw, 'bcc')).toBeUndefined();
      expect(header(m.raw, 'received')).toMatch(/\(Mailbeacon\) with ESMTPSA/);
      // Every byte outside the HTML part is exactly what the client sent…
      expect(strip(m.raw)).toBe(strip(raw));
      // …and the HTML part has its link through the tracker and its pixel.
      expect(m.raw.toString()).toMatch(/\/t\/c\//);
      expect(m.raw.toString()).toMatch(/\/t\/o\//);
    }
  });

  it('accepts the same from swaks and from Python smtplib', async () => {
    sink.messages.length = 0;
    const data = (id: string) =>
      [`From: ops@acme.test`, `To: carol@example.test`, `Subject: from ${id}`, `Message-ID: <${id}@acme.test>`, `Date: Sun, 22 Nov 2026 08:00:00 +0000`, '', `body from ${id}`, ''].join('\r\n');
    const swaks = await sendWithSwaks(await swaksCanTake(server, accessToken, creds), 'ops@acme.test', ['carol@example.test'], data('swaks'));
    expect(swaks.stdout + swaks.stderr).toMatch(/250 2\.6\.0 Queued as/);
    const py = await sendWithPython(creds, 'ops@acme.test', ['carol@example.test', 'dan@example.test'], data('python'));
    expect(py.code, py.stderr).toBe(0);
    expect(py.stdout).toContain('refused {}');

    const got = await sink.waitFor(3);
    const byId = (id: string) => got.filter((m) => m.messageId === `<${id}@acme.test>`);
    expect(byId('swaks').map((m) => m.to)).toEqual([['carol@example.test']]);
    expect(byId('python').map((m) => m.to[0]).sort()).toEqual(['carol@example.test', 'dan@example.test']);
    for (const m of got) expect(m.raw.toString()).toMatch(/\r\n\r\nbody from (swaks|python)(\r\n)+$/);
  });

  it('adds a Message-ID when the client sent none', async () => {
    sink.messages.length = 0;
    await transport(creds).sendMail({ envelope: { from: 'ops@acme.test', to: ['erin@example.test'] }, raw: 'From: ops@acme.test\r\nTo: erin@example.test\r\nSubject: no id\r\n\r\nhi\r\n' });
    const [m] = await sink.waitFor(1);
    expect(m.messageId).toMatch(/^<[0-9a-f-]{36}@[^>]+>$/);
  });

  it('records PROCESSED, SENT and DELIVERED per recipient, counted on the token\'s campaign', async () => {
    await expect
      .poll(async () => {
        const r = await server.api(`/email/public/v1/campaigns/${campaignId}`, { token: accessToken });
        return (await r.json()).counters;
      })
      .toMatchObject({ processed: 7, sent: 7, delivered: 7, bounce: 0, dropped: 0 });
    const events = await (await server.api(`/email/public/v1/events?recipient=ann@example.test&campaignId=${campaignId}`, { token: accessToken })).json();
    expect(events.events.map((e: { type: string }) => e.type)).toEqual(['DELIVERED', 'SENT', 'PROCESSED']);
    const [delivered, , processed] = events.events;
    expect(delivered).toMatchObject({ recipient: 'ann@example.test', emailCampaignId: campaignId, filteredEvent: false, response: expect.stringMatching(/^250/) });
    expect(delivered.sentBy).toEqual(processed.sentBy);
  });

  it('creates a contact per recipient for a createContact token, and none for the others', async () => {
    const quiet = await smtpLogin(server, accessToken, 'NoContacts', false);
    sink.messages.length = 0;
    await transport(quiet.creds).sendMail({ envelope: { from: 'ops@acme.test', to: ['nocontact@example.test'] }, raw: 'From: ops@acme.test\r\nSubject: x\r\n\r\nx\r\n' });
    await sink.waitFor(1);
    const database = await tdb.open();
    try {
      const emails = (await database.db.selectFrom('contacts').select('email').execute()).map((r) => r.email);
      expect(emails).toEqual(expect.arrayContaining(['ann@example.test', 'bob@example.test', 'audit@acme.test', 'carol@example.test', 'dan@example.test']));
      expect(emails).not.toContain('nocontact@example.test');
    } finally {
      await database.close();
    }
  });

  it('pages through events with offset and filters by type', async () => {
    const seen: string[] = [];
    let offset: string | undefined;
    for (;;) {
      const q = new URLSearchParams({ limit: '4', eventType: 'PROCESSED', ...(offset ? { offset } : {}) });
      const page = await (await server.api(`/email/public/v1/events?${q}`, { token: accessToken })).json();
      seen.push(...page.events.map((e: { id: string; type: string }) => (expect(e.type).toBe('PROCESSED'), e.id)));
      if (!page.hasMore) break;
      offset = page.offset;
    }
    expect(seen.length).toBe(8);
    expect(new Set(seen).size).toBe(8);
    const other = (await server.addUser('spy@other.test', { account: 'spies' })).accessToken;
    const theirs = await (await server.api('/email/public/v1/events', { token: other })).json();
    expect(theirs.events).toEqual([]);
    expect((await server.api(`/email/public/v1/campaigns/${campaignId}`, { token: other })).status).toBe(404);
    // The official client is fine with our campaign shape too (generic request).
    const res = await hubspot(server, accessToken).apiRequest({ method: 'GET', path: `/email/public/v1/campaigns/${campaignId}` });
    expect((await res.json()).name).toBe('Sends');
  });
});
