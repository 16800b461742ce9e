// People and sign-in against the real server on SQLite and PostgreSQL: the CLI's admin and invite
// link, passwords, the session cookie (flags, a new id at each sign-in, the origin check), the same
// answer for an unknown address and a wrong password, throttling, one-use expiring links, roles and
// the last-admin rule, devices and access tokens, and the emails in the dev mailbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { connectSse } from '../helpers/sse.js';
import { browserClient, linkIn, mailTo } from './helpers.js';

const PASSWORD = 'correct horse battery staple';

describe.each(BACKENDS)('people and sign-in (%s)', (backend) => {
  let db: TestDatabase;
  let server: RunningServer;
  let admin: { id: string; accessToken: string; inviteUrl: string; role: string };

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    server = await startServer(db, { TRUST_PROXY: 'true' });
    const r = await server.cli(['user', 'add', 'ada@acme.test', '--name', 'Ada']);
    expect(r.code).toBe(0);
    admin = JSON.parse(r.stdout);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('the CLI makes the first user an admin with an invite link; later ones members unless --role says', async () => {
    expect(admin.role).toBe('admin');
    expect(admin.inviteUrl).toMatch(new RegExp(`^http://localhost:\\d+/app/invite/[A-Za-z0-9_-]{43}$`));
    const m = JSON.parse((await server.cli(['user', 'add', 'max@acme.test'])).stdout);
    expect(m.role).toBe('member');
    const a2 = JSON.parse((await server.cli(['user', 'add', 'ops@acme.test', '--role', 'admin'])).stdout);
    expect(a2.role).toBe('admin');
    const bad = await server.cli(['user', 'add', 'x@acme.test', '--role', 'owner']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/admin or member/);
  });

  it('an invitation sets a password once: weak passwords are refused and leave the link working', async () => {
    const token = admin.inviteUrl.split('/').pop()!;
    const b = browserClient(server);
    expect(await (await b.call(`/api/v1/auth/invitations/${token}`)).json()).toMatchObject({ email: 'ada@acme.test' });
    for (const weak of ['short', 'password123', 'qwertyuiop', 'aaaaaaaaaaaa']) {
      const r = await b.call(`/api/v1/auth/invitations/${token}/accept`, { json: { password: weak } });
      expect(r.status).toBe(400);
      expect((await r.json()).message).toMatch(/characters|commonly used|repeated/);
    }
    const ok = await b.call(`/api/v1/auth/invitations/${token}/accept`, { json: { password: PASSWORD, name: 'Ada L.' } });
    expect(ok.status).toBe(200);
    expect((await ok.json()).user).toMatchObject({ email: 'ada@acme.test', role: 'admin', name: 'Ada L.' });
    // Cookie flags: HttpOnly, SameSite=Lax, no Secure over plain http, whole site.
    expect(b.setCookie).toMatch(/^mb_session=[a-z0-9]{16}\.[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await b.call('/api/v1/me')).status).toBe(200);
    // Used: the link is gone for good.
    const again = await b.call(`/api/v1/auth/invitations/${token}/accept`, { json: { password: PASSWORD + '!' } });
    expect(again.status).toBe(404);
    expect((await again.json()).message).toMatch(/used|expired/);
  });

  it('signing in gives a new session id each time; the old one stops working; logout ends it', async () => {
    const b = browserClient(server);
    expect((await b.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } })).status).toBe(200);
    const first = b.cookie!;
    expect((await b.call('/api/v1/auth/login', { json: { email: 'ADA@acme.test', password: PASSWORD } })).status).toBe(200);
    const second = b.cookie!;
    expect(second).not.toBe(first);
    const stale = await fetch(server.url + '/api/v1/me', { headers: { cookie: first } });
    expect(stale.status).toBe(401);
    expect((await b.call('/api/v1/auth/logout', { method: 'POST' })).status).toBe(204);
    expect(b.setCookie).toMatch(/Max-Age=0/);
    expect((await fetch(server.url + '/api/v1/me', { headers: { cookie: second } })).status).toBe(401);
  });

  it('a session in use gets its cookie renewed (a fresh Max-Age) when the server moves its end on, not on every request', async () => {
    const b = browserClient(server);
    expect((await b.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } })).status).toBe(200);
    await b.call('/api/v1/me');
    expect(b.setCookie).toBeUndefined();
    // Two minutes without use: the next request slides the end on, and the browser is told so.
    const database = await db.open();
    try {
      const id = b.cookie!.split('=')[1].split('.')[0];
      await database.db.updateTable('sessions').set({ last_used_at: Date.now() - 120_000 }).where('id', '=', id).execute();
    } finally {
      await database.close();
    }
    const same = b.cookie;
    expect((await b.call('/api/v1/me')).status).toBe(200);
    expect(b.setCookie).toMatch(/^mb_session=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax/);
    expect(b.cookie).toBe(same);
    await b.call('/api/v1/me');
    expect(b.setCookie).toBeUndefined();
  });

  it('a cookie-authenticated write from another origin, or with no origin at all, is refused with 403; bearer needs none', async () => {
    const b = browserClient(server);
    await b.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } });
    const foreign = await b.call('/api/v1/access-tokens', { json: { name: 'x' }, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const none = await b.call('/api/v1/access-tokens', { json: { name: 'x' }, origin: null });
    expect(none.status).toBe(403);
    const byReferer = await b.call('/api/v1/access-tokens', { json: { name: 'x' }, origin: null, headers: { referer: `${server.url}/app/settings` } });
    expect(byReferer.status).toBe(201);
    // A GET with the cookie from anywhere is fine (reading is not acting; CORS keeps the answer from other sites).
    expect((await b.call('/api/v1/me', { origin: 'https://evil.example' })).status).toBe(200);
    const bearer = await server.api('/api/v1/access-tokens', { token: admin.accessToken, json: { name: 'script' }, method: 'POST' });
    expect(bearer.status).toBe(201);
    // Login from another site's page is refused too (login CSRF).
    expect((await b.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD }, origin: 'https://evil.example' })).status).toBe(403);
  });

  it('an unknown address and a wrong password get the same answer', async () => {
    const b = browserClient(server);
    const wrong = await b.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: 'not the password at all' } });
    const unknown = await b.call('/api/v1/auth/login', { json: { email: 'nobody@acme.test', password: 'not the password at all' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [w, u] = [await wrong.json(), await unknown.json()];
    expect(w.message).toBe(u.message);
    expect(w.category).toBe(u.category);
    expect(b.cookie).toBeUndefined();
  });

  it('more than ten failures for one email address (from many client addresses) answer 429 with Retry-After, the right password included', async () => {
    const target = JSON.parse((await server.cli(['user', 'add', 'target@acme.test'])).stdout);
    const { token } = linkIn(target.inviteUrl, 'invite');
    expect((await browserClient(server).call(`/api/v1/auth/invitations/${token}/accept`, { json: { password: PASSWORD } })).status).toBe(200);
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) codes.push((await browserClient(server).call('/api/v1/auth/login', { json: { email: 'target@acme.test', password: `guess number ${i}` } })).status);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes[10]).toBe(429);
    const r = await browserClient(server).call('/api/v1/auth/login', { json: { email: 'target@acme.test', password: PASSWORD } });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // Someone else's sign-in is not affected.
    expect((await browserClient(server).call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } })).status).toBe(200);
  });

  it('more than ten failures from one client address answer 429, whatever the email', async () => {
    const b = browserClient(server);
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) codes.push((await b.call('/api/v1/auth/login', { json: { email: `guess${i}@acme.test`, password: 'some wrong password' } })).status);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes[10]).toBe(429);
    expect((await b.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } })).status).toBe(429);
  });

  it('admins invite from the API (the email arrives with a working link); members get 403 on admin routes', async () => {
    const before = Date.now();
    const r = await server.api('/api/v1/users', { token: admin.accessToken, method: 'POST', json: { email: 'Bea@Acme.test', name: 'Bea', role: 'member' } });
    expect(r.status).toBe(201);
    const bea = await r.json();
    expect(bea).toMatchObject({ email: 'bea@acme.test', name: 'Bea', role: 'member', status: 'invited' });
    const mail = await mailTo(server, 'bea@acme.test', /invited/, before);
    expect(mail.from).toMatch(/no-reply@localhost/);
    const link = linkIn(mail.text, 'invite');
    expect(link.url).toBe(bea.inviteUrl);
    const b = browserClient(server);
    expect((await b.call(`/api/v1/auth/invitations/${link.token}/accept`, { json: { password: 'bea has a long passphrase' } })).status).toBe(200);
    // The member is signed in, and refused on admin routes.
    const refused = await b.call('/api/v1/users', { json: { email: 'c@acme.test' } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toMatch(/admin/);
    expect((await b.call(`/api/v1/users/${admin.id}`, { method: 'PATCH', json: { role: 'member' } })).status).toBe(403);
    expect((await b.call(`/api/v1/users/${admin.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await b.call('/api/v1/account/sender-address', { method: 'PUT', json: { address: 'x@acme.test' } })).status).toBe(403);
    // Listing is for everyone.
    expect((await b.call('/api/v1/users')).status).toBe(200);
  });

  it('the last admin can be neither demoted nor removed (409); another account\'s users are not found', async () => {
    const other = JSON.parse((await server.cli(['user', 'add', 'solo@other.test', '--account', 'other'])).stdout);
    const demote = await server.api(`/api/v1/users/${other.id}`, { token: other.accessToken, method: 'PATCH', json: { role: 'member' } });
    expect(demote.status).toBe(409);
    expect((await server.api(`/api/v1/users/${other.id}`, { token: other.accessToken, method: 'DELETE' })).status).toBe(409);
    expect((await server.api(`/api/v1/users/${admin.id}`, { token: other.accessToken, method: 'PATCH', json: { name: 'x' } })).status).toBe(404);
    expect((await server.api(`/api/v1/users/${admin.id}`, { token: other.accessToken, method: 'DELETE' })).status).toBe(404);
    expect((await server.api(`/api/v1/sessions/${admin.id}`, { token: other.accessToken, method: 'DELETE' })).status).toBe(404);
  });

  it('a password reset link works once, ends every other session, and unknown addresses get the same 202', async () => {
    const other = browserClient(server);
    expect((await other.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } })).status).toBe(200);
    const before = Date.now();
    const unknown = await fetch(server.url + '/api/v1/auth/password-reset', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@acme.test' }) });
    const known = await fetch(server.url + '/api/v1/auth/password-reset', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ada@acme.test' }) });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(await unknown.json()).toEqual(await known.json());
    const { token } = linkIn((await mailTo(server, 'ada@acme.test', /Reset/, before)).text, 'reset');
    const me = browserClient(server);
    expect((await me.call(`/api/v1/auth/password-reset/${token}`, { json: { password: 'a brand new passphrase' } })).status).toBe(200);
    expect((await me.call('/api/v1/me')).status).toBe(200);
    expect((await other.call('/api/v1/me')).status).toBe(401);
    expect((await me.call(`/api/v1/auth/password-reset/${token}`, { json: { password: 'another new passphrase' } })).status).toBe(404);
    // The old password no longer works, the new one does; and it is changed back for the other tests.
    expect((await browserClient(server).call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } })).status).toBe(401);
    const change = await me.call('/api/v1/auth/password', { json: { currentPassword: 'a brand new passphrase', newPassword: PASSWORD } });
    expect(change.status).toBe(204);
  });

  it('devices: sessions and named tokens listed with the current one; ending one stops it', async () => {
    const b = browserClient(server);
    await b.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } });
    const made = await (await b.call('/api/v1/access-tokens', { json: { name: 'Outlook' } })).json();
    expect(made).toMatchObject({ name: 'Outlook', accessToken: expect.stringMatching(/^mb_/) });
    expect((await server.api('/api/v1/me', { token: made.accessToken })).status).toBe(200);
    const list = (await (await b.call('/api/v1/sessions')).json()).results as Array<{ id: string; kind: string; name: string; current: boolean; lastUsedAt: string | null }>;
    expect(list.find((d) => d.current)?.kind).toBe('session');
    const outlook = list.find((d) => d.id === made.id)!;
    expect(outlook).toMatchObject({ kind: 'token', name: 'Outlook' });
    expect(outlook.lastUsedAt).not.toBeNull();
    // The add-in's sign-out: the token revokes itself.
    expect((await server.api('/api/v1/access-tokens/current', { token: made.accessToken, method: 'DELETE' })).status).toBe(204);
    expect((await server.api('/api/v1/me', { token: made.accessToken })).status).toBe(401);
    // Ending a session from the devices list.
    const c = browserClient(server);
    await c.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } });
    const cid = ((await (await c.call('/api/v1/sessions')).json()).results as Array<{ id: string; current: boolean }>).find((d) => d.current)!.id;
    expect((await b.call(`/api/v1/sessions/${cid}`, { method: 'DELETE' })).status).toBe(204);
    expect((await c.call('/api/v1/me')).status).toBe(401);
  });

  it('the live feed takes the session cookie (no token in the URL); signing out or ending a token ends its feeds', async () => {
    const b = browserClient(server);
    await b.call('/api/v1/auth/login', { json: { email: 'ada@acme.test', password: PASSWORD } });
    const byCookie = await connectSse(server.url + '/api/v1/notifications/stream', { cookie: b.cookie });
    const made = await (await b.call('/api/v1/access-tokens', { json: { name: 'Outlook' } })).json();
    const byToken = await connectSse(server.url + '/api/v1/notifications/stream', { token: made.accessToken });
    expect((await b.call('/api/v1/auth/logout', { method: 'POST', json: {} })).status).toBe(204);
    await byCookie.ended;
    expect((await server.api(`/api/v1/sessions/${made.id}`, { token: made.accessToken, method: 'DELETE' })).status).toBe(204);
    await byToken.ended;
    expect((await server.api('/api/v1/me', { token: made.accessToken })).status).toBe(401);
  });

  it('the admin sets the sender address; bad ones are refused and change nothing', async () => {
    const bad = await server.api('/api/v1/account/sender-address', { token: admin.accessToken, method: 'PUT', json: { address: 'not an address' } });
    expect(bad.status).toBe(400);
    const ok = await server.api('/api/v1/account/sender-address', { token: admin.accessToken, method: 'PUT', json: { address: 'Team@Acme.test' } });
    expect(await ok.json()).toEqual({ address: 'team@acme.test', isDefault: false });
    const before = Date.now();
    await server.api('/api/v1/users', { token: admin.accessToken, method: 'POST', json: { email: 'cy@acme.test' } });
    expect((await mailTo(server, 'cy@acme.test', /invited/, before)).from).toMatch(/team@acme\.test/);
  });

  it('pages: / goes to /app, /app/* is the app, unknown pages are HTML for browsers and JSON for API clients, all with a script-safe CSP', async () => {
    const root = await fetch(server.url + '/', { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/app');
    const missing = await fetch(server.url + '/no/such/page', { headers: { accept: 'text/html' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/text\/html/);
    const csp = missing.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const api = await fetch(server.url + '/api/v1/nothing', { headers: { accept: 'text/html' } });
    expect(api.headers.get('content-type')).toMatch(/json/);
  });
});
