// SMTP fuzzing (docs/product.md §4, §8): fast-check generated sessions against the real server on raw sockets —
// random commands and arguments, pipelined batches, lines past 1000 bytes, NUL and 8-bit bytes,
// garbage AUTH, hang-ups mid-command and mid-DATA. Every byte the server sends must be a well-formed
// reply; the server stays up; and a message is queued exactly when a logged-in session got
// `250 … Queued as <id>` after DATA (checked against the messages and deliveries tables).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { smtpLogin } from '../helpers/smtp-clients.js';
import { freshLoopback } from '../security/client.js';
import { SmtpConversation, transcriptProblems } from './support/smtp-conversation.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25) * 2;
const MAX_BYTES = 64 * 1024;

type Step =
  | { kind: 'line'; text: string }
  | { kind: 'batch'; lines: string[] }
  | { kind: 'raw'; bytes: string }
  | { kind: 'login'; method: 'PLAIN' | 'LOGIN' }
  | { kind: 'envelope'; from: string; to: string[] }
  | { kind: 'data'; body: string }
  | { kind: 'transaction'; to: string[]; body: string }
  | { kind: 'cut'; partial: string }
  | { kind: 'cutData'; partial: string };

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

/** A line's bytes: anything but LF (which would make it two lines). */
const lineBytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a.filter((b) => b !== 0x0a)).toString('latin1'));

const address = fc.oneof(
  fc.constantFrom('ann@example.test', 'bob@acme.test', 'x@y.test'),
  fc.emailAddress(),
  fc.constantFrom('', 'no-at-sign', '@x.test', 'a@', 'a@b', '"quoted local"@x.test', 'a@[127.0.0.1]', 'ünï@cödé.test', 'a@b.test> SIZE=1', 'postmaster'),
  lineBytes(40),
);

const VERBS = ['HELO', 'EHLO', 'LHLO', 'MAIL FROM:', 'RCPT TO:', 'RSET', 'NOOP', 'VRFY', 'EXPN', 'HELP', 'XCLIENT', 'XFORWARD', 'AUTH', 'ETRN', 'TURN', 'mail from:', 'Rcpt To:'];
const arg = fc.oneof(
  address.map((a) => `<${a}>`),
  address,
  fc.constantFrom('SIZE=999999999', 'BODY=8BITMIME', 'SMTPUTF8', 'BODY=BINARYMIME', 'RET=HDRS ENVID=x', 'NOTIFY=NEVER,SUCCESS', 'AUTH=<>', 'client.test', '[127.0.0.1]', 'PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'),
  lineBytes(30),
);
const command = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...VERBS), fc.array(arg, { maxLength: 3 })).map(([v, a]) => [v, ...a].join(v.endsWith(':') ? '' : ' ')) },
  { weight: 2, arbitrary: lineBytes(60) },
  { weight: 1, arbitrary: fc.integer({ min: 990, max: 20_000 }).map((n) => 'NOOP ' + 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'GET / HTTP/1.1', 'QUIT extra', 'DATAX', 'MAIL', 'RCPT', 'AUTH PLAIN', 'AUTH LOGIN', 'AUTH PLAIN =', 'AUTH PLAIN AAAA', 'AUTH LOGIN ' + b64('nobody')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('AUTH PLAIN ', 'AUTH LOGIN ', 'AUTH XOAUTH2 '), fc.oneof(fc.base64String({ maxLength: 80 }), lineBytes(40), fc.uint8Array({ maxLength: 60 }).map((u) => Buffer.from(u).toString('base64')))).map(([a, b]) => a + b) },
);

/** A message body: real headers or none, 8-bit and NUL bytes, encoded words that decode to control characters. */
const headerValue = fc.oneof(
  lineBytes(80).map((s) => s.replace(/\r/g, '')),
  fc.constantFrom('=?utf-8?Q?a=00b?=', '=?utf-8?B?AAEC?=', '=?x-unknown?Q?z?=', '=?utf-8?Q?unterminated', 'with\u0000nul', '<id\u0000@x.test>', 'a'.repeat(2000)),
);
const messageBody = fc.oneof(
  { weight: 4, arbitrary: fc.record({ subject: headerValue, id: fc.option(headerValue), body: fc.oneof(lineBytes(400), fc.constantFrom('<html><body><a href="https://acme.test/x">x</a></body></html>', '--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--')) }).map((m) => `From: sender@acme.test\r\nTo: ann@example.test\r\nSubject: ${m.subject}\r\n${m.id !== null ? `Message-ID: ${m.id}\r\n` : ''}Content-Type: text/html; charset=utf-8\r\n\r\n${m.body}`) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_BYTES, max: MAX_BYTES * 2 }).map((n) => `Subject: big\r\n\r\n${('y'.repeat(76) + '\r\n').repeat(Math.ceil(n / 78))}`) },
);

