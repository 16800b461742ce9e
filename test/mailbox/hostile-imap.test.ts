// A hostile IMAP server (docs/product.md, Connected mailbox: nothing a server sends can crash
// Mailbeacon): a fake server over TLS that logs the user in, then answers with fast-check generated
// garbage, a literal announced far past any limit, a disconnect in the middle of a FETCH, nonsense
// UIDVALIDITY and SEARCH results, and 8-bit and NUL bytes. The process stays up and healthy, the
// mailbox shows ERROR with a reason, and a well-behaved answer afterwards is logged normally.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxView } from '../../src/shared/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { ordinary, startFakeImap, type Command, type FakeImap } from '../helpers/fake-imap.js';
import { rawMessage } from '../helpers/dovecot.js';
import { until } from '../helpers/until.js';

type Mode = 'garbage' | 'huge-literal' | 'cut-mid-fetch' | 'bad-select' | 'bad-search' | 'binary' | 'honest' | 'lying-larger' | 'many';

const GOOD = rawMessage({ from: 'ann@mycorp.test', to: ['bob@acme.test'], subject: 'Survived', messageId: '<survived@mycorp.test>' });
/** What the server that answers every SEARCH LARGER with "all of them" holds (for the user liar@…). */
const SMALL_ONE = rawMessage({ from: 'liar@mycorp.test', to: ['bob@acme.test'], subject: 'Not that big', messageId: '<not-that-big@mycorp.test>' });

/** UIDs the server answers for the user many@… (sizes and bodies only for UID 1): three chunks of 1,000. */
const MANY = 2500;
/** SEARCH LARGER commands the server for many@… has refused. */
const largerAsked = { count: 0 };

const garbage = fc.sample(
  fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.constantFrom('* 1 FETCH (UID', '* 1 FETCH (UID 1 BODY[] {5}\r\nab', ')))))\r\n', '* BYE\r\n', '* 1 FETCH (UID 99999999999999999999 RFC822.SIZE -5)\r\n', '* OK [UIDVALIDITY abc]\r\n', '{18446744073709551615}\r\n'),
  ),
  { seed: 15, numRuns: 6 },
);

const CAPABILITIES = 'IMAP4rev1 IDLE UIDPLUS';

/** Answers one connection by `mode` (a login as liar@… makes it lying-larger); commands it does not know get a plain OK. */
function serve(given: Mode, fuzz: string) {
  let mode = given;
  let good = GOOD;
  return (c: Command) => {
    const { tag, cmd, sub, line, write: w } = c;
    if (cmd === 'LOGIN' && /many@/.test(line)) mode = 'many';
    else if (cmd === 'LOGIN' && /liar@/.test(line)) {
      mode = 'lying-larger';
      good = SMALL_ONE;
    }
    if (cmd === 'SELECT' || cmd === 'EXAMINE') {
      if (mode === 'bad-select') w(`* ${fuzz.replace(/\r?\n/g, ' ')} EXISTS\r\n* OK [UIDVALIDITY ${fuzz.length ? '-1' : 'x'}]\r\n${tag} OK [READ-ONLY] done\r\n`);
      else if (mode === 'garbage') {
        w(fuzz + '\r\n');
        w(`${tag} OK [READ-ONLY] done\r\n`);
      } else w(`* 1 EXISTS\r\n* OK [UIDVALIDITY 7]\r\n* OK [UIDNEXT 2]\r\n${tag} OK [READ-ONLY] done\r\n`);
    } else if (cmd === 'UID' && sub === 'SEARCH' && / LARGER (\d+)/i.test(line)) {
      // The honest server is an old one without SEARCH LARGER: the sizes then come from FETCH.
      if (mode === 'many') largerAsked.count++;
      if (mode === 'honest' || mode === 'many') w(`${tag} BAD unknown search key\r\n`);
      else if (mode === 'lying-larger') w(`* SEARCH 1\r\n${tag} OK done\r\n`);
      else w(`* SEARCH${Buffer.byteLength(good) > Number(/ LARGER (\d+)/i.exec(line)![1]) ? ' 1' : ''}\r\n${tag} OK done\r\n`);
    } else if (cmd === 'UID' && sub === 'SEARCH') {
      if (mode === 'bad-search') w(`* SEARCH 1 ${fuzz.replace(/\r?\n/g, ' ')} -3 0 4294967296\r\n${tag} OK done\r\n`);
      else if (mode === 'many') w(`* SEARCH ${Array.from({ length: MANY }, (_, i) => i + 1).join(' ')}\r\n${tag} OK done\r\n`);
      else w(`* SEARCH 1\r\n${tag} OK done\r\n`);
    } else if (cmd === 'UID' && sub === 'FETCH') {
      const wantsBody = /BODY|RFC822\b|BINARY/i.test(line) && !/RFC822\.SIZE\)$/i.test(line.replace(/ UID\)/, ')'));
      if (mode === 'huge-literal') w(`* 1 FETCH (UID 1 RFC822.SIZE 10 BODY[] {99999999999}\r\n`);
      else if (mode === 'cut-mid-fetch') {
        w(`* 1 FETCH (UID 1 RFC822.SIZE 400 BODY[] {400}\r\nFrom: ann@mycorp.test\r\nSubj`);
        c.socket.destroy();
      } else if (mode === 'binary') w(`* 1 FETCH (UID 1 RFC822.SIZE 20 BODY[] {20}\r\n\u0000\u0000\u00ff\u00fe${'\u0000'.repeat(16)})\r\n${tag} OK done\r\n`);
      else if (mode === 'garbage') w(`${fuzz}\r\n${tag} OK done\r\n`);
      else if (wantsBody) w(`* 1 FETCH (UID 1 BODY[] {${Buffer.byteLength(good)}}\r\n${good})\r\n${tag} OK done\r\n`);
      else w(`* 1 FETCH (UID 1 RFC822.SIZE ${Buffer.byteLength(good)})\r\n${tag} OK done\r\n`);
    } else ordinary(c, CAPABILITIES);
  };
}

