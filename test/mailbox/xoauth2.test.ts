// Connecting a mailbox with an OAuth access token (XOAUTH2, as Microsoft 365 and Gmail ask for)
// against a real Dovecot whose oauth2 passdb checks each token with an HTTP endpoint this test runs:
// the stand-in for Microsoft's or Google's servers, the only part that is not real. A valid token
// syncs Sent; a refused one is 422 MAILBOX_LOGIN_FAILED in the server's words; a token refused later
// puts the mailbox in ERROR with "paste a new one" and no retries; no token ever shows in answers,
// logs or the database (docs/product.md §11).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import type { MailboxView, Page } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { rawMessage, startDovecot, type Dovecot } from '../helpers/dovecot.js';

const ANN = 'ann@mycorp.test';
const GOOD = 'ya29.good-token-for-ann-5f2c9e';
const LATER = 'ya29.second-token-for-ann-77d1a0';
const WRONG = 'ya29.nobody-issued-this-one-0b3e';

async function until<T>(probe: () => Promise<T | undefined | null | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The provider's side, like Google's tokeninfo: the token's user as JSON, or 401 with an RFC 6750 §3
 * error for a token it does not know.
 */
async function startTokenEndpoint() {
  const valid = new Map<string, string>();
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('access_token') ?? '';
    seen.push(token);
    const email = valid.get(token);
    res.writeHead(email ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(email ? { email } : { error: 'invalid_token', error_description: 'The access token expired' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/v3/tokeninfo?access_token=`, valid, seen, close: () => new Promise((r) => server.close(r)) };
}

describe.each(BACKENDS)('XOAUTH2 against a real Dovecot on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let dovecot: Dovecot;
  let database: Database;
  let endpoint: Awaited<ReturnType<typeof startTokenEndpoint>>;
  let token: string;

  beforeAll(async () => {
    endpoint = await startTokenEndpoint();
    endpoint.valid.set(GOOD, ANN);
    dovecot = await startDovecot({ oauth2: { tokeninfoUrl: endpoint.url } });
    dovecot.addUser(ANN, 'an-app-password');
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb, { MAILBOX_TLS_CA: dovecot.caFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_POLL: '300ms', MAILBOX_RETRY_BASE: '200ms', MAILBOX_RETRY_MAX: '1s', MAILBOX_LEASE: '3s' });
    token = (await server.addUser(ANN, { name: 'Ann Lee' })).accessToken;
    database = await tdb.open();
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await dovecot?.stop();
    await endpoint?.close();
    await tdb?.drop();
  });

  const put = (accessToken: string) => server.api('/api/v1/mailbox', { method: 'PUT', token, json: { host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', username: ANN, accessToken } });
  const mailbox = async () => (await (await server.api('/api/v1/mailbox', { token })).json()) as MailboxView;
  const logged = async (imid: string) =>
    ((await (await server.api(`/api/v1/logged-emails?internetMessageId=${encodeURIComponent(imid)}`, { token })).json()) as Page<{ contacts: Array<{ email: string }> }>).results[0];
  const noSecretAnywhere = async () => {
    const row = await database.db.selectFrom('mailboxes').selectAll().executeTakeFirst();
    for (const secret of [GOOD, LATER, WRONG]) {
      expect(JSON.stringify(server.logs())).not.toContain(secret);
      expect(server.stderr()).not.toContain(secret);
      expect(JSON.stringify(row ?? {})).not.toContain(secret);
    }
  };

  it('refuses an access token the provider does not know: 422 MAILBOX_LOGIN_FAILED in the server’s words, nothing stored', async () => {
    const before = endpoint.seen.length;
    const r = await put(WRONG);
    expect(r.status).toBe(422);
    const body = (await r.json()) as { category: string; message: string };
    expect(body.category).toBe('MAILBOX_LOGIN_FAILED');
    expect(body.message).toMatch(/AUTHENTICATIONFAILED|Authentication failed/);
    expect(body.message).toMatch(/OAuth status \w+/); // Dovecot's SASL error payload
    expect(body.message).toMatch(/access token/);
    expect(body.message).not.toContain(WRONG);
    // Dovecot really asked the provider about this very token.
    expect(endpoint.seen.slice(before)).toContain(WRONG);
    expect((await server.api('/api/v1/mailbox', { token })).status).toBe(404);
    await noSecretAnywhere();
  });

  it('connects with a valid access token and logs what reaches Sent; the token is never answered', async () => {
    const r = await put(GOOD);
    expect(r.status).toBe(200);
    expect(JSON.stringify(await r.json())).not.toContain(GOOD);
    expect(endpoint.seen).toContain(GOOD);
    await until(async () => (await mailbox()).status === 'CONNECTED', 10_000, 'CONNECTED');
    const imid = `<oauth-sent-${backend}@mycorp.test>`;
    await dovecot.append(ANN, 'Sent', rawMessage({ from: `Ann Lee <${ANN}>`, to: ['bob@acme.test'], subject: 'Sent from a phone', messageId: imid }));
    const found = await until(() => logged(imid), 10_000, 'the sent message logged');
    expect(found.contacts.map((c) => c.email)).toEqual(['bob@acme.test']);
    expect(JSON.stringify(await mailbox())).not.toContain(GOOD);
    await noSecretAnywhere();
  });

  it('a token refused later: ERROR saying to paste a new one, no retries; a new token resumes the sync', async () => {
    endpoint.valid.delete(GOOD); // it expired
    await dovecot.stop(); // drops the live session: the next login presents the expired token
    await dovecot.start();
    // (The dropped connection shows first; the refused login once it reconnects.)
    const m = await until(async () => {
      const v = await mailbox();
      return v.status === 'ERROR' && /access token was refused/.test(v.lastError ?? '') && v;
    }, 15_000, 'ERROR with the token refused');
    expect(m.lastError).toMatch(/paste a new one/);
    expect(m.lastError).toMatch(/Authentication failed/);
    // No retry can help: the provider is not asked again, however long we wait (retries would come every second at most).
    const asked = endpoint.seen.length;
    await new Promise((r) => setTimeout(r, 3000));
    expect(endpoint.seen.length).toBe(asked);
    expect((await mailbox()).status).toBe('ERROR');
    // Mail sent meanwhile is not lost: a new token picks up where the sync stopped.
    const imid = `<oauth-while-expired-${backend}@mycorp.test>`;
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['carol@acme.test'], subject: 'While the token was expired', messageId: imid }));
    endpoint.valid.set(LATER, ANN);
    expect((await put(LATER)).status).toBe(200);
    await until(async () => (await mailbox()).status === 'CONNECTED', 10_000, 'CONNECTED again');
    await until(() => logged(imid), 10_000, 'the message sent while the token was expired');
    await noSecretAnywhere();
  });
});
