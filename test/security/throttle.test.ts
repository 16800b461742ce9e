// Brute-force throttling, the cases test/smtp/sessions.test.ts and test/server/serve.test.ts leave
// open: AUTH LOGIN failures count like AUTH PLAIN ones; a token guessed at from many addresses is
// locked for all of them (and only that token); wrong Bearer tokens sent as `?access_token=` count
// too; one guessing address does not lock out the right user elsewhere; sending no token is no guess.
// The throttles live in process memory, so one backend is enough here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { smtpLogin } from '../helpers/smtp-clients.js';
import { errorShapeProblem } from '../fuzz/support/error-shape.js';
import { SmtpConversation } from '../fuzz/support/smtp-conversation.js';
import { freshLoopback, request } from './client.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('login throttling', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let accessToken: string;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb);
    accessToken = (await server.addUser('guarded@acme.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  /** One SMTP connection from `from`, the given AUTH exchange line by line; answers the last reply. */
  async function auth(from: string, lines: string[]): Promise<string> {
    const c = await SmtpConversation.open(server.smtpPort, from);
    await c.waitForReplies(1);
    let n = 1;
    for (const line of ['EHLO guess.test', ...lines]) {
      c.write(line + '\r\n');
      await c.waitForReplies(++n, 10_000);
      if (c.closed) break;
    }
    const last = c.last();
    c.hangUp();
    return last;
  }
  const login = (user: string, pass: string) => ['AUTH LOGIN', b64(user), b64(pass)];
  const plain = (user: string, pass: string) => [`AUTH PLAIN ${b64(`\0${user}\0${pass}`)}`];

  it('counts failed AUTH LOGIN attempts per address, like AUTH PLAIN', async () => {
    const { creds } = await smtpLogin(server, accessToken, 'login-throttle');
    const attacker = freshLoopback();
    for (let i = 0; i < 10; i++) expect(await auth(attacker, login(creds.user, `guess-${i}`))).toMatch(/^535/);
    expect(await auth(attacker, plain(creds.user, creds.pass))).toMatch(/^454 4\.7\.0 Too many failed logins/);
    expect(await auth(attacker, login(creds.user, creds.pass))).toMatch(/^454/);
    expect(await auth(freshLoopback(), login(creds.user, creds.pass))).toMatch(/^235/);
  });

  it('locks a token guessed at from many addresses, for every address, and only that token', async () => {
    const target = (await smtpLogin(server, accessToken, 'target')).creds;
    const bystander = (await smtpLogin(server, accessToken, 'bystander')).creds;
    for (let i = 0; i < 20; i++) expect(await auth(freshLoopback(), plain(target.user, `botnet-${i}`))).toMatch(/^535/);
    const fresh = freshLoopback();
    expect(await auth(fresh, plain(target.user, target.pass))).toMatch(/^454/);
    expect(await auth(fresh, login(target.user, target.pass))).toMatch(/^454/);
    expect(await auth(fresh, plain(bystander.user, bystander.pass))).toMatch(/^235/);
  });

  it('counts wrong `?access_token=` values like wrong Bearer headers, per address only, and never a missing token', async () => {
    const wrong = `mb_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    const stream = (from: string, token?: string) => request(`${server.url}/api/v1/notifications/stream${token ? `?access_token=${token}` : ''}`, { localAddress: from });
    const guesser = freshLoopback();
    for (let i = 0; i < 40; i++) expect((await stream(guesser)).status).toBe(401); // no token: not a guess
    for (let i = 0; i < 30; i++) expect((await stream(guesser, wrong)).status).toBe(401);
    const blocked = await stream(guesser, accessToken);
    expect(blocked.status).toBe(429);
    expect(errorShapeProblem(blocked)).toBeUndefined();
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The Bearer header from the same address waits too; the right user elsewhere does not.
    expect((await request(`${server.url}/api/v1/me`, { localAddress: guesser, headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(429);
    expect((await request(`${server.url}/api/v1/me`, { localAddress: freshLoopback(), headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);
  });
});