describe('A hostile IMAP server', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let fake: FakeImap;
  let token: string;
  const modes: Array<{ mode: Mode; fuzz: string }> = [];

  beforeAll(async () => {
    fake = await startFakeImap(() => {
      const next = modes.shift() ?? { mode: 'honest' as Mode, fuzz: '' };
      return serve(next.mode, next.fuzz);
    }, CAPABILITIES);
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { MAILBOX_TLS_CA: fake.certFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_POLL: '200ms', MAILBOX_RETRY_BASE: '50ms', MAILBOX_RETRY_MAX: '100ms', MAILBOX_LEASE: '2s', MAILBOX_TIMEOUT: '600ms' });
    token = (await server.addUser('ann@mycorp.test')).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await fake?.close();
    await tdb?.drop();
  });

  it('never crashes the process, shows ERROR with a reason, and logs once the server behaves', async () => {
    const fixed: Mode[] = ['huge-literal', 'cut-mid-fetch', 'bad-select', 'bad-search', 'binary'];
    // PUT's own login check takes the first connection (honest).
    modes.push({ mode: 'honest', fuzz: '' });
    for (const m of fixed) modes.push({ mode: m, fuzz: garbage[0] });
    for (const g of garbage) modes.push({ mode: 'garbage', fuzz: g }, { mode: g.length % 2 ? 'bad-select' : 'bad-search', fuzz: g });
    const total = modes.length;
    const { port } = fake;
    const r = await server.api('/api/v1/mailbox', { method: 'PUT', token, json: { host: '127.0.0.1', port, security: 'tls', username: 'ann@mycorp.test', password: 'x' } });
    expect(r.status).toBe(200);
    const errors = new Set<string>();
    const deadline = Date.now() + 30_000;
    while (fake.connections < total + 1 && Date.now() < deadline) {
      const m = (await (await server.api('/api/v1/mailbox', { token })).json()) as MailboxView;
      if (m.status === 'ERROR' && m.lastError) errors.add(m.lastError);
      await new Promise((res) => setTimeout(res, 30));
    }
    if (process.env.MB_DEBUG) console.log(fake.connections, total, [...errors], JSON.stringify(server.logs().filter((l) => l.component === 'mailbox').slice(-30)));
    expect(fake.connections).toBeGreaterThan(total);
    expect(server.process.exitCode).toBeNull();
    expect((await server.api('/health')).status).toBe(200);
    expect(errors.size).toBeGreaterThan(0);
    // Then an honest server: the message is logged, once.
    const deadline2 = Date.now() + 15_000;
    let found = false;
    while (!found && Date.now() < deadline2) {
      const page = (await (await server.api('/api/v1/logged-emails?internetMessageId=%3Csurvived%40mycorp.test%3E', { token })).json()) as { results: unknown[] };
      found = page.results.length === 1;
      if (!found) await new Promise((res) => setTimeout(res, 100));
    }
    expect(found).toBe(true);
    expect(server.logs().some((l) => /uncaught|unhandled/i.test(String(l.msg)))).toBe(false);
  }, 90_000);

  it('asks a server that refused SEARCH LARGER once, not again for each further 1,000 UIDs', async () => {
    const many = (await server.addUser('many@mycorp.test')).accessToken;
    const { port } = fake;
    const r = await server.api('/api/v1/mailbox', { method: 'PUT', token: many, json: { host: '127.0.0.1', port, security: 'tls', username: 'many@mycorp.test', password: 'x' } });
    expect(r.status).toBe(200);
    // A pass over Sent and the inbox has ended: the catch-up of the 2,500 UIDs is planned and done.
    await until(async () => ((await (await server.api('/api/v1/mailbox', { token: many })).json()) as MailboxView).lastSyncAt, 20_000, 'a finished sync pass');
    expect(largerAsked.count).toBe(1);
  }, 30_000);

  it('skips a message as too large only on its own RFC822.SIZE, not because SEARCH LARGER said so', async () => {
    const liar = (await server.addUser('liar@mycorp.test')).accessToken;
    const { port } = fake;
    const r = await server.api('/api/v1/mailbox', { method: 'PUT', token: liar, json: { host: '127.0.0.1', port, security: 'tls', username: 'liar@mycorp.test', password: 'x' } });
    expect(r.status).toBe(200);
    const deadline = Date.now() + 15_000;
    let results: unknown[] = [];
    while (!results.length && Date.now() < deadline) {
      results = ((await (await server.api('/api/v1/logged-emails?internetMessageId=%3Cnot-that-big%40mycorp.test%3E', { token: liar })).json()) as { results: unknown[] }).results;
      if (!results.length) await new Promise((res) => setTimeout(res, 100));
    }
    expect(results).toHaveLength(1);
    expect(server.logs().some((l) => /too large to log/.test(String(l.msg)))).toBe(false);
  }, 30_000);
});
