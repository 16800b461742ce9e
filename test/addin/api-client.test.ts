// The axios client (fetch adapter) against a real local HTTP server: auth, paths, error kinds,
// timeouts, and the multipart body of a logged email as a server parses it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, ApiError } from '../../src/ui/api/client.js';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  type: string | undefined;
  body: Buffer;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], body: Buffer.concat(chunks) });
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const url = new URL(req.url!, 'http://x');
      if (url.pathname.startsWith('/slow/')) return void setTimeout(() => json(200, {}), 2000);
      if (url.pathname === '/api/v1/me') return req.headers.authorization === 'Bearer good' ? json(200, { user: { email: 'me@x.test' } }) : json(401, { status: 'error', category: 'UNAUTHORIZED', message: 'The access token is not valid', correlationId: 'c1' });
      if (url.pathname === '/api/v1/contacts') return json(200, { results: url.searchParams.get('email') === 'ann@acme.test' ? [{ id: 'c1' }] : [] });
      if (url.pathname.startsWith('/api/v1/tracked-emails/')) return json(404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'nope', correlationId: 'c2' });
      if (url.pathname === '/api/v1/settings') return json(500, { status: 'error', category: 'INTERNAL', message: 'Database down', correlationId: 'c3' });
      if (url.pathname === '/api/v1/logged-emails') return json(201, { id: 'l1', duplicate: false, contacts: [], skipped: [], attachments: [] });
      if (url.pathname === '/api/v1/emails') return json(200, { results: [{ id: 1 }] });
      if (url.pathname === '/api/v1/notifications') return json(200, { results: [{ id: 'n1' }] });
      return json(404, {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('the API client', () => {
  it('sends the Bearer token to absolute URLs under the backend', async () => {
    const api = createApi({ backendUrl: base + '/', accessToken: 'good' });
    expect(api.backendUrl).toBe(base);
    expect(await api.me()).toMatchObject({ user: { email: 'me@x.test' } });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/api/v1/me', auth: 'Bearer good' });
    expect(await api.findContact('ann@acme.test')).toEqual({ id: 'c1' });
    expect(await api.findContact('nobody@acme.test')).toBeNull();
    expect(await api.listTemplates()).toEqual([{ id: 1 }]);
    expect(await api.notifications()).toEqual([{ id: 'n1' }]);
    expect(api.streamUrl()).toBe(`${base}/api/v1/notifications/stream?access_token=good`);
  });

  it('tells unauthorized, other error statuses and unreachable servers apart', async () => {
    const bad = await createApi({ backendUrl: base, accessToken: 'bad' }).me().catch((e) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad).toMatchObject({ kind: 'unauthorized', status: 401, message: 'The access token is not valid', correlationId: 'c1' });
    const broken = await createApi({ backendUrl: base, accessToken: 'good' }).getSettings().catch((e) => e);
    expect(broken).toMatchObject({ kind: 'http', status: 500, message: 'Database down' });
    const down = await createApi({ backendUrl: 'http://127.0.0.1:9', accessToken: 'good' }).me().catch((e) => e);
    expect(down).toMatchObject({ kind: 'offline', status: null });
  });

  it('gives up after its timeout, as unreachable', async () => {
    const started = Date.now();
    const timedOut = await createApi({ backendUrl: base + '/slow', accessToken: 'good', timeoutMs: 200 }).me().catch((e) => e);
    expect(timedOut).toMatchObject({ kind: 'offline', message: 'The server took too long to answer.' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('answers null for an unknown tracked email', async () => {
    expect(await createApi({ backendUrl: base, accessToken: 'good' }).getTracked('nope')).toBeNull();
  });

  it('posts a logged email as multipart/form-data: the JSON field and one part per file', async () => {
    const api = createApi({ backendUrl: base, accessToken: 'good' });
    const email = { subject: 'Grüße', html: '<p>x</p>', text: 'x', from: 'me@x.test', to: ['ann@acme.test'], cc: [], bcc: [], sentAt: '2026-01-01T00:00:00.000Z', internetMessageId: '<t@mailbeacon>' };
    const pdf = Uint8Array.from([37, 80, 68, 70, 0, 255]);
    await api.logEmail(email, [{ filename: 'quote.pdf', contentType: 'application/pdf', bytes: pdf }]);
    const req = seen.at(-1)!;
    expect(req.url).toBe('/api/v1/logged-emails');
    const boundary = /boundary=(.+)$/.exec(req.type!)![1];
    const parts = req.body.toString('latin1').split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(2);
    expect(JSON.parse(Buffer.from(parts[0].split('\r\n\r\n')[1].replace(/\r\n$/, ''), 'latin1').toString('utf8'))).toEqual(email);
    expect(parts[1]).toContain('name="attachments"; filename="quote.pdf"');
    expect(Buffer.from(parts[1].split('\r\n\r\n')[1].replace(/\r\n$/, ''), 'latin1').equals(Buffer.from(pdf))).toBe(true);
  });
});
