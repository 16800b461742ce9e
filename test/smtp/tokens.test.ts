// SMTP API tokens through the official @hubspot/api-client, unchanged, against our server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { hubspot } from '../helpers/smtp-clients.js';

describe.each(BACKENDS)('SMTP tokens on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let token: string;
  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    token = (await server.addUser('dev@acme.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('runs the whole lifecycle through publicSMTPTokensApi', async () => {
    const api = hubspot(server, token).marketing.transactional.publicSMTPTokensApi;
    const created = await api.createToken({ campaignName: 'Receipts', createContact: true });
    expect(created).toMatchObject({ campaignName: 'Receipts', createContact: true, createdBy: 'dev@acme.test' });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.emailCampaignId).toMatch(/^\d+$/);
    expect(created.password!.length).toBeGreaterThanOrEqual(22); // ≥ 128 bits in base64url

    const fetched = await api.getTokenById(created.id);
    expect(fetched.id).toBe(created.id);
    expect(fetched.password).toBeUndefined();

    const page = await api.getTokensPage('Receipts');
    expect(page.results.map((t) => t.id)).toEqual([created.id]);
    expect(page.results[0].password).toBeUndefined();
    const byCampaign = await api.getTokensPage(undefined, created.emailCampaignId);
    expect(byCampaign.results.map((t) => t.id)).toEqual([created.id]);

    const reset = await api.resetPassword(created.id);
    expect(reset.password).toBeTruthy();
    expect(reset.password).not.toBe(created.password);

    await api.archiveToken(created.id);
    await expect(api.getTokenById(created.id)).rejects.toMatchObject({ code: 404 });
    expect((await api.getTokensPage('Receipts')).results).toEqual([]);
  });

  it('pages with after/limit until every token was seen once', async () => {
    const api = hubspot(server, token).marketing.transactional.publicSMTPTokensApi;
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await api.createToken({ campaignName: 'Paged', createContact: false })).id);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await api.getTokensPage('Paged', undefined, after, 2);
      expect(page.results.length).toBeLessThanOrEqual(2);
      seen.push(...page.results.map((t) => t.id));
      after = page.paging?.next?.after;
    } while (after);
    expect(seen).toEqual(ids);
  });

  it('stores only a slow hash of the password, never the password', async () => {
    const api = hubspot(server, token).marketing.transactional.publicSMTPTokensApi;
    const created = await api.createToken({ campaignName: 'Secret', createContact: false });
    const reset = await api.resetPassword(created.id);
    const database = await tdb.open();
    try {
      const row = await database.db.selectFrom('smtp_tokens').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^scrypt\$/);
      const everything = JSON.stringify(await database.db.selectFrom('smtp_tokens').selectAll().execute());
      expect(everything).not.toContain(created.password);
      expect(everything).not.toContain(reset.password);
    } finally {
      await database.close();
    }
  });

  it('refuses bad bodies with the field named, and hides other accounts\' tokens', async () => {
    const bad = await server.api('/marketing/v3/transactional/smtp-tokens', { method: 'POST', token, json: { campaignName: '', createContact: 'yes' } });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.errors.map((e: { in: string }) => e.in).sort()).toEqual(['campaignName', 'createContact']);

    const mine = await hubspot(server, token).marketing.transactional.publicSMTPTokensApi.createToken({ campaignName: 'Mine', createContact: false });
    const other = (await server.addUser('eve@other.test', { account: 'other' })).accessToken;
    const api = hubspot(server, other).marketing.transactional.publicSMTPTokensApi;
    await expect(api.getTokenById(mine.id)).rejects.toMatchObject({ code: 404 });
    await expect(api.resetPassword(mine.id)).rejects.toMatchObject({ code: 404 });
    await expect(api.archiveToken(mine.id)).rejects.toMatchObject({ code: 404 });
    expect((await api.getTokensPage('Mine')).results).toEqual([]);
    // Still there for its owner.
    expect((await hubspot(server, token).marketing.transactional.publicSMTPTokensApi.getTokenById(mine.id)).id).toBe(mine.id);
  });

  it('keeps tokens working after the user who made them is removed', async () => {
    const u = await server.addUser('leaver@acme.test');
    const t = await hubspot(server, u.accessToken).marketing.transactional.publicSMTPTokensApi.createToken({ campaignName: 'Stays', createContact: false });
    expect((await server.cli(['user', 'remove', 'leaver@acme.test'])).code).toBe(0);
    const still = await hubspot(server, token).marketing.transactional.publicSMTPTokensApi.getTokenById(t.id);
    expect(still.createdBy).toBe('leaver@acme.test');
  });
});
