// HubSpot's `GET /crm/v3/objects/contacts/{contactId}` through the official client
// (`crm.contacts.basicApi.getById`): the contact in HubSpot's shape, `properties` choosing what it
// holds, `idProperty=email` looking up by address, and 404 in HubSpot's error shape for an unknown id
// or another account's contact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@hubspot/api-client';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { hubspot } from '../helpers/smtp-clients.js';

describe.each(BACKENDS)('GET /crm/v3/objects/contacts/{contactId} (%s)', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let client: Client;
  let outsider: Client;
  let ann: { id: string; createdAt: string; updatedAt: string };
  let theirs: { id: string };
  let repToken: string;

  const create = async (token: string, json: unknown) => {
    const res = await server.api('/api/v1/contacts', { method: 'POST', token, json });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as { id: string; createdAt: string; updatedAt: string };
  };

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    const rep = await server.addUser('rep@acme.test', { account: 'Acme' });
    const out = await server.addUser('out@globex.test', { account: 'Globex' });
    repToken = rep.accessToken;
    client = hubspot(server, rep.accessToken);
    outsider = hubspot(server, out.accessToken);
    ann = await create(rep.accessToken, { email: 'ann.lee@example.test', name: 'Ann Marie Lee', properties: { company: 'Acme', jobtitle: 'CTO' } });
    theirs = await create(out.accessToken, { email: 'zed@example.test', name: 'Zed' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('answers the contact in HubSpot’s shape with the default properties', async () => {
    const c = await client.crm.contacts.basicApi.getById(ann.id);
    expect(c.id).toBe(ann.id);
    expect(c.archived).toBe(false);
    expect(c.createdAt.toISOString()).toBe(ann.createdAt);
    expect(c.updatedAt.toISOString()).toBe(ann.updatedAt);
    expect(c.properties).toEqual({
      createdate: ann.createdAt,
      email: 'ann.lee@example.test',
      firstname: 'Ann',
      hs_object_id: ann.id,
      lastmodifieddate: ann.updatedAt,
      lastname: 'Marie Lee',
    });
  });

  it('holds the properties asked for (null where the contact has none), and looks up by address', async () => {
    const c = await client.crm.contacts.basicApi.getById(ann.id, ['company', 'firstname', 'fax']);
    expect(c.properties).toEqual({ company: 'Acme', firstname: 'Ann', fax: null, createdate: ann.createdAt, hs_object_id: ann.id, lastmodifieddate: ann.updatedAt });
    // Comma-separated, as HubSpot also takes them.
    const res = await server.api(`/crm/v3/objects/contacts/${ann.id}?properties=jobtitle,email`, { token: repToken });
    expect(((await res.json()) as { properties: object }).properties).toEqual({ jobtitle: 'CTO', email: 'ann.lee@example.test', createdate: ann.createdAt, hs_object_id: ann.id, lastmodifieddate: ann.updatedAt });
    const bad = await server.api(`/crm/v3/objects/contacts/${ann.id}?properties=${encodeURIComponent('<script>')}`, { token: repToken });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ in: 'properties' }] });
    const byEmail = await client.crm.contacts.basicApi.getById('Ann.Lee@Example.test', ['jobtitle', 'email'], undefined, undefined, false, 'email');
    expect(byEmail.id).toBe(ann.id);
    expect(byEmail.properties).toMatchObject({ jobtitle: 'CTO', email: 'ann.lee@example.test' });
  });

  it('answers 404 in HubSpot’s error shape for an unknown id, another account’s contact, or archived', async () => {
    const refusals = [
      () => client.crm.contacts.basicApi.getById('nosuchcontact000'),
      () => client.crm.contacts.basicApi.getById(theirs.id),
      () => client.crm.contacts.basicApi.getById('zed@example.test', undefined, undefined, undefined, false, 'email'),
      () => client.crm.contacts.basicApi.getById(ann.id, undefined, undefined, undefined, true),
      () => outsider.crm.contacts.basicApi.getById(ann.id),
    ];
    for (const r of refusals) {
      const err = (await r().then(() => undefined, (e: unknown) => e)) as { code: number; body: { status: string; category: string; message: string; correlationId: string } };
      expect(err?.code).toBe(404);
      expect(err.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND', message: expect.stringContaining('was not found'), correlationId: expect.any(String) });
    }
    // The other account's contact is still there for them.
    expect((await outsider.crm.contacts.basicApi.getById(theirs.id)).properties.email).toBe('zed@example.test');
  });
});