/** Dot-stuffing: a line starting with "." gets another, so no line ends the data early. */
const stuffed = (body: string) => body.replace(/(^|\n)\./g, '$1..');

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: command.map((text) => ({ kind: 'line' as const, text })) },
  { weight: 2, arbitrary: fc.array(command, { minLength: 2, maxLength: 8 }).map((lines) => ({ kind: 'batch' as const, lines })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => ({ kind: 'raw' as const, bytes: Buffer.from(a).toString('latin1') + '\r\n' })) },
  { weight: 2, arbitrary: fc.constantFrom<Step>({ kind: 'login', method: 'PLAIN' }, { kind: 'login', method: 'LOGIN' }) },
  { weight: 3, arbitrary: fc.record({ from: fc.constantFrom('sender@acme.test', 'ops@acme.test'), to: fc.array(fc.constantFrom('ann@example.test', 'bob@example.test', 'carol@example.test'), { minLength: 1, maxLength: 3 }) }).map((e) => ({ kind: 'envelope' as const, ...e })) },
  { weight: 3, arbitrary: messageBody.map((body) => ({ kind: 'data' as const, body })) },
  { weight: 3, arbitrary: fc.record({ to: fc.array(fc.emailAddress(), { minLength: 1, maxLength: 3 }), body: messageBody }).map((t) => ({ kind: 'transaction' as const, ...t })) },
  { weight: 1, arbitrary: lineBytes(100).map((partial) => ({ kind: 'cut' as const, partial })) },
  { weight: 1, arbitrary: lineBytes(300).map((partial) => ({ kind: 'cutData' as const, partial })) },
);

const session = fc.tuple(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 10 }), fc.constantFrom('EHLO fuzz.test', 'HELO fuzz.test', ''));

interface Outcome {
  conversation: SmtpConversation;
  /** Steps whose replies never came (a hang). */
  hangs: string[];
  steps: Step[];
}

