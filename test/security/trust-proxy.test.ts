// Behind a load balancer (TRUST_PROXY=true) the client's address is the one the balancer appended to
// X-Forwarded-For, the last: a client that writes its own X-Forwarded-For cannot pass for another
// address, neither to the tracker (blocked IPs) nor to the routes (the dev mailbox, throttles).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { get, imageHeaders } from '../helpers/tracking.js';

describe('TRUST_PROXY', () => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(tdb, { TRUST_PROXY: 'true' }); // no RELAY_URL: the dev mailbox is on
    token = (await server.addUser('rep@acme.test')).accessToken;
    expect((await server.api('/api/v1/settings', { method: 'PUT', token, json: { blockedIps: ['203.0.113.7'] } })).status).toBe(200);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  async function openedVia(forwardedFor: string) {
    const res = await server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { subject: forwardedFor, from: 'rep@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>x</p>' } });
    const mail = await res.json();
    await get(mail.pixelUrl.replace(/^https?:\/\/[^/]+/, server.url), { ...imageHeaders, 'x-forwarded-for': forwardedFor });
    await expect.poll(async () => (await (await server.api(`/api/v1/tracked-emails/${mail.id}`, { token })).json()).events.length).toBe(1);
    return (await (await server.api(`/api/v1/tracked-emails/${mail.id}`, { token })).json()).events[0].verdict as string;
  }

  it('judges a tracking hit by the address the balancer appended, not by what the client wrote', async () => {
    expect(await openedVia('198.51.100.1, 203.0.113.7')).toBe('SELF'); // the blocked address, as the balancer saw it
    expect(await openedVia('203.0.113.7, 198.51.100.9')).toBe('HUMAN'); // the client claimed the blocked address
  });

  it('shows the dev mailbox only when the balancer says the client is on this machine', async () => {
    const mailbox = (forwardedFor: string) => fetch(`${server.url}/dev/mailbox`, { headers: { 'x-forwarded-for': forwardedFor } }).then((r) => r.status);
    expect(await mailbox('198.51.100.3')).toBe(403);
    expect(await mailbox('127.0.0.1, 198.51.100.3')).toBe(403); // a remote client pretending to be local
    expect(await mailbox('198.51.100.3, 127.0.0.1')).toBe(200);
  });
});
