// Contacts through HTTP: create, find by address, update, list, and one account never seeing another's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact, Page } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';

describe.each(BACKENDS)('Contacts on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let ann: string;
  let eve: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    ann = (await server.addUser('ann@mycorp.test')).accessToken;
    eve = (await server.addUser('eve@other.test', { account: 'other' })).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  const create = (json: unknown, token = ann) => server.api('/api/v1/contacts', { method: 'POST', token, json });
  const find = async (email: string, token = ann) => ((await (await server.api(`/api/v1/contacts?email=${encodeURIComponent(email)}`, { token })).json()) as Page<Contact>).results;

  it('creates a contact, finds it by address in any case, and refuses the address twice with its id', async () => {
    const r = await create({ email: 'Ann.Lee@Acme.test', name: 'Ann Lee', properties: { company: 'Acme', firstname: 'Ann' }, legalBasis: 'CONSENT' });
    expect(r.status).toBe(201);
    const c = (await r.json()) as Contact;
    expect(c).toMatchObject({ email: 'ann.lee@acme.test', name: 'Ann Lee', properties: { company: 'Acme', firstname: 'Ann' }, legalBasis: 'CONSENT', lastActivity: null });
    expect(Date.parse(c.createdAt)).toBeGreaterThan(0);

    expect((await find('ANN.LEE@acme.TEST')).map((x) => x.id)).toEqual([c.id]);
    expect(await find('nobody@acme.test')).toEqual([]);
    expect(((await (await server.api(`/api/v1/contacts/${c.id}`, { token: ann })).json()) as Contact).id).toBe(c.id);

    const again = await create({ email: 'ann.lee@ACME.test' });
    expect(again.status).toBe(409);
    const body = await again.json();
    expect(body).toMatchObject({ status: 'error', category: 'CONFLICT', existingId: c.id });
    expect(body.message).toContain(c.id);
  });

  it('merges properties on update, removes those set to null, and changes name and legal basis', async () => {
    const c = (await (await create({ email: 'bob@acme.test', properties: { a: '1', b: '2' } })).json()) as Contact;
    const r = await server.api(`/api/v1/contacts/${c.id}`, { method: 'PATCH', token: ann, json: { name: 'Bob', legalBasis: 'LEGITIMATE_INTEREST', properties: { b: null, c: '3' } } });
    expect(r.status).toBe(200);
    const updated = (await r.json()) as Contact;
    expect(updated).toMatchObject({ name: 'Bob', legalBasis: 'LEGITIMATE_INTEREST', properties: { a: '1', c: '3' } });
    expect(updated.properties).not.toHaveProperty('b');
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(c.updatedAt) - 1);

    const cleared = (await (await server.api(`/api/v1/contacts/${c.id}`, { method: 'PATCH', token: ann, json: { legalBasis: null, name: null } })).json()) as Contact;
    expect(cleared).toMatchObject({ name: null, legalBasis: null, properties: { a: '1', c: '3' } });
  });

  it('keeps every change of concurrent updates', async () => {
    const c = (await (await create({ email: 'busy@acme.test' })).json()) as Contact;
    await Promise.all(Array.from({ length: 8 }, (_, i) => server.api(`/api/v1/contacts/${c.id}`, { method: 'PATCH', token: ann, json: { properties: { [`p${i}`]: String(i) } } })));
    const after = (await find('busy@acme.test'))[0];
    expect(Object.keys(after.properties).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
  });

  it('names the bad fields', async () => {
    const r = await create({ email: 'not-an-address', legalBasis: 'BECAUSE', properties: { 'bad key': 'x' }, colour: 'red' });
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.errors.map((e: { in: string }) => e.in)).toEqual(expect.arrayContaining(['legalBasis', 'colour']));
    const badEmail = await create({ email: 'not-an-address' });
    expect((await badEmail.json()).errors).toEqual([expect.objectContaining({ in: 'email' })]);
    const c = (await find('bob@acme.test'))[0];
    const badPatch = await server.api(`/api/v1/contacts/${c.id}`, { method: 'PATCH', token: ann, json: { email: 'x@y.test' } });
    expect((await badPatch.json()).errors).toEqual([expect.objectContaining({ in: 'email', message: 'email is not a known field' })]);
  });

  it('lists the account’s contacts page by page, each once', async () => {
    for (let i = 0; i < 5; i++) expect((await create({ email: `list${i}@paged.test` })).status).toBe(201);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = (await (await server.api(`/api/v1/contacts?limit=2${after ? `&after=${after}` : ''}`, { token: ann })).json()) as Page<Contact>;
      expect(page.results.length).toBeLessThanOrEqual(2);
      seen.push(...page.results.map((c) => c.email));
      after = page.paging?.next?.after;
    } while (after);
    expect(seen.filter((e) => e.endsWith('@paged.test'))).toEqual([0, 1, 2, 3, 4].map((i) => `list${i}@paged.test`));
    expect(new Set(seen).size).toBe(seen.length);
    expect((await server.api('/api/v1/contacts?after=garbage', { token: ann })).status).toBe(400);
  });

  it('hides contacts from other accounts, which may hold the same address', async () => {
    const mine = (await find('bob@acme.test'))[0];
    expect(await find('bob@acme.test', eve)).toEqual([]);
    for (const [method, path] of [
      ['GET', `/api/v1/contacts/${mine.id}`],
      ['PATCH', `/api/v1/contacts/${mine.id}`],
      ['GET', `/api/v1/contacts/${mine.id}/timeline`],
    ]) {
      const r = await server.api(path, { method, token: eve, ...(method === 'PATCH' ? { json: { name: 'Hijacked' } } : {}) });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    expect((await create({ email: 'bob@acme.test' }, eve)).status).toBe(201);
    expect((await find('bob@acme.test'))[0].name).toBe(null);
    expect(((await (await server.api('/api/v1/contacts?limit=100', { token: eve })).json()) as Page<Contact>).results.map((c) => c.email)).toEqual(['bob@acme.test']);
  });
});