describe.each(BACKENDS)('SMTP fuzzing on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;
  let database: Database;
  let creds: { user: string; pass: string };

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, SMTP_MAX_BYTES: String(MAX_BYTES) });
    const { accessToken } = await server.addUser('fuzz@acme.test');
    creds = (await smtpLogin(server, accessToken, 'SMTP fuzz')).creds;
    database = await tdb.open();
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  /** Writes, then waits for one reply per line written (or `replies`); notes a hang when they do not come. */
  async function exchange(c: SmtpConversation, out: Outcome, bytes: string, what: string, replies = bytes.match(/\n/g)?.length ?? 0) {
    const want = c.replies().length + replies;
    c.write(bytes);
    if (!(await c.waitForReplies(want))) out.hangs.push(what);
  }

  async function login(c: SmtpConversation, out: Outcome, method: 'PLAIN' | 'LOGIN') {
    if (method === 'PLAIN') return exchange(c, out, `AUTH PLAIN ${b64(`\0${creds.user}\0${creds.pass}`)}\r\n`, 'AUTH PLAIN');
    await exchange(c, out, 'AUTH LOGIN\r\n', 'AUTH LOGIN');
    if (!c.last().startsWith('334')) return;
    await exchange(c, out, b64(creds.user) + '\r\n', 'AUTH LOGIN user');
    if (c.last().startsWith('334')) await exchange(c, out, b64(creds.pass) + '\r\n', 'AUTH LOGIN password');
  }

  async function run(c: SmtpConversation, out: Outcome, s: Step): Promise<'go' | 'stop'> {
    switch (s.kind) {
      case 'line':
        await exchange(c, out, s.text + '\r\n', `line ${JSON.stringify(s.text.slice(0, 60))}`);
        return 'go';
      case 'batch':
        await exchange(c, out, s.lines.map((l) => l + '\r\n').join(''), `batch of ${s.lines.length}`);
        return 'go';
      case 'raw':
        await exchange(c, out, s.bytes, 'raw bytes');
        return 'go';
      case 'login':
        await login(c, out, s.method);
        return 'go';
      case 'envelope':
        await exchange(c, out, [`MAIL FROM:<${s.from}>`, ...s.to.map((t) => `RCPT TO:<${t}>`)].map((l) => l + '\r\n').join(''), 'envelope');
        return 'go';
      case 'data':
        await exchange(c, out, 'DATA\r\n', 'DATA');
        if (c.last().startsWith('354')) await exchange(c, out, stuffed(s.body) + '\r\n.\r\n', 'message', 1);
        return 'go';
      case 'transaction':
        await run(c, out, { kind: 'envelope', from: 'sender@acme.test', to: s.to });
        return run(c, out, { kind: 'data', body: s.body });
      case 'cut':
        c.write(s.partial);
        c.hangUp();
        return 'stop';
      case 'cutData':
        await exchange(c, out, 'DATA\r\n', 'DATA');
        if (c.last().startsWith('354')) c.write(stuffed(s.partial));
        c.hangUp();
        return 'stop';
    }
  }

  async function converse(loginFirst: boolean, steps: Step[], greeting: string): Promise<Outcome> {
    const c = await SmtpConversation.open(server.smtpPort, freshLoopback());
    const out: Outcome = { conversation: c, hangs: [], steps };
    if (!(await c.waitForReplies(1))) out.hangs.push('greeting');
    if (greeting) await exchange(c, out, greeting + '\r\n', greeting);
    if (loginFirst) await login(c, out, 'PLAIN');
    for (const s of steps) {
      if (c.closed) break;
      if ((await run(c, out, s)) === 'stop') break;
    }
    if (!c.closed) await exchange(c, out, 'QUIT\r\n', 'QUIT');
    await c.end();
    return out;
  }

  async function messageIds(): Promise<Set<string>> {
    return new Set((await database.db.selectFrom('messages').select('id').execute()).map((r) => r.id));
  }
  async function deliveryCount(): Promise<number> {
    return Number((await database.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  }

  it('answers every session with well-formed replies, stays up, and queues exactly what it said it queued', async () => {
    let queuedTotal = 0;
    await fc.assert(
      fc.asyncProperty(session, async ([loginFirst, steps, greeting]) => {
        const [idsBefore, deliveriesBefore] = [await messageIds(), await deliveryCount()];
        const out = await converse(loginFirst, steps, greeting);
        const c = out.conversation;
        const transcript = c.transcript;
        const why = `steps ${JSON.stringify(steps).slice(0, 1500)}\ntranscript:\n${transcript.slice(0, 3000)}`;
        expect(transcriptProblems(c), why).toEqual([]);
        expect(out.hangs, why).toEqual([]);
        expect(c.replies()[0] ?? '', why).toMatch(/^220 /);
        expect(transcript, why).not.toMatch(/Temporary failure on our side|Temporary authentication failure/);

        const queued = [...transcript.matchAll(/^250 [^\r\n]*Queued as (\S+)\r$/gm)].map((m) => m[1]);
        const fresh = [...(await messageIds())].filter((id) => !idsBefore.has(id));
        expect(fresh.sort(), why).toEqual([...queued].sort());
        if (queued.length) expect(transcript.slice(0, transcript.indexOf('Queued as')), why).toMatch(/^235 /m);
        else expect(await deliveryCount(), why).toBe(deliveriesBefore);
        queuedTotal += queued.length;
      }),
      { numRuns: RUNS },
    );
    // The generator reaches the end of DATA often enough for the queue check to mean something.
    expect(queuedTotal).toBeGreaterThan(0);
  }, 180_000);

  it('regression: queues a message whose Subject decodes to U+0000 or whose Message-ID holds a NUL byte (it was a 451 forever on PostgreSQL)', async () => {
    for (const body of ['Subject: =?utf-8?Q?a=00b?=\r\n\r\nhello', 'Subject: x\r\nMessage-ID: <id\u0000@x.test>\r\n\r\nhello']) {
      const before = await messageIds();
      const out = await converse(true, [{ kind: 'envelope', from: 'sender@acme.test', to: ['ann@example.test'] }, { kind: 'data', body }], 'EHLO fuzz.test');
      const id = /^250 [^\r\n]*Queued as (\S+)\r$/m.exec(out.conversation.transcript)?.[1];
      expect(id, out.conversation.transcript).toBeDefined();
      expect([...(await messageIds())].filter((m) => !before.has(m))).toEqual([id]);
    }
  });

  it('is up after the fuzzing, answers a clean session, and logged no error', async () => {
    expect(server.process.exitCode).toBeNull();
    expect((await fetch(server.url + '/health')).status).toBe(200);
    const out = await converse(true, [{ kind: 'envelope', from: 'sender@acme.test', to: ['ann@example.test'] }, { kind: 'data', body: 'Subject: after\r\n\r\nstill here' }], 'EHLO fuzz.test');
    expect(out.conversation.transcript).toMatch(/^250 [^\r\n]*Queued as/m);
    expect(server.logs().filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => JSON.stringify(l).slice(0, 500))).toEqual([]);
  });
});
