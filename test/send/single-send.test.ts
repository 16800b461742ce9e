// Single send with the official @hubspot/api-client against the real server, relayed to a real SMTP
// sink: what arrives, how the send status moves, and every sendResult the API produces.
import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { header, startSink, type Sink } from '../helpers/sink.js';
import { hubspot } from '../helpers/smtp-clients.js';
import type { SendStatusView, SingleSendInput } from '../../src/shared/hubspot.js';
import { FAST_QUEUE, makeTemplate, parse, sleep, statusOf, to, waitForStatus } from './fixtures.js';

type Egg = Parameters<Client['marketing']['transactional']['singleSendApi']['sendEmail']>[0];

describe.each(BACKENDS)('single send on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let sink: Sink;
  let token: string;
  let client: Client;
  let orderTemplate: number;

  /** Sends with the official client's typed call; answers the status as plain JSON (its model has no `message`). */
  async function sendTyped(egg: Egg): Promise<SendStatusView> {
    return JSON.parse(JSON.stringify(await client.marketing.transactional.singleSendApi.sendEmail(egg)));
  }

  /** Sends the body as it is (the client's generic request), answering the whole status view. */
  async function send(body: SingleSendInput): Promise<SendStatusView> {
    const res = await client.apiRequest({ method: 'POST', path: '/marketing/v3/transactional/single-email/send', body });
    expect(res.status).toBe(200);
    return (await res.json()) as SendStatusView;
  }

  /** The HTTP status and error body of a send the server refuses. */
  async function refused(egg: Egg): Promise<{ code: number; body: { category: string; message: string; errors?: Array<{ in?: string }> } }> {
    try {
      await client.marketing.transactional.singleSendApi.sendEmail(egg);
    } catch (e) {
      const err = e as { code: number; body: unknown };
      return { code: err.code, body: (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as never };
    }
    throw new Error('the send was accepted');
  }

  async function contactProperties(email: string): Promise<Record<string, string> | undefined> {
    const database = await tdb.open();
    try {
      const row = await database.db.selectFrom('contacts').select('properties').where('email', '=', email).executeTakeFirst();
      return row && JSON.parse(row.properties);
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE });
    token = (await server.addUser('ops@acme.test', { name: 'Ops' })).accessToken;
    client = hubspot(server, token);
    orderTemplate = (await makeTemplate(server, token)).id;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  it('creates, publishes, sends and polls with the official client; the sink gets the email rendered and escaped', async () => {
    const created = await client.apiRequest({
      method: 'POST',
      path: '/api/v1/emails',
      body: {
        name: 'Receipt',
        subject: 'Receipt {{ custom.order_id }} for {{ contact.firstname }}',
        html: '<html><body><p>Hello {{ contact.firstname | default: "there" }},</p><p>you bought <b>{{ custom.item }}</b>.</p><p><a href="https://shop.acme.test/orders/{{ custom.order_id }}">See the order</a></p></body></html>',
        text: 'Hello {{ contact.firstname }}, you bought {{ custom.item }}.',
        subscriptionType: 'TRANSACTIONAL',
        sendMethod: 'API',
      },
    });
    expect(created.status).toBe(201);
    const template = await created.json();
    expect(template).toMatchObject({ id: expect.any(Number), state: 'DRAFT', emailCampaignId: expect.stringMatching(/^\d+$/) });
    const published = await (await client.apiRequest({ method: 'POST', path: `/api/v1/emails/${template.id}/publish` })).json();
    expect(published.state).toBe('PUBLISHED');

    const answer = await client.marketing.transactional.singleSendApi.sendEmail({
      emailId: template.id,
      message: { to: 'Jane.Doe@Example.test', _from: 'Acme Shop <shop@acme.test>', sendId: 'receipt-1', replyTo: ['help@acme.test'] },
      contactProperties: { firstname: 'Jane & "JD"' },
      customProperties: { order_id: 'A-1001', item: 'Fish & Chips <large>' },
    });
    expect(answer.status).toBe('PENDING');
    expect(answer.statusId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.requestedAt).toBeInstanceOf(Date);

    const done = await waitForStatus(client, answer.statusId);
    expect(done).toMatchObject({ status: 'COMPLETE', sendResult: 'SENT', eventId: { id: expect.any(String), created: expect.any(String) } });
    expect(Date.parse(done.completedAt!)).toBeGreaterThanOrEqual(Date.parse(done.requestedAt));

    const [m] = to(await sink.waitFor(1), 'jane.doe@example.test');
    expect(m.from).toBe('shop@acme.test');
    const mail = await parse(m);
    // Subject and text carry values as they are; the HTML escapes them.
    expect(mail.subject).toBe('Receipt A-1001 for Jane & "JD"');
    expect(mail.text?.trim()).toBe('Hello Jane & "JD", you bought Fish & Chips <large>.');
    expect(mail.html).toContain('Hello Jane &amp; &#34;JD&#34;,');
    expect(mail.html).toContain('<b>Fish &amp; Chips &lt;large&gt;</b>');
    expect(mail.html).not.toContain('<large>');
    expect(mail.from?.value[0]).toEqual({ name: 'Acme Shop', address: 'shop@acme.test' });
    expect(mail.replyTo?.value[0].address).toBe('help@acme.test');
    expect(mail.messageId).toContain(answer.statusId);
    // Same tracking as SMTP mail: the link goes through the tracker, and a pixel is placed.
    expect(mail.html).toMatch(/href="http:\/\/localhost:\d+\/t\/c\/[^"]+">See the order/);
    expect(mail.html).toMatch(/<img src="http:\/\/localhost:\d+\/t\/o\/[^"]+\.gif"/);

    // The eventId is the SENT event of this delivery, and the events count in the template's campaign.
    const events = await (await client.apiRequest({ path: '/email/public/v1/events', qs: { recipient: 'jane.doe@example.test', campaignId: template.emailCampaignId } })).json();
    expect(events.events.map((e: { type: string }) => e.type)).toEqual(['DELIVERED', 'SENT', 'PROCESSED']);
    expect(events.events[1].id).toBe(done.eventId!.id);
    expect(new Date(events.events[1].created).toISOString()).toBe(done.eventId!.created);
    const campaign = await (await client.apiRequest({ path: `/email/public/v1/campaigns/${template.emailCampaignId}` })).json();
    expect(campaign).toMatchObject({ name: 'Receipt', counters: { processed: 1, sent: 1, delivered: 1 } });

    // contactProperties land on the contact; customProperties are never stored.
    expect(await contactProperties('jane.doe@example.test')).toEqual({ firstname: 'Jane & "JD"' });
  });

  it('sends one email for twenty concurrent sends with one sendId; the others are IDEMPOTENT_IGNORE', async () => {
    const before = to(sink.messages, 'twenty@example.test').length;
    const egg = { emailId: orderTemplate, message: { to: 'twenty@example.test', sendId: 'order-20' }, customProperties: { order_id: '20' } };
    const answers = await Promise.all(Array.from({ length: 20 }, () => sendTyped(egg)));
    const winners = answers.filter((a) => a.status === 'PENDING');
    const ignored = answers.filter((a) => a.sendResult === 'IDEMPOTENT_IGNORE');
    expect(winners).toHaveLength(1);
    expect(ignored).toHaveLength(19);
    expect(new Set(answers.map((a) => a.statusId)).size).toBe(20);
    for (const a of ignored) {
      const status = await statusOf(client, a.statusId);
      expect(status).toMatchObject({ status: 'COMPLETE', sendResult: 'IDEMPOTENT_IGNORE' });
      expect(status.message).toContain(winners[0].statusId);
    }
    expect(await waitForStatus(client, winners[0].statusId)).toMatchObject({ sendResult: 'SENT' });

    // A repeat long after, with other content, sends nothing either.
    expect(await send({ ...egg, message: { ...egg.message, to: 'other@example.test' } })).toMatchObject({ status: 'COMPLETE', sendResult: 'IDEMPOTENT_IGNORE' });
    await sleep(500);
    expect(to(sink.messages, 'twenty@example.test').length - before).toBe(1);
    expect(to(sink.messages, 'other@example.test')).toHaveLength(0);
  });

  it('refuses unknown, foreign, draft, marketing and REGULAR templates with a 400 that says which', async () => {
    const draft = await makeTemplate(server, token, { name: 'Draft' }, { draft: true });
    const marketing = await makeTemplate(server, token, { name: 'Newsletter', subscriptionType: 'MARKETING' });
    const regular = await makeTemplate(server, token, { name: 'Regular', sendMethod: 'REGULAR' });
    const otherToken = (await server.addUser('eve@other.test', { account: 'other' })).accessToken;
    const foreign = await makeTemplate(server, otherToken, { name: 'Theirs' });
    const cases: Array<[number, RegExp]> = [
      [999_999, /emailId 999999 is not a template of this account/],
      [foreign.id, new RegExp(`emailId ${foreign.id} is not a template of this account`)],
      [draft.id, /is a draft; publish it/],
      [marketing.id, /is a MARKETING template; single send sends only TRANSACTIONAL/],
      [regular.id, /has sendMethod REGULAR; single send needs sendMethod API/],
    ];
    for (const [emailId, message] of cases) {
      const r = await refused({ emailId, message: { to: 'x@example.test' }, customProperties: { order_id: '1' } });
      expect(r.code).toBe(400);
      expect(r.body).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ in: 'emailId' }] });
      expect(r.body.message).toMatch(message);
    }
    // A deleted template is gone for single send too.
    expect((await server.api(`/api/v1/emails/${regular.id}`, { method: 'DELETE', token })).status).toBe(204);
    expect((await refused({ emailId: regular.id, message: { to: 'x@example.test' } })).body.message).toMatch(/is not a template of this account/);
  });

  it('names the field of a malformed request', async () => {
    const bad = async (json: unknown) => {
      const res = await server.api('/marketing/v3/transactional/single-email/send', { method: 'POST', token, json });
      expect(res.status).toBe(400);
      return (await res.json()) as { category: string; errors: Array<{ in: string; message: string }> };
    };
    expect((await bad({ emailId: orderTemplate, message: {} })).errors).toContainEqual(expect.objectContaining({ in: 'message.to' }));
    expect((await bad({ message: { to: 'a@example.test' } })).errors).toContainEqual(expect.objectContaining({ in: 'emailId' }));
    expect((await bad({ emailId: 'abc', message: { to: 'a@example.test' } })).errors[0].in).toBe('emailId');
    expect((await bad({ emailId: orderTemplate, message: { to: 'a@example.test', cc: ['ok@example.test', 'not an address'] } })).errors[0].in).toBe('message.cc[1]');
    expect((await bad({ emailId: orderTemplate, message: { to: 'a@example.test' }, contactProperties: { n: { nested: true } } })).errors[0].in).toBe('contactProperties.n');
  });

  it('answers what it can decide at once as COMPLETE with its sendResult and queues nothing', async () => {
    const before = sink.messages.length;
    const brokenLoop = await makeTemplate(server, token, { name: 'Runaway', html: '{% for i in (1..100000000) %}{{ i }}{% endfor %}', text: null });
    const cases: Array<[SingleSendInput, string, RegExp]> = [
      [{ emailId: orderTemplate, message: { to: 'not-an-address' }, customProperties: { order_id: '1' } }, 'INVALID_TO_ADDRESS', /not a valid email address/],
      [{ emailId: orderTemplate, message: { to: 'NoReply@example.test' }, customProperties: { order_id: '1' } }, 'INVALID_TO_ADDRESS', /role address \(noreply@\)/],
      [{ emailId: orderTemplate, message: { to: 'postmaster@example.test' }, customProperties: { order_id: '1' } }, 'INVALID_TO_ADDRESS', /role address/],
      [{ emailId: orderTemplate, message: { to: 'ok@example.test', from: 'Acme <not an address>' }, customProperties: { order_id: '1' } }, 'INVALID_FROM_ADDRESS', /not a valid sender/],
      [{ emailId: orderTemplate, message: { to: 'ok@example.test', sendId: 'needs-props' } }, 'MISSING_TEMPLATE_PROPERTIES', /custom\.order_id/],
      [
        { emailId: orderTemplate, message: { to: 'ok@example.test', cc: Array.from({ length: 50 }, (_, i) => `cc${i}@example.test`) }, customProperties: { order_id: '1' } },
        'TOO_MANY_RECIPIENTS',
        /at most 50 addresses/,
      ],
      [{ emailId: brokenLoop.id, message: { to: 'ok@example.test' } }, 'TEMPLATE_RENDER_EXCEPTION', /cannot be rendered/],
    ];
    for (const [egg, sendResult, message] of cases) {
      const answer = await send(egg);
      expect(answer, sendResult).toMatchObject({ status: 'COMPLETE', sendResult, completedAt: answer.requestedAt });
      expect(answer.message).toMatch(message);
      expect(await statusOf(client, answer.statusId)).toEqual(answer);
    }
    // A send that sent nothing leaves its sendId free for the corrected request.
    const fixed = await send({ emailId: orderTemplate, message: { to: 'ok@example.test', sendId: 'needs-props' }, customProperties: { order_id: '7' } });
    expect(fixed.status).toBe('PENDING');
    expect(await waitForStatus(client, fixed.statusId)).toMatchObject({ sendResult: 'SENT' });
    await sleep(300);
    expect(sink.messages.slice(before).map((m) => m.to)).toEqual([['ok@example.test']]);
  });

  it('lists every missing token, and a default or an `if` makes a token optional', async () => {
    const t = await makeTemplate(server, token, {
      name: 'Tokens',
      subject: '{{ contact.firstname | default: "Hi" }} {{ custom.a }}',
      html: '{% if custom.vip %}VIP{% endif %}<p>{{ contact.lastname }} {{ custom.b }}</p>',
      text: null,
    });
    const answer = await send({ emailId: t.id, message: { to: 'tokens@example.test' }, customProperties: { b: 'set' } });
    expect(answer.sendResult).toBe('MISSING_TEMPLATE_PROPERTIES');
    expect(answer.message).toContain('custom.a');
    expect(answer.message).toContain('contact.lastname');
    expect(answer.message).not.toContain('custom.b');
    expect(answer.message).not.toContain('firstname');
    expect(answer.message).not.toContain('vip');
    // Stored contact properties count as values.
    await send({ emailId: orderTemplate, message: { to: 'tokens@example.test' }, contactProperties: { lastname: 'Stored' }, customProperties: { order_id: '1' } });
    const ok = await send({ emailId: t.id, message: { to: 'tokens@example.test' }, customProperties: { a: 'A', b: 'B' } });
    expect(ok.status).toBe('PENDING');
    await waitForStatus(client, ok.statusId);
    const mail = await parse(to(sink.messages, 'tokens@example.test').at(-1)!);
    expect(mail.subject).toBe('Hi A');
    expect(mail.html).toContain('<p>Stored B</p>');
    expect(mail.text).toContain('Stored B'); // derived from the HTML when the template has no text
  });

  it('sends the published version: an edit waits for the next publish', async () => {
    const t = await makeTemplate(server, token, { name: 'Versions', subject: 'Version one', html: '<p>one</p>', text: null });
    const edited = await (await server.api(`/api/v1/emails/${t.id}`, { method: 'PATCH', token, json: { subject: 'Version two', html: '<p>two</p>' } })).json();
    expect(edited).toMatchObject({ state: 'PUBLISHED', hasUnpublishedChanges: true, subject: 'Version two' });
    const first = await send({ emailId: t.id, message: { to: 'versions@example.test' } });
    await waitForStatus(client, first.statusId);
    expect((await parse(to(sink.messages, 'versions@example.test')[0])).subject).toBe('Version one');
    expect((await (await server.api(`/api/v1/emails/${t.id}/publish`, { method: 'POST', token })).json()).hasUnpublishedChanges).toBe(false);
    const second = await send({ emailId: t.id, message: { to: 'versions@example.test' } });
    await waitForStatus(client, second.statusId);
    const mail = await parse(to(sink.messages, 'versions@example.test')[1]);
    expect(mail.subject).toBe('Version two');
    expect(mail.html).toContain('<p>two</p>');
  });

  it('gives Cc and Bcc their own untracked copies; only the To recipient becomes a contact', async () => {
    const before = sink.messages.length;
    const answer = await send({
      emailId: orderTemplate,
      message: { to: 'main@example.test', cc: ['Carl Copy <carl@example.test>'], bcc: ['audit@acme.test'], sendId: 'with-copies' },
      customProperties: { order_id: 'CC-1' },
    });
    expect(await waitForStatus(client, answer.statusId)).toMatchObject({ sendResult: 'SENT' });
    await sink.waitFor(before + 3);
    const got = sink.messages.slice(before);
    expect(got.map((m) => m.to[0]).sort()).toEqual(['audit@acme.test', 'carl@example.test', 'main@example.test']);
    for (const m of got) {
      expect(header(m.raw, 'cc')).toContain('carl@example.test');
      expect(header(m.raw, 'bcc')).toBeUndefined();
      expect(header(m.raw, 'to')).toBe('main@example.test');
    }
    const tracked = (address: string) => parse(to(got, address)[0]).then((mail) => /\/t\/o\//.test(String(mail.html)));
    expect(await tracked('main@example.test')).toBe(true);
    expect(await tracked('carl@example.test')).toBe(false);
    expect(await tracked('audit@acme.test')).toBe(false);
    expect(await contactProperties('main@example.test')).toEqual({});
    expect(await contactProperties('carl@example.test')).toBeUndefined();
    expect(await contactProperties('audit@acme.test')).toBeUndefined();
  });

  it('moves PENDING → PROCESSING → COMPLETE while the relay fails for a while', async () => {
    sink.mode = 'tempfail';
    try {
      const answer = await send({ emailId: orderTemplate, message: { to: 'later@example.test' }, customProperties: { order_id: 'L-1' } });
      expect(answer).toMatchObject({ status: 'PENDING' });
      expect(answer.sendResult).toBeUndefined();
      const processing = await waitForStatus(client, answer.statusId, (s) => s.status !== 'PENDING');
      expect(processing).toMatchObject({ status: 'PROCESSING', startedAt: expect.any(String) });
      expect(processing.sendResult).toBeUndefined();
      // Still PROCESSING once an attempt has failed for now.
      await expect
        .poll(async () => (await (await client.apiRequest({ path: '/email/public/v1/events', qs: { recipient: 'later@example.test', eventType: 'DEFERRED' } })).json()).events.length)
        .toBeGreaterThan(0);
      expect(await statusOf(client, answer.statusId)).toMatchObject({ status: 'PROCESSING', startedAt: processing.startedAt });
      sink.mode = 'accept';
      const done = await waitForStatus(client, answer.statusId);
      expect(done).toMatchObject({ status: 'COMPLETE', sendResult: 'SENT', startedAt: processing.startedAt });
    } finally {
      sink.mode = 'accept';
    }
  });

  it('completes a refused delivery as UNDELIVERABLE; the address is PREVIOUSLY_BOUNCED from then on', async () => {
    sink.mode = 'permfail-rcpt';
    let bounced: SendStatusView;
    try {
      const answer = await send({ emailId: orderTemplate, message: { to: 'gone@example.test' }, customProperties: { order_id: 'B-1' } });
      bounced = await waitForStatus(client, answer.statusId);
    } finally {
      sink.mode = 'accept';
    }
    expect(bounced).toMatchObject({ status: 'COMPLETE', sendResult: 'UNDELIVERABLE', message: expect.stringContaining('No such user') });
    expect(bounced.eventId).toBeUndefined();
    const again = await send({ emailId: orderTemplate, message: { to: 'Gone@example.test' }, customProperties: { order_id: 'B-2' } });
    expect(again).toMatchObject({ status: 'COMPLETE', sendResult: 'PREVIOUSLY_BOUNCED' });
  });

  it('completes as PREVIOUSLY_BOUNCED when the address is suppressed while the email waits in the queue', async () => {
    sink.mode = 'tempfail';
    try {
      const answer = await send({ emailId: orderTemplate, message: { to: 'waiting@example.test' }, customProperties: { order_id: 'W-1' } });
      // Once an attempt failed for now (a DEFERRED event), the email waits in the queue for its retry.
      await expect
        .poll(async () => (await (await client.apiRequest({ path: '/email/public/v1/events', qs: { recipient: 'waiting@example.test', eventType: 'DEFERRED' } })).json()).events.length)
        .toBeGreaterThan(0);
      expect((await statusOf(client, answer.statusId)).status).toBe('PROCESSING');
      // Another email to the address hard-bounced meanwhile (what the worker records on a 5xx).
      const database = await tdb.open();
      const [account] = await database.db.selectFrom('users').select('account_id').where('email', '=', 'ops@acme.test').execute();
      await database.db.insertInto('suppressions').values({ account_id: account.account_id, email: 'waiting@example.test', reason: 'HARD_BOUNCE', detail: '550 gone', created_at: Date.now() }).execute();
      await database.close();
      // The relay still fails, so nothing can slip through: the next attempt finds the address suppressed.
      expect(await waitForStatus(client, answer.statusId)).toMatchObject({ status: 'COMPLETE', sendResult: 'PREVIOUSLY_BOUNCED' });
      expect(to(sink.messages, 'waiting@example.test')).toHaveLength(0);
    } finally {
      sink.mode = 'accept';
    }
  });

  it(`is THROTTLED past 30 single sends to one address in a minute`, async () => {
    const eggFor = (address: string, i: number) => ({ emailId: orderTemplate, message: { to: address }, customProperties: { order_id: String(i) } });
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await send(eggFor('busy@example.test', i)));
    expect(answers.every((a) => a.status === 'PENDING')).toBe(true);
    const throttled = await send(eggFor('busy@example.test', 30));
    expect(throttled).toMatchObject({ status: 'COMPLETE', sendResult: 'THROTTLED', message: expect.stringContaining('already got 30 single sends') });
    expect((await send(eggFor('calm@example.test', 0))).status).toBe('PENDING');
    await expect.poll(() => to(sink.messages, 'busy@example.test').length, { timeout: 15_000 }).toBe(30);
    await sleep(300);
    expect(to(sink.messages, 'busy@example.test')).toHaveLength(30);
  });

  it('reads a claim that never reached the queue (the process died in between) as CANCELED after 15 minutes', async () => {
    const database = await tdb.open();
    try {
      const [user] = await database.db.selectFrom('users').select(['account_id', 'id']).where('email', '=', 'ops@acme.test').execute();
      const row = { account_id: user.account_id, user_id: user.id, template_id: orderTemplate, recipient: 'lost@example.test', status: 'PENDING' as const, queued: 1 };
      await database.db.insertInto('send_statuses').values({ ...row, id: '00000000-0000-4000-8000-000000000001', send_id: 'lost-old', requested_at: Date.now() - 16 * 60_000 }).execute();
      await database.db.insertInto('send_statuses').values({ ...row, id: '00000000-0000-4000-8000-000000000002', send_id: 'lost-new', requested_at: Date.now() - 60_000 }).execute();
    } finally {
      await database.close();
    }
    expect(await statusOf(client, '00000000-0000-4000-8000-000000000001')).toMatchObject({ status: 'CANCELED', message: expect.stringContaining('nothing was sent') });
    expect(await statusOf(client, '00000000-0000-4000-8000-000000000002')).toMatchObject({ status: 'PENDING' });
    // Its sendId stays used: at most one email per sendId, even after a crash.
    expect(await send({ emailId: orderTemplate, message: { to: 'lost@example.test', sendId: 'lost-old' }, customProperties: { order_id: '1' } })).toMatchObject({ sendResult: 'IDEMPOTENT_IGNORE' });
  });

  it('keeps send statuses to their account', async () => {
    const answer = await send({ emailId: orderTemplate, message: { to: 'mine@example.test' }, customProperties: { order_id: 'M-1' } });
    const other = (await server.addUser('mallory@elsewhere.test', { account: 'elsewhere' })).accessToken;
    const res = await server.api(`/marketing/v3/email/send-statuses/${answer.statusId}`, { token: other });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    expect((await server.api('/marketing/v3/email/send-statuses/nope', { token })).status).toBe(404);
    expect((await server.api(`/marketing/v3/email/send-statuses/${answer.statusId}`)).status).toBe(401);
  });
});
