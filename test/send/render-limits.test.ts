// Hard limits on rendering a template (README "Template rendering"): a template whose filters or
// loops run for seconds or eat memory, or whose parsing alone would take seconds, gets a clear error
// naming the limit within a few seconds, and while it runs every other request is answered as usual:
// preview, save and single send alike. Afterwards rendering works again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { probeHealthDuring } from '../helpers/responsive.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import type { PreviewResult } from '../../src/shared/api.js';
import type { SendStatusView } from '../../src/shared/hubspot.js';
import { makeTemplate, templateInput } from './fixtures.js';

/** The error of a render stopped by the time or the memory limit, naming the limit. */
const STOPPED = /cannot be rendered in (1 s|128 MB), the (time|memory) one render may (take|use)/;
/** Filters over ten million numbers: seconds of work inside one filter, where LiquidJS's own checks never look. */
const SLOW_FILTER = '<p>{{ (1..10000000) | sort | size }}</p>';
/** A string doubled in a loop: gigabytes unless stopped. */
const STRING_BOMB = '{% assign s = "0123456789" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}';
/** A range copied by a filter: hundreds of MB of heap. */
const HEAP_BOMB = '{{ (1..19000000) | reverse | size }}';
/** Every /health asked while the bad work ran answered within this (it waited ~7 s before). */
const RESPONSIVE_MS = 500;

describe.each(BACKENDS)('template render limits on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let token: string;

  const call = (path: string, init: Parameters<RunningServer['api']>[1] = {}) => server.api(path, { token, ...init });
  const previewOf = (id: number) => call(`/api/v1/emails/${id}/preview`, { method: 'POST', json: {} });

  /** Previews the draft while /health is probed; answers the error body and the timings. */
  async function badPreview(html: string) {
    const t = await makeTemplate(server, token, { name: 'Bad', html, text: null }, { draft: true });
    const probed = await probeHealthDuring(server.url, () => previewOf(t.id));
    expect(probed.value.status).toBe(400);
    return { ...probed, body: (await probed.value.json()) as { category: string; message: string } };
  }

  function expectResponsive(p: { ms: number; waits: number[] }) {
    expect(p.ms).toBeLessThan(5000);
    expect(p.waits.length).toBeGreaterThan(0);
    expect(Math.max(...p.waits)).toBeLessThan(RESPONSIVE_MS);
  }

  async function expectNormalPreview() {
    const ok = await makeTemplate(server, token, { name: 'Fine', html: '<p>Hi {{ contact.firstname | default: "there" }}</p>', text: null }, { draft: true });
    const res = await previewOf(ok.id);
    expect(res.status).toBe(200);
    expect(((await res.json()) as PreviewResult).html).toBe('<p>Hi there</p>');
  }

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    token = (await server.addUser('author@acme.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('stops a filter that runs for seconds with a 400 naming the limit; /health answers meanwhile', async () => {
    const p = await badPreview(SLOW_FILTER);
    expect(p.body.category).toBe('VALIDATION_ERROR');
    expect(p.body.message).toMatch(/^Template \d+: /);
    expect(p.body.message).toMatch(STOPPED);
    expectResponsive(p);
    await expectNormalPreview();
  });

  it('stops memory bombs with a 400 naming the limit; /health answers meanwhile', async () => {
    const strings = await badPreview(STRING_BOMB);
    expect(strings.body.message).toMatch(/cannot be rendered in 128 MB, the memory one render may use/);
    const heap = await badPreview(HEAP_BOMB);
    expect(heap.body.message).toMatch(STOPPED);
    expectResponsive(heap);
    // Two at once take both warm processes down; both answer, and the next preview works.
    const [a, b] = await Promise.all([badPreview(SLOW_FILTER), badPreview(HEAP_BOMB)]);
    expect(a.body.message).toMatch(STOPPED);
    expect(b.body.message).toMatch(STOPPED);
    expectResponsive(a);
    await expectNormalPreview();
  });

  it('refuses to save a template whose parsing alone would take seconds; /health answers meanwhile', async () => {
    // Deeply nested tags: LiquidJS needs tens of seconds to parse this (and give up).
    const html = '{% if a %}'.repeat(22_000) + '{% endif %}'.repeat(22_000);
    const p = await probeHealthDuring(server.url, () => call('/api/v1/emails', { method: 'POST', json: templateInput({ name: 'Nested', html, text: null }) }));
    expect(p.value.status).toBe(400);
    const body = await p.value.json();
    expect(body.message).toMatch(/cannot be parsed in 1 s, the time one render may take/);
    expectResponsive(p);
    await expectNormalPreview();
  });

  it('answers a single send of such a template as COMPLETE / TEMPLATE_RENDER_EXCEPTION without holding up others', async () => {
    const t = await makeTemplate(server, token, { name: 'Slow send', subject: 'Hello', html: SLOW_FILTER, text: null });
    const p = await probeHealthDuring(server.url, () =>
      call('/marketing/v3/transactional/single-email/send', { method: 'POST', json: { emailId: t.id, message: { to: 'jane@example.test' } } }),
    );
    expect(p.value.status).toBe(200);
    const status = (await p.value.json()) as SendStatusView & { message: string };
    expect(status).toMatchObject({ status: 'COMPLETE', sendResult: 'TEMPLATE_RENDER_EXCEPTION' });
    expect(status.message).toMatch(new RegExp(`^Template ${t.id}: `));
    expect(status.message).toMatch(STOPPED);
    expectResponsive(p);
    // Nothing was queued, and a good template sends right after.
    const good = await makeTemplate(server, token, { name: 'Good send', subject: 'Hello', html: '<p>Hello</p>', text: null });
    const sent = await call('/marketing/v3/transactional/single-email/send', { method: 'POST', json: { emailId: good.id, message: { to: 'jane@example.test' } } });
    expect(await sent.json()).toMatchObject({ status: 'PENDING' });
  });
});
