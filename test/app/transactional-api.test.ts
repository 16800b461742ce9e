// The web app's read and admin APIs over the real server (docs/product.md §10): sent messages with their
// delivery attempts, suppressions from a real bounce, sending domains like the CLI's, the preview's
// token list and the template test send — on SQLite and PostgreSQL, with another account's ids
// answering 404 and bad input 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, header, type Sink } from '../helpers/sink.js';
import { sendWithSwaks, smtpLogin, swaksCanTake } from '../helpers/smtp-clients.js';
import type { MessageDetail, MessageSummary, Page, PreviewResult, SendingDomain, SendTestResult, Suppression, Template } from '../../src/shared/api.js';
import { FAST_QUEUE, makeTemplate } from '../send/fixtures.js';
import { get, imageHeaders } from '../helpers/tracking.js';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mail = (from: string, to: string, subject: string) => `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nHello.\r\n`;

describe.each(BACKENDS)('web app APIs on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;
  let token: string;
  let otherToken: string;
  let email: string;

  const call = (path: string, init: Parameters<RunningServer['api']>[1] = {}) => server.api(path, { token, ...init });
  const json = async <T>(res: Response, status = 200): Promise<T> => {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const messages = async (query = '', as = token) => json<Page<MessageSummary>>(await server.api(`/api/v1/messages${query}`, { token: as }));
  const messageTo = async (recipient: string) => (await messages(`?recipient=${encodeURIComponent(recipient)}`)).results[0];

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, ...FAST_QUEUE, QUEUE_GIVE_UP: '1h' });
    email = `rep-${backend}@acme-${backend}.test`;
    token = (await server.addUser(email, { name: 'Rep Éclair' })).accessToken;
    otherToken = (await server.addUser(`spy@other-${backend}.test`, { account: 'other' })).accessToken;
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  it('lists SMTP mail per recipient with status, relay answer and attempts; a bounce suppresses the address until it is removed', async () => {
    const { creds } = await smtpLogin(server, token, 'Receipts');
    await swaksCanTake(server, token, creds);
    const sent = await sendWithSwaks(creds, 'shop@acme.test', ['ok@customer.test'], mail('shop@acme.test', 'ok@customer.test', 'Receipt ✓ 1'));
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    const ok = await until('the SENT message', async () => {
      const m = await messageTo('ok@customer.test');
      return m?.status === 'SENT' && m;
    });
    expect(ok).toMatchObject({ source: 'SMTP', from: 'shop@acme.test', subject: 'Receipt ✓ 1', attempts: 1, nextAttemptAt: null, tokenId: creds.user });
    expect(ok.lastResponse).toMatch(/^250/);

    // A hard bounce: BOUNCE, and the address is suppressed with the relay's answer.
    sink.mode = 'permfail-rcpt';
    expect((await sendWithSwaks(creds, 'shop@acme.test', ['gone@customer.test'], mail('shop@acme.test', 'gone@customer.test', 'Receipt 3'))).code).toBe(0);
    const bounced = await until('the bounce', async () => {
      const m = await messageTo('gone@customer.test');
      return m?.status === 'BOUNCE' && m;
    });
    expect(bounced.lastResponse).toMatch(/550/);
    // A relay that keeps saying "try later": DEFERRED, with each attempt and its answer.
    sink.mode = 'tempfail';
    expect((await sendWithSwaks(creds, 'shop@acme.test', ['later@customer.test'], mail('shop@acme.test', 'later@customer.test', 'Receipt 2'))).code).toBe(0);
    const deferred = await until('two deferred attempts', async () => {
      const m = await messageTo('later@customer.test');
      return m?.status === 'DEFERRED' && m.attempts >= 2 && m;
    });
    expect(deferred.lastResponse).toMatch(/451/);
    expect(Date.parse(deferred.nextAttemptAt!)).toBeGreaterThan(0);
    expect((await messages('?status=DEFERRED')).results.map((m) => m.recipient)).toEqual(['later@customer.test']);

    sink.mode = 'accept';
    const later = await until('the deferred message to go out', async () => {
      const m = await messageTo('later@customer.test');
      return m?.status === 'SENT' && m;
    });

    const detail = await json<MessageDetail>(await call(`/api/v1/messages/${later.id}`));
    expect(detail.deliveryAttempts.map((a) => a.outcome)).toEqual([...Array(detail.deliveryAttempts.length - 1).fill('DEFERRED'), 'DELIVERED']);
    expect(detail.deliveryAttempts.map((a) => a.attempt)).toEqual(detail.deliveryAttempts.map((_, i) => i + 1));
    expect(detail.deliveryAttempts[0].response).toMatch(/451/);
    expect(detail.events.map((e) => e.type)).toEqual(expect.arrayContaining(['PROCESSED', 'DEFERRED', 'SENT', 'DELIVERED']));
    const bounceDetail = await json<MessageDetail>(await call(`/api/v1/messages/${bounced.id}`));
    expect(bounceDetail.deliveryAttempts).toEqual([expect.objectContaining({ outcome: 'BOUNCE', attempt: 1, response: expect.stringMatching(/550/) })]);

    // Newest first, paged one at a time with the cursor, every row once.
    const all = (await messages()).results;
    expect(all.map((m) => m.recipient)).toEqual(['later@customer.test', 'gone@customer.test', 'ok@customer.test']);
    const paged: string[] = [];
    let after = '';
    for (;;) {
      const page = await messages(`?limit=1${after ? `&after=${after}` : ''}`);
      paged.push(...page.results.map((m) => m.id));
      if (!page.paging) break;
      after = page.paging.next!.after;
    }
    expect(paged).toEqual(all.map((m) => m.id));
    expect((await messages('?status=BOUNCE')).results.map((m) => m.id)).toEqual([bounced.id]);
    expect((await messages('?recipient=OK@Customer.test')).results.map((m) => m.id)).toEqual([ok.id]);

    // Suppressed with why and when; removable once.
    const suppressions = await json<Page<Suppression>>(await call('/api/v1/suppressions'));
    expect(suppressions.results).toEqual([{ email: 'gone@customer.test', reason: 'HARD_BOUNCE', detail: expect.stringMatching(/550/), createdAt: expect.any(String) }]);
    const refused = await sendWithSwaks(creds, 'shop@acme.test', ['gone@customer.test'], mail('shop@acme.test', 'gone@customer.test', 'again'));
    expect(refused.code).not.toBe(0);

    // Another account sees none of it, and cannot remove it.
    expect((await messages('', otherToken)).results).toEqual([]);
    expect((await server.api(`/api/v1/messages/${bounced.id}`, { token: otherToken })).status).toBe(404);
    expect((await json<Page<Suppression>>(await server.api('/api/v1/suppressions', { token: otherToken }))).results).toEqual([]);
    const foreignDelete = await server.api(`/api/v1/suppressions/${encodeURIComponent('gone@customer.test')}`, { method: 'DELETE', token: otherToken });
    expect(foreignDelete.status).toBe(404);
    expect((await json<{ category: string }>(foreignDelete, 404)).category).toBe('OBJECT_NOT_FOUND');

    expect((await call(`/api/v1/suppressions/${encodeURIComponent('GONE@customer.test')}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/api/v1/suppressions/${encodeURIComponent('gone@customer.test')}`, { method: 'DELETE' })).status).toBe(404);
    expect((await json<Page<Suppression>>(await call('/api/v1/suppressions'))).results).toEqual([]);
    const before = sink.messages.length;
    expect((await sendWithSwaks(creds, 'shop@acme.test', ['gone@customer.test'], mail('shop@acme.test', 'gone@customer.test', 'welcome back'))).code).toBe(0);
    await sink.waitFor(before + 1);
  });

  it('adds suppressions by hand and pages them newest first; refuses what is no address', async () => {
    for (const e of ['a@hand.test', 'b@hand.test', 'c@hand.test']) {
      const s = await json<Suppression>(await call('/api/v1/suppressions', { method: 'POST', json: { email: e, detail: 'asked us to stop' } }), 201);
      expect(s).toMatchObject({ email: e, reason: 'MANUAL', detail: 'asked us to stop' });
    }
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = await json<Page<Suppression>>(await call(`/api/v1/suppressions?limit=2${after ? `&after=${after}` : ''}`));
      seen.push(...page.results.map((s) => s.email));
      if (!page.paging) break;
      after = page.paging.next!.after;
    }
    expect(seen.filter((e) => e.endsWith('@hand.test'))).toEqual(['c@hand.test', 'b@hand.test', 'a@hand.test'].filter((e) => seen.includes(e)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(3);
    expect((await json<Page<Suppression>>(await call('/api/v1/suppressions?email=B@hand.test'))).results.map((s) => s.email)).toEqual(['b@hand.test']);

    for (const [path, init] of [
      ['/api/v1/suppressions', { method: 'POST', json: { email: 'not an address' } }],
      ['/api/v1/suppressions', { method: 'POST', json: { email: 'x@y.test', extra: 1 } }],
      ['/api/v1/suppressions?after=bogus', {}],
      ['/api/v1/suppressions?limit=0', {}],
      ['/api/v1/messages?status=OPENED', {}],
      ['/api/v1/messages?after=%E2%9C%93', {}],
      ['/api/v1/messages?limit=101', {}],
    ] as const) {
      const res = await call(path, init as Parameters<RunningServer['api']>[1]);
      const body = await json<{ status: string; category: string; message: string }>(res, 400);
      expect(body, path).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
      expect(body.message.length).toBeGreaterThan(10);
    }
    expect((await json<Page<Suppression>>(await call('/api/v1/suppressions'))).results).toHaveLength(3);
    expect((await server.api('/api/v1/suppressions')).status).toBe(401);
  });

  it('manages sending domains like `mailbeacon domain`: the DKIM record, one owner, re-keying, removal', async () => {
    const name = `mail.shop-${backend}.test`;
    const added = await json<SendingDomain>(await call('/api/v1/domains', { method: 'POST', json: { domain: ` ${name.toUpperCase()}. ` } }), 201);
    expect(added).toMatchObject({ domain: name, selector: `mb${new Date().getFullYear()}`, dnsRecord: { type: 'TXT', name: `mb${new Date().getFullYear()}._domainkey.${name}` } });
    expect(added.dnsRecord.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{200,}$/);
    const listed = await json<Page<SendingDomain>>(await call('/api/v1/domains'));
    expect(listed.results).toEqual([added]);
    const cli = await server.cli(['domain', 'list']);
    expect(JSON.parse(cli.stdout.trim())).toMatchObject({ domain: name, dnsValue: added.dnsRecord.value });

    // Re-keying with another selector: a new key for the same owner.
    const rekeyed = await json<SendingDomain>(await call('/api/v1/domains', { method: 'POST', json: { domain: name, selector: 'jan' } }), 201);
    expect(rekeyed.dnsRecord.name).toBe(`jan._domainkey.${name}`);
    expect(rekeyed.dnsRecord.value).not.toBe(added.dnsRecord.value);

    // Another account: refused for the name, its parent and a name below it; invisible otherwise.
    for (const d of [name, `shop-${backend}.test`, `x.${name}`]) {
      const res = await server.api('/api/v1/domains', { method: 'POST', token: otherToken, json: { domain: d } });
      const body = await json<{ category: string; message: string }>(res, 409);
      expect(body.category).toBe('CONFLICT');
      expect(body.message).toContain('another Mailbeacon account');
    }
    expect((await json<Page<SendingDomain>>(await server.api('/api/v1/domains', { token: otherToken }))).results).toEqual([]);
    expect((await server.api(`/api/v1/domains/${name}`, { token: otherToken })).status).toBe(404);
    expect((await server.api(`/api/v1/domains/${name}`, { method: 'DELETE', token: otherToken })).status).toBe(404);
    expect((await json<SendingDomain>(await call(`/api/v1/domains/${name}`))).selector).toBe('jan');

    for (const body of [{ domain: 'not a domain' }, { domain: 'ex ample.com' }, { domain: 'a.test', selector: 'bad selector' }, { domain: 'a'.repeat(300) }, {}]) {
      const res = await call('/api/v1/domains', { method: 'POST', json: body });
      expect((await json<{ category: string }>(res, 400)).category, JSON.stringify(body)).toBe('VALIDATION_ERROR');
    }

    // Unicode names are stored as punycode, like the CLI does.
    const idn = await json<SendingDomain>(await call('/api/v1/domains', { method: 'POST', json: { domain: `bücher-${backend}.test` } }), 201);
    expect(idn.domain).toMatch(/^xn--/);
    expect((await call(`/api/v1/domains/${encodeURIComponent(`bücher-${backend}.test`)}`, { method: 'DELETE' })).status).toBe(204);

    expect((await call(`/api/v1/domains/${name}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/api/v1/domains/${name}`, { method: 'DELETE' })).status).toBe(404);
    // Two accounts claiming one new domain at the same moment: one owns it, the other is refused.
    const contested = `race-${backend}.test`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => server.api('/api/v1/domains', { method: 'POST', token: i % 2 ? otherToken : token, json: { domain: contested } }).then((r) => r.status)),
    );
    const mineNow = (await json<Page<SendingDomain>>(await call('/api/v1/domains'))).results.some((d) => d.domain === contested);
    const theirsNow = (await json<Page<SendingDomain>>(await server.api('/api/v1/domains', { token: otherToken }))).results.some((d) => d.domain === contested);
    expect(mineNow !== theirsNow).toBe(true);
    const winner = mineNow ? 0 : 1;
    expect(answers.filter((_, i) => i % 2 === winner).every((st) => st === 201)).toBe(true);
    expect(answers.filter((_, i) => i % 2 !== winner).every((st) => st === 409)).toBe(true);

    // Once removed, the other account may have it.
    expect((await server.api('/api/v1/domains', { method: 'POST', token: otherToken, json: { domain: name } })).status).toBe(201);
  });

  it('tells the web app the SMTP host and port and the add-in manifest URL', async () => {
    const info = await json<{ smtp: { host: string; port: number; tlsPort: number | null }; addin: { manifestUrl: string } }>(await call('/api/v1/server'));
    expect(info.smtp).toEqual({ host: 'localhost', port: server.smtpPort, tlsPort: null });
    expect(info.addin.manifestUrl).toBe(`https://localhost:${server.env.HTTPS_PORT}/manifest.xml`);
    expect((await server.api('/api/v1/server')).status).toBe(401);
  });

  it('names every personalization token the template uses, from the parsed template', async () => {
    const t = await makeTemplate(
      server,
      token,
      {
        subject: 'Order {{ custom.order_id }} for {{ contact.firstname | default: "you" }}',
        html: '<p>{% if custom.vip %}VIP{% endif %}{% for item in custom.items %}{{ item.name }}{% endfor %}{% assign city = contact.city %}{{ city }} {{ contact["last name"] }}</p><!-- {{ contact.firstname }} -->',
        text: 'Hi {{ contact.email }}',
      },
      { draft: true },
    );
    const preview = await json<PreviewResult>(await call(`/api/v1/emails/${t.id}/preview`, { method: 'POST', json: { customProperties: { order_id: 'A-1' } } }));
    expect(preview.tokens).toEqual(['custom.order_id', 'contact.firstname', 'custom.vip', 'custom.items', 'contact.city', 'contact.last name', 'contact.email']);
    expect(preview.subject).toBe('Order A-1 for you');
    expect(preview.missing).toEqual(expect.arrayContaining(['contact.last name', 'contact.email']));

    // The editor's unsaved parts render instead of the stored draft, which stays as it was.
    const unsaved = await json<PreviewResult>(await call(`/api/v1/emails/${t.id}/preview`, { method: 'POST', json: { customProperties: { x: 'é' }, template: { subject: 'S {{ custom.x }}', html: '<p>{{ contact.y | default: "you" }}</p>' } } }));
    expect(unsaved).toMatchObject({ subject: 'S é', tokens: ['custom.x', 'contact.y'], missing: [] });
    expect(unsaved.html).toContain('<p>you</p>');
    const broken = await call(`/api/v1/emails/${t.id}/preview`, { method: 'POST', json: { template: { subject: 's', html: '<p>{% if x %}open</p>' } } });
    const refusal = await json<{ message: string; errors: Array<{ in: string }> }>(broken, 400);
    expect(refusal.message).toMatch(/^The html is not a valid template/);
    expect(refusal.errors[0].in).toBe('template.html');
    expect((await json<Template>(await call(`/api/v1/emails/${t.id}`))).subject).toBe(t.subject);
  });

  it('sends a test of the draft, with the typed values, to the caller alone; it counts in no statistics', async () => {
    const t = await makeTemplate(server, token, {}, { draft: true });
    const before = sink.messages.length;
    const res = await call(`/api/v1/emails/${t.id}/send-test`, { method: 'POST', json: { contactProperties: { firstname: 'Zoë' }, customProperties: { order_id: '<A&B>' } } });
    const sent = await json<SendTestResult>(res);
    expect(sent).toEqual({ to: email, subject: '[Test] Your order <A&B>', missing: [] });
    const [arrived] = (await sink.waitFor(before + 1)).slice(before);
    expect(arrived.to).toEqual([email]);
    const raw = arrived.raw.toString('utf8');
    expect(header(arrived.raw, 'subject')).toBeTruthy();
    expect(raw).toContain('/t/o/'); // tracked, so its opens come back to Activity
    const { simpleParser } = await import('mailparser');
    const parsed = await simpleParser(arrived.raw);
    expect(parsed.subject).toBe('[Test] Your order <A&B>');
    expect(parsed.html).toContain('Hello Zoë, order &lt;A&amp;B&gt; is confirmed.');
    const listed = await until('the test in Messages', async () => (await messageTo(email)) ?? false);
    expect(listed).toMatchObject({ source: 'API', subject: '[Test] Your order <A&B>', emailCampaignId: null });
    const campaign = await json<{ counters: Record<string, number> }>(await call(`/email/public/v1/campaigns/${t.emailCampaignId}`));
    expect(campaign.counters.processed ?? 0).toBe(0);

    // Missing values render empty and are named; a draft needs no publish.
    const partial = await json<SendTestResult>(await call(`/api/v1/emails/${t.id}/send-test`, { method: 'POST', json: {} }));
    expect(partial.missing).toEqual(['custom.order_id']);
    const edited = await json<SendTestResult>(await call(`/api/v1/emails/${t.id}/send-test`, { method: 'POST', json: { template: { subject: 'Edited {{ custom.n }}', html: '<p>x</p>' }, customProperties: { n: 2 } } }));
    expect(edited.subject).toBe('[Test] Edited 2');

    const theirs = await makeTemplate(server, otherToken, {}, { draft: true });
    expect((await call(`/api/v1/emails/${theirs.id}/send-test`, { method: 'POST', json: {} })).status).toBe(404);
    expect((await call(`/api/v1/emails/${t.id}/send-test`, { method: 'POST', json: { customProperties: 'x' } })).status).toBe(400);
    const published = await json<Template>(await call(`/api/v1/emails/${t.id}`));
    expect(published.state).toBe('DRAFT');
  });

  it('searches contacts and tracked email by part of a name, address, subject or recipient, ignoring case', async () => {
    for (const [e, name] of [['ann.lee@acme.test', 'Ann Lée'], ['bob@widgets.test', 'Bob 100%'], ['carl@acme.test', null]] as const) {
      await json(await call('/api/v1/contacts', { method: 'POST', json: { email: e, ...(name ? { name } : {}) } }), 201);
    }
    const find = async (q: string) => (await json<Page<{ email: string }>>(await call(`/api/v1/contacts?q=${encodeURIComponent(q)}`))).results.map((c) => c.email).sort();
    expect(await find('ACME')).toEqual(['ann.lee@acme.test', 'carl@acme.test']);
    expect(await find('lée')).toEqual(['ann.lee@acme.test']);
    expect(await find('100%')).toEqual(['bob@widgets.test']);
    expect(await find('%')).toEqual(['bob@widgets.test']); // a literal %, not "anything"
    expect(await find('_')).toEqual([]);
    expect(await find('acme')).not.toContain('spy@other-' + backend + '.test');
    await json(await call('/api/v1/tracked-emails', { method: 'POST', json: { subject: 'Pricing for Acme', from: email, to: ['ann.lee@acme.test'], cc: [], bcc: [], html: '<p>x</p>' } }), 201);
    await json(await call('/api/v1/tracked-emails', { method: 'POST', json: { subject: 'Renewal', from: email, to: ['bob@widgets.test'], cc: [], bcc: [], html: '<p>x</p>' } }), 201);
    const tracked = async (q: string) => (await json<Page<{ subject: string }>>(await call(`/api/v1/tracked-emails?q=${encodeURIComponent(q)}`))).results.map((t) => t.subject);
    expect(await tracked('pricing')).toEqual(['Pricing for Acme']);
    expect(await tracked('WIDGETS')).toEqual(['Renewal']);
    expect((await json<Page<unknown>>(await server.api('/api/v1/tracked-emails?q=pricing', { token: otherToken }))).results).toEqual([]);
  });

  it("lists the person's opens and clicks, counted and filtered, with verdicts; nobody else's", async () => {
    const t = await json<{ id: string; pixelUrl: string }>(await call('/api/v1/tracked-emails', { method: 'POST', json: { subject: 'Activity check ✓', from: email, to: ['reader@acme.test'], cc: [], bcc: [], html: '<p>x</p>' } }), 201);
    const pixel = t.pixelUrl.replace(/^https?:\/\/[^/]+/, server.url);
    expect((await get(pixel, imageHeaders)).status).toBe(200);
    expect((await get(pixel, { 'user-agent': 'curl/8.5.0', accept: '*/*' })).status).toBe(200);
    type Item = { subject: string; counted: boolean; verdict: string; reasons: string[]; who: string; emailId: string };
    const all = await until('both hits in the activity', async () => {
      const page = await json<Page<Item>>(await call('/api/v1/activity'));
      const mine = page.results.filter((i) => i.subject === 'Activity check ✓');
      return mine.length === 2 && mine;
    });
    expect(all.map((i) => i.counted).sort()).toEqual([false, true]);
    expect(all.every((i) => i.emailId === t.id && i.who === 'reader@acme.test')).toBe(true);
    const filtered = (await json<Page<Item>>(await call('/api/v1/activity?filtered=only'))).results;
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((i) => !i.counted && i.verdict !== 'HUMAN' && i.verdict !== 'MAIL_PROXY' && i.reasons.length > 0)).toBe(true);
    expect((await json<Page<Item>>(await server.api('/api/v1/activity', { token: otherToken }))).results).toEqual([]);
    const first = await json<Page<Item>>(await call('/api/v1/activity?limit=1'));
    const second = await json<Page<Item>>(await call(`/api/v1/activity?limit=1&after=${first.paging!.next!.after}`));
    expect(second.results[0]).not.toEqual(first.results[0]);
    expect((await call('/api/v1/activity?after=x')).status).toBe(400);
  });
});

