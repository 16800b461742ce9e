// One-use links and sessions in the store, on both databases: a link works once, not after it
// expires, not after a newer one replaced it, and not for a removed user; an expired session is no
// session. (Expiry is set in the past here rather than waited for.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Database } from '../../src/server/db/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { addUser, removeUser } from '../../src/server/store/users.js';
import { createUserLink, useUserLink } from '../../src/server/store/user-links.js';
import { createSession, verifySession } from '../../src/server/store/sessions.js';
import { passwordProblem } from '../../src/server/people/passwords.js';

describe.each(BACKENDS)('links and sessions (%s)', (backend) => {
  let t: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    t = await createTestDatabase(backend);
    database = await t.open();
    await migrate(database);
  });
  afterAll(async () => {
    await database?.close();
    await t?.drop();
  });

  it('a link works once; an expired or replaced one never; two concurrent uses: exactly one wins', async () => {
    const { user } = await addUser(database.db, { email: 'a@links.test', account: 'links' });
    const expired = await createUserLink(database.db, user, 'reset', -1);
    expect(await useUserLink(database.db, expired, 'reset')).toBeUndefined();
    const replaced = await createUserLink(database.db, user, 'reset', 60_000);
    const current = await createUserLink(database.db, user, 'reset', 60_000);
    expect(await useUserLink(database.db, replaced, 'reset')).toBeUndefined();
    // An invitation token is not a reset token.
    expect(await useUserLink(database.db, current, 'invite')).toBeUndefined();
    const both = await Promise.all([useUserLink(database.db, current, 'reset'), useUserLink(database.db, current, 'reset')]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await useUserLink(database.db, current, 'reset')).toBeUndefined();
  });

  it('links and sessions of a removed user stop working; an expired session is refused', async () => {
    const { user } = await addUser(database.db, { email: 'b@links.test', account: 'links' });
    const link = await createUserLink(database.db, user, 'invite', 60_000);
    const live = await createSession(database.db, user, { name: 'x', lifetimeMs: 60_000 });
    const old = await createSession(database.db, user, { name: 'x', lifetimeMs: -1 });
    expect(await verifySession(database.db, live.cookie, 60_000)).toMatchObject({ userId: user.id, sessionId: live.id, tokenId: live.id, role: 'member' });
    expect(await verifySession(database.db, old.cookie, 60_000)).toBeUndefined();
    expect(await verifySession(database.db, live.cookie.slice(0, -1) + (live.cookie.endsWith('A') ? 'B' : 'A'), 60_000)).toBeUndefined();
    await removeUser(database.db, 'b@links.test');
    expect(await useUserLink(database.db, link, 'invite')).toBeUndefined();
    expect(await verifySession(database.db, live.cookie, 60_000)).toBeUndefined();
  });
});

describe('password rule', () => {
  it('asks for length, refuses common passwords and the address itself, and takes any long passphrase', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('1234567890')).toMatch(/commonly used/);
    expect(passwordProblem('Password123')).toMatch(/commonly used/);
    expect(passwordProblem('ann.lee@acme.test', 'ann.lee@acme.test')).toMatch(/email/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most/);
    expect(passwordProblem('ünïcødé pässwörd 🔑')).toBeUndefined();
    expect(passwordProblem('correct horse battery staple')).toBeUndefined();
  });
});
