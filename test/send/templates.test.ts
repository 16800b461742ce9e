// Templates over the real server (`/api/v1/emails`): create, read, list, update, publish, delete,
// and the preview that renders a draft the way single send will render it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import type { PreviewResult, Template } from '../../src/shared/api.js';
import { makeTemplate, templateInput } from './fixtures.js';

describe.each(BACKENDS)('templates on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let token: string;
  let otherToken: string;

  const call = (path: string, init: Parameters<RunningServer['api']>[1] = {}) => server.api(path, { token, ...init });
  const preview = async (id: number, json: unknown = {}) => {
    const res = await call(`/api/v1/emails/${id}/preview`, { method: 'POST', json });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as PreviewResult;
  };

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    token = (await server.addUser('writer@acme.test')).accessToken;
    otherToken = (await server.addUser('spy@other.test', { account: 'other' })).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('creates a draft with an integer id and its own campaign, then publishes it', async () => {
    const res = await call('/api/v1/emails', { method: 'POST', json: templateInput({ name: 'Welcome' }) });
    expect(res.status).toBe(201);
    const t = (await res.json()) as Template;
    expect(t).toMatchObject({ name: 'Welcome', state: 'DRAFT', hasUnpublishedChanges: false, publishedAt: null, subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' });
    expect(Number.isInteger(t.id) && t.id > 0).toBe(true);
    const campaign = await (await call(`/email/public/v1/campaigns/${t.emailCampaignId}`)).json();
    expect(campaign).toMatchObject({ name: 'Welcome', counters: { processed: 0 } });

    const published = (await (await call(`/api/v1/emails/${t.id}/publish`, { method: 'POST' })).json()) as Template;
    expect(published).toMatchObject({ id: t.id, state: 'PUBLISHED', hasUnpublishedChanges: false });
    expect(Date.parse(published.publishedAt!)).toBeGreaterThan(0);
    expect(await (await call(`/api/v1/emails/${t.id}`)).json()).toEqual(published);
  });

  it('keeps an edit after publishing apart until the next publish; PUT replaces, PATCH changes', async () => {
    const t = await makeTemplate(server, token, { name: 'Edits' });
    const patched = (await (await call(`/api/v1/emails/${t.id}`, { method: 'PATCH', json: { subject: 'New subject' } })).json()) as Template;
    expect(patched).toMatchObject({ state: 'PUBLISHED', hasUnpublishedChanges: true, subject: 'New subject', html: t.html, text: t.text });
    // A template read back can be sent back whole: the read-only fields are ignored.
    const put = await call(`/api/v1/emails/${t.id}`, { method: 'PUT', json: { ...patched, name: 'Edits renamed', text: undefined } });
    expect(put.status).toBe(200);
    const replaced = (await put.json()) as Template;
    expect(replaced).toMatchObject({ id: t.id, name: 'Edits renamed', text: null, hasUnpublishedChanges: true, createdAt: t.createdAt });
    // The campaign follows the name.
    expect((await (await call(`/email/public/v1/campaigns/${t.emailCampaignId}`)).json()).name).toBe('Edits renamed');
    const republished = (await (await call(`/api/v1/emails/${t.id}/publish`, { method: 'POST' })).json()) as Template;
    expect(republished.hasUnpublishedChanges).toBe(false);
    expect(Date.parse(republished.publishedAt!)).toBeGreaterThan(Date.parse(t.publishedAt!));
  });

  it('lists in pages with `after`, filters by state, and leaves deleted ones out', async () => {
    const own = await makeTemplate(server, otherToken, { name: 'Other account' }, { draft: true });
    const ids: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await (await call(`/api/v1/emails?limit=2${after ? `&after=${after}` : ''}`)).json();
      expect(page.results.length).toBeLessThanOrEqual(2);
      ids.push(...page.results.map((t: Template) => t.id));
      if (!page.paging) break;
      after = page.paging.next.after;
    }
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).not.toContain(own.id);

    const draft = await makeTemplate(server, token, { name: 'Listed draft' }, { draft: true });
    const drafts = (await (await call('/api/v1/emails?state=DRAFT')).json()).results as Template[];
    expect(drafts.map((t) => t.id)).toContain(draft.id);
    expect(drafts.every((t) => t.state === 'DRAFT')).toBe(true);
    const published = (await (await call('/api/v1/emails?state=PUBLISHED')).json()).results as Template[];
    expect(published.length).toBeGreaterThan(0);
    expect(published.every((t) => t.state === 'PUBLISHED')).toBe(true);

    expect((await call(`/api/v1/emails/${draft.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/api/v1/emails/${draft.id}`)).status).toBe(404);
    expect((await call(`/api/v1/emails/${draft.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(((await (await call('/api/v1/emails')).json()).results as Template[]).map((t) => t.id)).not.toContain(draft.id);
    expect((await call('/api/v1/emails?after=bogus')).status).toBe(400);
    for (const limit of ['0', '501', 'Infinity', '1e400', 'x']) expect((await call(`/api/v1/emails?limit=${limit}`)).status, limit).toBe(400);
  });

  it("hides another account's templates: every call on them answers 404", async () => {
    const theirs = await makeTemplate(server, otherToken, { name: 'Secret' });
    for (const [method, path, json] of [
      ['GET', `/api/v1/emails/${theirs.id}`, undefined],
      ['PATCH', `/api/v1/emails/${theirs.id}`, { name: 'mine now' }],
      ['PUT', `/api/v1/emails/${theirs.id}`, templateInput()],
      ['DELETE', `/api/v1/emails/${theirs.id}`, undefined],
      ['POST', `/api/v1/emails/${theirs.id}/publish`, undefined],
      ['POST', `/api/v1/emails/${theirs.id}/preview`, {}],
    ] as const) {
      const res = await call(path, { method, json });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    }
    expect((await server.api(`/api/v1/emails/${theirs.id}`, { token: otherToken })).status).toBe(200);
    expect((await server.api('/api/v1/emails')).status).toBe(401);
  });

  it('refuses bad input in the HubSpot error shape, naming the field', async () => {
    const refused = async (json: unknown, field: string, message?: RegExp) => {
      const res = await call('/api/v1/emails', { method: 'POST', json });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.any(String) });
      expect(body.errors.map((e: { in: string }) => e.in)).toContain(field);
      if (message) expect(body.message).toMatch(message);
    };
    const { subject: _subject, ...noSubject } = templateInput();
    await refused(noSubject, 'subject');
    await refused(templateInput({ subscriptionType: 'PROMOTIONAL' as never }), 'subscriptionType', /TRANSACTIONAL, MARKETING/);
    await refused(templateInput({ sendMethod: 'SMTP' as never }), 'sendMethod');
    await refused({ ...templateInput(), colour: 'red' }, 'colour', /not a known field/);
    await refused(templateInput({ html: '<p>{% if contact.vip %}VIP</p>' }), 'html', /The html is not a valid template/);
    await refused(templateInput({ subject: 'Hi {{ contact.firstname | shout }}' }), 'subject', /undefined filter: shout/);
    await refused(templateInput({ text: 'Hi {{ contact.firstname ' }), 'text', /not closed/);
    const t = await makeTemplate(server, token, { name: 'Patch target' });
    const res = await call(`/api/v1/emails/${t.id}`, { method: 'PATCH', json: { html: '{% endfor %}' } });
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].in).toBe('html');
    expect((await (await call(`/api/v1/emails/${t.id}`)).json()).html).toBe(t.html);
  });

  it('previews the draft: values escaped in the HTML only, defaults, and the tokens that have no value', async () => {
    const t = await makeTemplate(
      server,
      token,
      {
        name: 'Preview',
        subject: 'Order {{ custom.order_id }} for {{ contact.firstname | default: "you" }}',
        html: '<p>Hi {{ contact.firstname | default: "there" }} {{ contact.lastname }}</p><ul>{% for item in custom.items %}<li>{{ item.name }}</li>{% endfor %}</ul><p>{{ custom.note }}</p>',
        text: 'Hi {{ contact.firstname | default: "there" }}: {{ custom.note }}',
      },
      { draft: true },
    );
    const full = await preview(t.id, {
      contactProperties: { firstname: 'Zoë <script>', lastname: "O'Neil" },
      customProperties: { order_id: 'A&B', note: '5 > 3 & "quoted"', items: [{ name: '<b>Tea</b>' }, { name: 'Cake' }] },
    });
    expect(full.missing).toEqual([]);
    expect(full.subject).toBe('Order A&B for Zoë <script>');
    expect(full.html).toBe("<p>Hi Zoë &lt;script&gt; O&#39;Neil</p><ul><li>&lt;b&gt;Tea&lt;/b&gt;</li><li>Cake</li></ul><p>5 &gt; 3 &amp; &#34;quoted&#34;</p>");
    expect(full.text).toBe('Hi Zoë <script>: 5 > 3 & "quoted"');

    const bare = await preview(t.id);
    expect(bare.subject).toBe('Order  for you');
    expect(bare.html).toBe('<p>Hi there </p><ul></ul><p></p>');
    expect([...bare.missing].sort()).toEqual(['contact.lastname', 'custom.items', 'custom.note', 'custom.order_id']);
  });

  it('derives the text part from the HTML when the template has none', async () => {
    const t = await makeTemplate(server, token, { name: 'No text', html: '<html><head><style>p{color:red}</style></head><body><h1>Hello {{ custom.who }}</h1><p>Your <a href="https://acme.test/x?a=1&amp;b=2">order</a> &amp; more.<br>Thanks</p></body></html>', text: null }, { draft: true });
    const p = await preview(t.id, { customProperties: { who: 'A & B' } });
    expect(p.text).toBe('Hello A & B\nYour order (https://acme.test/x?a=1&b=2) & more.\nThanks');
  });

  it('gives marketing templates an unsubscribe link and transactional ones none', async () => {
    const marketing = await makeTemplate(server, token, { name: 'News', subject: 'News', subscriptionType: 'MARKETING', sendMethod: 'REGULAR', html: '<html><body><p>News</p></body></html>', text: 'News' }, { draft: true });
    const m = await preview(marketing.id);
    expect(m.html).toMatch(/<p>News<\/p><p[^>]*>.*<a href="%%unsubscribe_link%%">Unsubscribe<\/a><\/p><\/body><\/html>$/);
    expect(m.text).toBe('News\n\n--\nUnsubscribe: %%unsubscribe_link%%');
    // A marketing template may place the link itself; then there is no footer.
    const placed = await makeTemplate(server, token, { name: 'Placed', subject: 'News', subscriptionType: 'MARKETING', html: '<a href="{{ unsubscribe_link }}">Leave</a>', text: null }, { draft: true });
    const p = await preview(placed.id);
    expect(p.html).toBe('<a href="%%unsubscribe_link%%">Leave</a>');
    expect(p.missing).toEqual([]);
    // Transactional: no footer, and the token has no value.
    const transactional = await makeTemplate(server, token, { name: 'Receipt', subject: 'Receipt', html: '<p>Receipt</p><a href="{{ unsubscribe_link }}">x</a>', text: null }, { draft: true });
    const r = await preview(transactional.id);
    expect(r.html).not.toContain('Unsubscribe');
    expect(r.missing).toEqual(['unsubscribe_link']);
  });

  it('renders nothing from the file system and stops a runaway template', async () => {
    const include = await makeTemplate(server, token, { name: 'Include', html: '<pre>{% include "package.json" %}</pre>', text: null }, { draft: true });
    const res = await call(`/api/v1/emails/${include.id}/preview`, { method: 'POST', json: {} });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.message).toMatch(/cannot be rendered/);
    expect(JSON.stringify(body)).not.toContain('mailbeacon');
    const loop = await makeTemplate(server, token, { name: 'Loop', html: '{% for i in (1..100000) %}{% for j in (1..100000) %}x{% endfor %}{% endfor %}', text: null }, { draft: true });
    const started = Date.now();
    const slow = await call(`/api/v1/emails/${loop.id}/preview`, { method: 'POST', json: {} });
    expect(slow.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(5000);
    // The server still answers.
    expect((await call('/api/v1/emails')).status).toBe(200);
  });
});
