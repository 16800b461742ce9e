// Secrets never reach the logs (docs/product.md §8): one server session at LOG_LEVEL=trace does everything that
// handles a credential — the CLI issuing access tokens, SMTP token passwords created and reset, SMTP
// AUTH PLAIN and LOGIN (right, wrong, and with the fields swapped), Bearer and `?access_token=`
// (right and wrong, in every spelling a query can take), a relay with a password, tracking keys from
// the environment, single send and logging — and then no secret, nor a telling piece of one, appears
// in stdout or stderr.
import { once } from 'node:events';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/ports.js';
import { runCli, serverEnv, startWithEnv, type RunningServer } from '../helpers/server.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { connectSse } from '../helpers/sse.js';
import { maskUrl } from '../../src/server/logger.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const RELAY_PASSWORD = 'relay-Pa55word-9f8e7d6c5b4a';
const TRACKING_SECRET = 'trackingSecret-0123456789abcdefghijklmnop';

/** The forms in which a secret could leak: whole, its secret part, a telling prefix, and base64 as SMTP AUTH sends it. */
function forms(secret: string): string[] {
  const m = /^mb_[a-z0-9]{16}_([A-Za-z0-9_-]{43})$/.exec(secret);
  const core = m ? m[1] : secret;
  return [secret, core, core.slice(0, 16), b64(secret)];
}

const STREAM = '/api/v1/notifications/stream';

/**
 * Ways to write `access_token=<t>` in a request target: percent-encoding of any character of the name
 * (either case of hex digit), double encoding, mixed case, `+`, repeats, `;` separators, a `#` (the
 * router starts a query there too), an encoded value, absolute-form. Some the stream route accepts,
 * some it does not: none may reach the log.
 */
function spellings(t: string, origin: string): string[] {
  return [
    `${STREAM}?access%5Ftoken=${t}`,
    `${STREAM}?access%5ftoken=${t}`,
    `${STREAM}?%61%63%63%65%73%73%5F%74%6F%6B%65%6E=${t}`,
    `${STREAM}?ACCESS_TOKEN=${t}`,
    `${STREAM}?Access%5FToken=${t}`,
    `${STREAM}?access%255Ftoken=${t}`,
    `${STREAM}?access_token=${t}&access_token=${t}`,
    `${STREAM}?lastEventId=1;access_token=${t}`,
    `${STREAM}?access_token=${t};lastEventId=1`,
    `${STREAM}?+access_token=${t}`,
    `${STREAM}?access+token=${t}`,
    `${STREAM}?access_token[]=${t}`,
    `${STREAM}?access_token=${t.replace('_', '%5F')}`,
    `${STREAM}#access_token=${t}`,
    `${STREAM}?lastEventId=1#access_token=${t}`,
    `${origin}${STREAM}?access%5Ftoken=${t}`,
    `/api/v1/me?access%5Ftoken=${t}`,
    `/no/such/route?Access%5FToken=${t}`,
  ];
}

/** Sends `GET <target>` exactly as written (fetch would normalise it and drop a fragment); resolves
 * with the status once the head arrives and hangs up (an accepted stream never ends by itself). */
function rawGet(port: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    let head = '';
    socket.on('data', (d) => {
      head += d.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m && head.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`no answer to ${target}: ${head}`)));
  });
}

/** An SMTP relay that insists on a password, standing in for a smarthost in RELAY_URL. */
async function passwordRelay(): Promise<{ url: string; received: () => number; close: () => void }> {
  let received = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _s, cb) => (auth.username === 'relayuser' && auth.password === RELAY_PASSWORD ? cb(null, { user: 'relay' }) : cb(new Error('bad relay login'))),
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => {
        received++;
        cb();
      });
    },
  });
  const port = await freePort();
  server.listen(port, '127.0.0.1');
  await once(server.server, 'listening');
  return { url: `smtp://relayuser:${RELAY_PASSWORD}@127.0.0.1:${port}`, received: () => received, close: () => server.close() };
}

