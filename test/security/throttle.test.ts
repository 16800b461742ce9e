// Brute-force throttling: failures slow down the one who fails, never the one who knows the password.
// SMTP failures count per (client address, token): ten on one pair lock that pair only; a token
// guessed from many addresses, or many tokens guessed from one address, only make failures wait.
// Another token's success resets nothing, a parallel burst gets no more guesses than a sequence, and
// the counts are shared by every process on PostgreSQL.
// Wrong Bearer tokens from one address get 429; a valid token from that address still works.
// Client addresses are distinct loopback addresses (127.0.0.0/8 is all ours on Linux).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { serverEnv, startServer, startWithEnv, type RunningServer } from '../helpers/server.js';
import { smtpLogin, type SmtpCredentials } from '../helpers/smtp-clients.js';
import { errorShapeProblem } from '../fuzz/support/error-shape.js';
import { SmtpConversation } from '../fuzz/support/smtp-conversation.js';
import { freshLoopback, request } from './client.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const login = (user: string, pass: string) => ['AUTH LOGIN', b64(user), b64(pass)];
const plain = (user: string, pass: string) => [`AUTH PLAIN ${b64(`\0${user}\0${pass}`)}`];
/** A username shaped like a token id that no token has. */
const unknownTokenId = () => Array.from({ length: 16 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[randomInt(36)]).join('');

/** One SMTP connection from `from`, the given AUTH exchange line by line; the last reply and how long the exchange took. */
async function timedAuth(port: number, from: string, lines: string[]): Promise<{ reply: string; ms: number }> {
  const c = await SmtpConversation.open(port, from);
  await c.waitForReplies(1);
  c.write('EHLO guess.test\r\n');
  await c.waitForReplies(2);
  const started = Date.now();
  let n = 2;
  for (const line of lines) {
    c.write(line + '\r\n');
    await c.waitForReplies(++n, 20_000);
    if (c.closed) break;
  }
  const ms = Date.now() - started;
  const reply = c.last();
  c.hangUp();
  return { reply, ms };
}

describe.each(BACKENDS)('login throttling on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let accessToken: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    accessToken = (await server.addUser('guarded@acme.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  const auth = async (from: string, lines: string[]) => (await timedAuth(server.smtpPort, from, lines)).reply;
  const token = async (name: string): Promise<SmtpCredentials> => (await smtpLogin(server, accessToken, name)).creds;

  it('counts failed AUTH LOGIN attempts per (address, token), like AUTH PLAIN', async () => {
    const creds = await token('login-throttle');
    const attacker = freshLoopback();
    for (let i = 0; i < 10; i++) expect(await auth(attacker, login(creds.user, `guess-${i}`))).toMatch(/^535/);
    expect(await auth(attacker, plain(creds.user, creds.pass))).toMatch(/^454 4\.7\.0 Too many failed logins/);
    expect(await auth(attacker, login(creds.user, creds.pass))).toMatch(/^454/);
    expect(await auth(freshLoopback(), login(creds.user, creds.pass))).toMatch(/^235/);
  });

  it('after 30 failures on token T from X: T works from Y, other tokens work from X, only the pair (X, T) waits', async () => {
    const target = await token('target');
    const colleague = await token('colleague');
    const [x, y] = [freshLoopback(), freshLoopback()];
    for (let i = 0; i < 30; i++) expect(await auth(x, plain(target.user, `guess-${i}`))).toMatch(i < 10 ? /^535/ : /^454/);
    expect(await auth(y, plain(target.user, target.pass))).toMatch(/^235/);
    // Behind a NAT, X may be shared: every token but the one being guessed still logs in from it.
    expect(await auth(x, plain(colleague.user, colleague.pass))).toMatch(/^235/);
    // The pair (X, T) is the one being guessed: from X, T waits even with its right password.
    expect(await auth(x, plain(target.user, target.pass))).toMatch(/^454/);
  });

  it("does not reset a pair's count when another token logs in from the same address", async () => {
    const target = await token('not-reset');
    const own = await token('attacker-own');
    const x = freshLoopback();
    for (let i = 0; i < 9; i++) expect(await auth(x, plain(target.user, `guess-${i}`))).toMatch(/^535/);
    expect(await auth(x, plain(own.user, own.pass))).toMatch(/^235/); // the attacker's own token
    expect(await auth(x, plain(target.user, 'guess-9'))).toMatch(/^535/);
    expect(await auth(x, plain(target.user, target.pass))).toMatch(/^454/); // ten failures on the pair
  });

  it('lets a burst of parallel guesses on one pair check ten passwords, and parallel right logins all through', async () => {
    const target = await token('burst');
    const x = freshLoopback();
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => auth(x, plain(target.user, `burst-${i}`))));
    expect(burst.filter((r) => r.startsWith('535'))).toHaveLength(10);
    expect(burst.filter((r) => r.startsWith('454'))).toHaveLength(20);
    // A client's pool of connections logging in at once is no guessing, however many there are.
    const pool = await token('pool');
    const y = freshLoopback();
    expect(await Promise.all(Array.from({ length: 20 }, () => auth(y, plain(pool.user, pool.pass))))).toEqual(Array(20).fill(expect.stringMatching(/^235/)));
  });

  it('a token guessed at from many addresses: failures slow down, the right password still logs in at once', async () => {
    const target = await token('botnet-target');
    for (let i = 0; i < 20; i++) expect(await auth(freshLoopback(), plain(target.user, `botnet-${i}`))).toMatch(/^535/);
    const slowed = await timedAuth(server.smtpPort, freshLoopback(), plain(target.user, 'botnet-20'));
    expect(slowed.reply).toMatch(/^535/);
    expect(slowed.ms).toBeGreaterThanOrEqual(1000);
    const right = await timedAuth(server.smtpPort, freshLoopback(), login(target.user, target.pass));
    expect(right.reply).toMatch(/^235/);
    expect(right.ms).toBeLessThan(1000);
  });

  it('many token ids guessed at from one address: failures slow down, a right password from it logs in', async () => {
    const creds = await token('shared-address');
    const z = freshLoopback();
    for (let i = 0; i < 10; i++) expect(await auth(z, plain(unknownTokenId(), 'x'))).toMatch(/^535/);
    const slowed = await timedAuth(server.smtpPort, z, plain(unknownTokenId(), 'x'));
    expect(slowed.reply).toMatch(/^535/);
    expect(slowed.ms).toBeGreaterThanOrEqual(1000);
    const right = await timedAuth(server.smtpPort, z, plain(creds.user, creds.pass));
    expect(right.reply).toMatch(/^235/);
    expect(right.ms).toBeLessThan(1000);
  });

  it('answers 429 to wrong access tokens from a guessing address, and 200 to a valid one from it; a missing token is no guess', async () => {
    const wrong = `mb_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    const stream = (from: string, t?: string) => request(`${server.url}/api/v1/notifications/stream${t ? `?access_token=${t}` : ''}`, { localAddress: from });
    const me = (from: string, t: string) => request(`${server.url}/api/v1/me`, { localAddress: from, headers: { authorization: `Bearer ${t}` } });
    const guesser = freshLoopback();
    for (let i = 0; i < 40; i++) expect((await stream(guesser)).status).toBe(401); // no token: not a guess
    for (let i = 0; i < 30; i++) expect((await stream(guesser, wrong)).status).toBe(401);
    for (const refused of [await stream(guesser, wrong), await me(guesser, wrong)]) {
      expect(refused.status).toBe(429);
      expect(errorShapeProblem(refused)).toBeUndefined();
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // The valid token works from the guessing address, as a header and in the query.
    expect((await me(guesser, accessToken)).status).toBe(200);
    expect((await stream(guesser, accessToken)).status).toBe(200);
    expect((await me(freshLoopback(), accessToken)).status).toBe(200);
  });
});

describe('login throttling across processes on PostgreSQL', () => {
  let tdb: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    a = await startServer(tdb);
    // The second process has a data folder of its own, as on another machine.
    b = await startWithEnv(await serverEnv(tdb, { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'mb-test-b-')) }));
  });
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    if (b) fs.rmSync(b.env.DATA_DIR, { recursive: true, force: true });
    await tdb?.drop();
  });

  it('counts failures on one process against the same pair on the other', async () => {
    const { accessToken } = await a.addUser('shared@acme.test');
    const { creds } = await smtpLogin(a, accessToken, 'across');
    const [x, y] = [freshLoopback(), freshLoopback()];
    for (let i = 0; i < 5; i++) expect((await timedAuth(a.smtpPort, x, plain(creds.user, `a-${i}`))).reply).toMatch(/^535/);
    for (let i = 0; i < 5; i++) expect((await timedAuth(b.smtpPort, x, plain(creds.user, `b-${i}`))).reply).toMatch(/^535/);
    expect((await timedAuth(a.smtpPort, x, plain(creds.user, creds.pass))).reply).toMatch(/^454/);
    expect((await timedAuth(b.smtpPort, x, plain(creds.user, creds.pass))).reply).toMatch(/^454/);
    expect((await timedAuth(b.smtpPort, y, plain(creds.user, creds.pass))).reply).toMatch(/^235/);
  });
});
