// User settings (GET/PUT /api/v1/settings) and account settings (GET/PUT /api/v1/account) over HTTP,
// and the store functions tracking reads them through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { DEFAULT_SETTINGS, type UserSettings } from '../../src/shared/api.js';
import { getAccountSettings, getUserSettings } from '../../src/server/store/settings.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';

describe.each(BACKENDS)('Settings on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let database: Database;
  let ann: { id: string; accessToken: string };
  let pat: { id: string; accessToken: string };
  let eve: { id: string; accessToken: string };

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    ann = await server.addUser('ann@mycorp.test');
    pat = await server.addUser('pat@mycorp.test');
    eve = await server.addUser('eve@other.test', { account: 'other' });
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  const put = (path: string, token: string, json: unknown) => server.api(path, { method: 'PUT', token, json });
  const get = async <T>(path: string, token: string) => (await (await server.api(path, { token })).json()) as T;
  const accountId = async (name: string) => (await database.db.selectFrom('accounts').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

  it('starts from the defaults: log and track on', async () => {
    expect(await get<UserSettings>('/api/v1/settings', ann.accessToken)).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toMatchObject({ defaultLog: true, defaultTrack: true });
  });

  it('saves any subset, merges notifications field by field, and answers the whole', async () => {
    let r = await put('/api/v1/settings', ann.accessToken, { defaultTrack: false, notifications: { clicks: false } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ...DEFAULT_SETTINGS, defaultTrack: false, notifications: { opens: true, clicks: false, firstOpenOnly: false } });
    r = await put('/api/v1/settings', ann.accessToken, { notifications: { firstOpenOnly: true }, pixelPosition: 'top' });
    const saved = await r.json();
    expect(saved).toEqual({ ...DEFAULT_SETTINGS, defaultTrack: false, pixelPosition: 'top', notifications: { opens: true, clicks: false, firstOpenOnly: true } });
    expect(await get('/api/v1/settings', ann.accessToken)).toEqual(saved);
    // Another user of the same account keeps their own.
    expect(await get('/api/v1/settings', pat.accessToken)).toEqual(DEFAULT_SETTINGS);
    // What tracking reads.
    expect(await getUserSettings(database.db, await accountId('default'), ann.id)).toEqual(saved);
    expect(await getUserSettings(database.db, await accountId('other'), ann.id)).toEqual(DEFAULT_SETTINGS);
  });

  it('normalizes the never-log list and blocked IPs, and names the first bad entry', async () => {
    const r = await put('/api/v1/settings', ann.accessToken, { neverLog: [' Competitor.test', '@competitor.test', 'Boss@Acme.test'], blockedIps: ['203.0.113.7', '198.51.100.0/24', '2001:DB8::/32', '203.0.113.7'] });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ neverLog: ['competitor.test', 'boss@acme.test'], blockedIps: ['203.0.113.7', '198.51.100.0/24', '2001:db8::/32'] });

    const badList = await put('/api/v1/settings', ann.accessToken, { neverLog: ['acme.test', 'not a domain'] });
    expect(badList.status).toBe(400);
    expect((await badList.json()).errors).toEqual([expect.objectContaining({ in: 'neverLog.1' })]);
    const badIp = await put('/api/v1/settings', ann.accessToken, { blockedIps: ['10.0.0.0/8', '300.1.1.1'] });
    expect((await badIp.json()).errors).toEqual([expect.objectContaining({ in: 'blockedIps.1' })]);
    const tooMany = await put('/api/v1/settings', ann.accessToken, { neverLog: Array.from({ length: 501 }, (_, i) => `d${i}.test`) });
    expect(tooMany.status).toBe(400);
    // Nothing of the refused requests was saved.
    expect(await get<UserSettings>('/api/v1/settings', ann.accessToken)).toMatchObject({ neverLog: ['competitor.test', 'boss@acme.test'] });
  });

  it('refuses unknown fields, wrong types and unknown pixel positions, naming each', async () => {
    const r = await put('/api/v1/settings', ann.accessToken, { theme: 'dark', defaultLog: 'sometimes', pixelPosition: 'middle', notifications: { sound: true } });
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.errors.map((e: { in: string }) => e.in).sort()).toEqual(['defaultLog', 'notifications.sound', 'pixelPosition', 'theme']);
    expect(await get<UserSettings>('/api/v1/settings', ann.accessToken)).toMatchObject({ defaultLog: true, pixelPosition: 'top' });
  });

  it('takes numbers and true/false only as JSON numbers and booleans: "30" or "false" is a 400 that changes nothing', async () => {
    const account = await get('/api/v1/account', ann.accessToken);
    const accountCases: Array<[string, unknown]> = [['retentionDays', '30'], ['retentionDays', 30.5], ['retentionDays', null], ['createContacts', 'false'], ['privacy', 'true'], ['privacy', 1], ['trackingDomain', 5], ['name', 5]];
    for (const [field, value] of accountCases) {
      const r = await put('/api/v1/account', ann.accessToken, { [field]: value, neverLog: ['changed@acme.test'] });
      expect(r.status, `${field}: ${JSON.stringify(value)}`).toBe(400);
      const body = (await r.json()) as { message: string; errors: Array<{ in: string }> };
      expect(body.errors.map((e) => e.in), field).toContain(field);
      expect(body.message).toContain(field);
    }
    expect(await get('/api/v1/account', ann.accessToken)).toEqual(account);
    expect((await put('/api/v1/account', ann.accessToken, { retentionDays: 30 })).status).toBe(200);
    expect(await get('/api/v1/account', ann.accessToken)).toMatchObject({ retentionDays: 30 });
    expect((await put('/api/v1/account', ann.accessToken, { retentionDays: (account as { retentionDays: number }).retentionDays })).status).toBe(200);

    const mine = await get('/api/v1/settings', ann.accessToken);
    const userCases: Array<[string, string, unknown]> = [
      ['defaultLog', 'defaultLog', 'false'],
      ['defaultTrack', 'defaultTrack', 0],
      ['logReplies', 'logReplies', 'true'],
      ['defaultRemindDays', 'defaultRemindDays', '5'],
      ['notifications', 'notifications.opens', { opens: 'false' }],
      ['neverLog', 'neverLog', 'a@b.test'],
    ];
    for (const [field, where, value] of userCases) {
      const r = await put('/api/v1/settings', ann.accessToken, { [field]: value, pixelPosition: 'bottom' });
      expect(r.status, `${field}: ${JSON.stringify(value)}`).toBe(400);
      expect(((await r.json()) as { errors: Array<{ in: string }> }).errors.map((e) => e.in), field).toContain(where);
    }
    expect(await get('/api/v1/settings', ann.accessToken)).toEqual(mine);
  });

  it('keeps both of two concurrent updates', async () => {
    await Promise.all([put('/api/v1/settings', pat.accessToken, { defaultLog: false }), put('/api/v1/settings', pat.accessToken, { pixelPosition: 'top' }), put('/api/v1/settings', pat.accessToken, { notifications: { opens: false } })]);
    expect(await get('/api/v1/settings', pat.accessToken)).toMatchObject({ defaultLog: false, pixelPosition: 'top', notifications: { opens: false, clicks: true } });
  });

  it('shows the account settings to every user of the account only; admins change them', async () => {
    expect(await get('/api/v1/account', ann.accessToken)).toEqual({ name: 'default', neverLog: [], createContacts: true, privacy: false, trackingDomain: null, retentionDays: 365 });
    const r = await put('/api/v1/account', ann.accessToken, { neverLog: ['Legal@Acme.test'], privacy: true, trackingDomain: 'Track.MyCorp.test' });
    expect(r.status).toBe(200);
    const saved = { name: 'default', neverLog: ['legal@acme.test'], createContacts: true, privacy: true, trackingDomain: 'track.mycorp.test', retentionDays: 365 };
    expect(await r.json()).toEqual(saved);
    expect(await get('/api/v1/account', pat.accessToken)).toEqual(saved);
    expect(await getAccountSettings(database.db, await accountId('default'))).toEqual(saved);
    // Only admins change them: a member (the account's second user) is refused and nothing changes.
    const byMember = await put('/api/v1/account', pat.accessToken, { ...saved, trackingDomain: null });
    expect(byMember.status).toBe(403);
    expect(await get('/api/v1/account', ann.accessToken)).toEqual(saved);
    // A GET answer sent back whole is fine; the other account is untouched.
    expect((await put('/api/v1/account', ann.accessToken, { ...saved, trackingDomain: null })).status).toBe(200);
    expect(await get('/api/v1/account', eve.accessToken)).toEqual({ name: 'other', neverLog: [], createContacts: true, privacy: false, trackingDomain: null, retentionDays: 365 });
  });

  it('refuses a bad tracking domain, a new account name and unknown fields', async () => {
    for (const trackingDomain of ['not a host', 'http://track.mycorp.test', '203.0.113.7', 'localhost']) {
      const r = await put('/api/v1/account', ann.accessToken, { trackingDomain });
      expect(r.status, trackingDomain).toBe(400);
      expect((await r.json()).errors).toEqual([expect.objectContaining({ in: 'trackingDomain' })]);
    }
    expect((await (await put('/api/v1/account', ann.accessToken, { name: 'renamed' })).json()).errors).toEqual([expect.objectContaining({ in: 'name' })]);
    expect((await (await put('/api/v1/account', ann.accessToken, { plan: 'gold' })).json()).errors).toEqual([expect.objectContaining({ in: 'plan' })]);
    expect((await (await put('/api/v1/account', ann.accessToken, { neverLog: ['ok.test', '@'] })).json()).errors).toEqual([expect.objectContaining({ in: 'neverLog.1' })]);
    expect(await get('/api/v1/account', ann.accessToken)).toMatchObject({ name: 'default', neverLog: ['legal@acme.test'], trackingDomain: null });
  });

  it('needs an access token', async () => {
    for (const path of ['/api/v1/settings', '/api/v1/account']) expect((await server.api(path)).status).toBe(401);
  });
});