describe.each(BACKENDS)('no secret in the logs on %s', (backend) => {
  let tdb: TestDatabase;
  let relay: Awaited<ReturnType<typeof passwordRelay>>;
  let server: RunningServer;
  let stdout = '';
  let cliStderr = '';
  const secrets: string[] = [RELAY_PASSWORD, TRACKING_SECRET];

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    relay = await passwordRelay();
    const env = await serverEnv(tdb, { LOG_LEVEL: 'trace', RELAY_URL: relay.url, TRACKING_KEYS: `k1:${TRACKING_SECRET}` });
    server = await startWithEnv(env);
    server.process.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    relay?.close();
    await tdb?.drop();
  });

  /** `mailbeacon user …`: its one line of output holds the token; its stderr must not. */
  async function cli(args: string[]): Promise<string> {
    const r = await runCli(args, server.env);
    expect(r.code, r.stderr).toBe(0);
    cliStderr += r.stderr;
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const token = JSON.parse(lines[0]).accessToken as string;
    expect(token).toMatch(/^mb_/);
    secrets.push(token);
    return token;
  }

  async function smtpAuth(lines: string[]): Promise<string> {
    const s = await RawSmtp.connect(server.smtpPort);
    await s.reply();
    await s.send('EHLO secrets.test');
    let last = '';
    for (const l of lines) last = await s.send(l);
    s.close();
    return last;
  }

  it('runs a session that handles every kind of secret', async () => {
    const stale = await cli(['user', 'add', 'ann@secrets.test', '--account', 'secrets']);
    const token = await cli(['user', 'token', 'ann@secrets.test']);
    expect(token).not.toBe(stale);
    const api = (path: string, init: Parameters<RunningServer['api']>[1] = {}) => server.api(path, { token, ...init });

    // SMTP token passwords: created, then reset.
    const created = await (await api('/marketing/v3/transactional/smtp-tokens', { method: 'POST', json: { campaignName: 'secrets', createContact: false } })).json();
    const reset = await (await api(`/marketing/v3/transactional/smtp-tokens/${created.id}/password-reset`, { method: 'POST' })).json();
    secrets.push(created.password, reset.password);
    const guess = 'Wr0ngGuess-' + reset.password.slice(0, 8).split('').reverse().join('') + '-zzzz';
    secrets.push(guess);

    // SMTP AUTH, right and wrong, PLAIN and LOGIN, and a client that swapped username and password.
    expect(await smtpAuth([`AUTH PLAIN ${b64(`\0${created.id}\0${reset.password}`)}`])).toMatch(/^235/);
    expect(await smtpAuth([`AUTH PLAIN ${b64(`\0${created.id}\0${created.password}`)}`])).toMatch(/^535/);
    expect(await smtpAuth(['AUTH LOGIN', b64(created.id), b64(reset.password)])).toMatch(/^235/);
    expect(await smtpAuth(['AUTH LOGIN', b64(created.id), b64(guess)])).toMatch(/^535/);
    expect(await smtpAuth(['AUTH LOGIN', b64(reset.password), b64(created.id)])).toMatch(/^535/);
    expect(await smtpAuth([`AUTH PLAIN ${b64(`\0${guess}\0${guess}`)}`])).toMatch(/^535/);

    // A message through the relay that needs its password.
    const sent = await smtpAuth([
      `AUTH PLAIN ${b64(`\0${created.id}\0${reset.password}`)}`,
      'MAIL FROM:<ann@secrets.test>',
      'RCPT TO:<bob@example.test>',
      'DATA',
      'Subject: secrets\r\nContent-Type: text/html\r\n\r\n<a href="https://acme.test/">x</a>\r\n.',
    ]);
    expect(sent).toMatch(/^250 .*Queued as/);

    // Bearer and ?access_token=, right and wrong (well-formed, so they reach the token lookup).
    const wrong = `mb_${'a'.repeat(16)}_${'Q'.repeat(20)}${token.slice(-23)}`;
    secrets.push(wrong);
    expect((await api('/api/v1/me')).status).toBe(200);
    expect((await server.api('/api/v1/me', { token: wrong })).status).toBe(401);
    expect((await server.api('/api/v1/me', { token: stale })).status).toBe(401);
    const stream = await connectSse(`${server.url}/api/v1/notifications/stream?access_token=${encodeURIComponent(token)}`);
    stream.close();
    expect((await fetch(`${server.url}/api/v1/notifications/stream?access_token=${wrong}`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/me?token=${token}&password=${reset.password}`)).status).toBe(401);
    // Every other spelling of the query parameter, with the right token and a wrong one. The one the
    // router decodes into `access_token` is a working credential: the stream opens.
    const port = Number(server.env.PORT);
    expect(await rawGet(port, `${STREAM}?access%5Ftoken=${token}`)).toBe(200);
    for (const target of [...spellings(token, server.url), ...spellings(wrong, server.url)]) await rawGet(port, target);

    // Single send and logging, authenticated with the token.
    const tpl = await (await api('/api/v1/emails', { method: 'POST', json: { name: 's', subject: 's', html: '<p>s</p>', subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' } })).json();
    expect((await api(`/api/v1/emails/${tpl.id}/publish`, { method: 'POST' })).status).toBe(200);
    expect((await api('/marketing/v3/transactional/single-email/send', { method: 'POST', json: { emailId: tpl.id, message: { to: 'carol@example.test' } } })).status).toBe(200);
    const form = new FormData();
    form.append('email', JSON.stringify({ subject: 'logged', html: '', text: '', from: 'ann@secrets.test', to: ['dan@example.test'], cc: [], bcc: [], sentAt: new Date().toISOString(), internetMessageId: '<s@secrets.test>' }));
    form.append('a', new Blob(['x']), 'a.txt');
    expect((await api('/api/v1/logged-emails', { method: 'POST', body: form })).status).toBe(201);

    // Both relayed messages went through the relay's login.
    const deadline = Date.now() + 15_000;
    while (relay.received() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(relay.received()).toBe(2);
  }, 60_000);

  it('wrote none of them, nor a telling piece of one, to stdout or stderr (the CLI included)', async () => {
    await server.stop('SIGTERM'); // flushes the asynchronous log destination
    const logs = stdout + JSON.stringify(server.logs()) + server.stderr() + cliStderr;
    expect(server.logs().some((l) => l.level === 'debug' || l.level === 'trace')).toBe(true); // the low levels really logged
    expect(logs).toMatch(/SMTP login failed/);
    const leaked = secrets.flatMap(forms).filter((f) => logs.includes(f));
    const lines = (stdout + server.stderr() + cliStderr).split('\n').filter((l) => leaked.some((f) => l.includes(f)));
    expect(leaked, lines.join('\n').slice(0, 3000)).toEqual([]);
  });
});

describe('maskUrl', () => {
  const t = `mb_${'a'.repeat(16)}_${'S'.repeat(43)}`;
  it('masks the access token in every spelling of its parameter', () => {
    for (const target of spellings(t, 'http://127.0.0.1:3000')) expect(maskUrl(target), target).not.toContain('S'.repeat(16));
  });
  it('keeps what is not a credential', () => {
    expect(maskUrl('/api/v1/emails?state=DRAFT&limit=5')).toBe('/api/v1/emails?state=DRAFT&limit=5');
    expect(maskUrl(`${STREAM}?lastEventId=7&access_token=${t}`)).toBe(`${STREAM}?lastEventId=7&access_token=***`);
  });
});

describe('no secret in a configuration error', () => {
  it('does not echo a TRACKING_KEYS entry that is a bare secret, nor RELAY_URL’s password', async () => {
    const tdb = await createTestDatabase('sqlite');
    try {
      const bare = await runCli(['migrate'], { ...tdb.env, TRACKING_KEYS: TRACKING_SECRET });
      expect(bare.code).not.toBe(0);
      expect(bare.stderr).toMatch(/TRACKING_KEYS/);
      expect(bare.stderr + bare.stdout).not.toContain(TRACKING_SECRET.slice(0, 16));
      const relayUrl = await runCli(['migrate'], { ...tdb.env, RELAY_URL: `smtp://user:${RELAY_PASSWORD}@` });
      expect(relayUrl.stderr).toMatch(/RELAY_URL/);
      expect(relayUrl.stderr + relayUrl.stdout).not.toContain(RELAY_PASSWORD);
    } finally {
      await tdb.drop();
    }
  });
});
