// A request handler that fails — synchronously, asynchronously, or after it returned (in the body
// stream), in Fastify's routes or in the tracker that answers before Fastify — answers 500 in
// HubSpot's error shape with a correlationId, logs the error under that correlationId, and the
// process answers the next request. Regression: a throw in the tracker (a Location header Node
// refused) was an uncaught exception in Node's `request` event and ended the process.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { buildApp, type App, type AppContext } from '../../src/server/http/app.js';
import { ApiError } from '../../src/server/errors.js';
import { installErrorHandlers } from '../../src/server/http/errors.js';
import { createLogger } from '../../src/server/logger.js';
import { mailboxDir } from '../../src/server/queue/relay.js';
import { HitRecorder } from '../../src/server/tracking/recorder.js';
import { TrackingSigner } from '../../src/server/tracking/tokens.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { clickHeaders, imageHeaders } from '../helpers/tracking.js';
import { emailInput, postLogged } from '../logging/client.js';
import { request, type RawAnswer } from '../security/client.js';
import { errorShapeProblem } from '../fuzz/support/error-shape.js';

type LogLine = Record<string, unknown> & { err?: { type?: string; message?: string; code?: string } };

/** 500 in the error shape, category INTERNAL_ERROR; answers the body's correlationId. */
function expectInternalError(res: RawAnswer, what: string): string {
  expect(res.status, what).toBe(500);
  expect(errorShapeProblem(res), what).toBeUndefined();
  const body = JSON.parse(res.text) as { category: string; message: string; correlationId: string };
  expect(body.category, what).toBe('INTERNAL_ERROR');
  // What went wrong stays in the log: the client learns nothing of it.
  expect(body.message).toMatch(/^Something went wrong on our side/);
  return body.correlationId;
}

describe.each(BACKENDS)('a route handler that fails, on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let database: Database;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb); // no RELAY_URL: the dev mailbox is served
    token = (await server.addUser('err@acme.test')).accessToken;
    database = await tdb.open();
  }, 90_000);
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  /** The error line of the request the client was told `correlationId` about. */
  async function logged(correlationId: string): Promise<LogLine> {
    await expect.poll(() => server.logs().some((l) => l.correlationId === correlationId && l.msg === 'request failed')).toBe(true);
    const line = server.logs().find((l) => l.correlationId === correlationId && l.msg === 'request failed') as LogLine;
    expect(line.level).toBe('error');
    return line;
  }

  async function expectAlive() {
    expect((await request(server.url + '/health')).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  }

  /** Runs `during` with `table` renamed away (the database changed under the server), then puts it back. */
  async function withoutTable(table: string, during: () => Promise<void>) {
    await sql`ALTER TABLE ${sql.table(table)} RENAME TO ${sql.table(`${table}_away`)}`.execute(database.db);
    try {
      await during();
    } finally {
      await sql`ALTER TABLE ${sql.table(`${table}_away`)} RENAME TO ${sql.table(table)}`.execute(database.db);
    }
  }

  it('throwing synchronously (a message in the dev mailbox that cannot be read) answers 500 in the shape and logs it', async () => {
    const unreadable = path.join(mailboxDir(tdb.dataDir), '1700000000000-unreadable.eml');
    fs.mkdirSync(unreadable, { recursive: true }); // a directory where a message should be: reading it throws EISDIR
    try {
      const id = expectInternalError(await request(server.url + '/dev/mailbox'), 'GET /dev/mailbox');
      expect((await logged(id)).err).toMatchObject({ code: 'EISDIR' });
      const head = await request(server.url + '/dev/mailbox', { method: 'HEAD' });
      expect(head.status).toBe(500);
      expect(head.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      fs.rmSync(unreadable, { recursive: true, force: true });
    }
    expect((await request(server.url + '/dev/mailbox')).status).toBe(200);
    await expectAlive();
  });

  it('failing asynchronously (its table is gone) answers 500 in the shape and logs it, the live feed too', async () => {
    await withoutTable('notifications', async () => {
      const id = expectInternalError(await request(server.url + '/api/v1/notifications', { headers: auth() }), 'GET /api/v1/notifications');
      expect((await logged(id)).err?.message).toMatch(/notifications/);
      // Resuming the live feed reads what was missed first: that failure is an answer too, not an
      // event stream that never speaks.
      const feed = await request(server.url + '/api/v1/notifications/stream', { headers: { ...auth(), 'last-event-id': '1' } });
      await logged(expectInternalError(feed, 'GET /api/v1/notifications/stream'));
    });
    expect((await request(server.url + '/api/v1/notifications', { headers: auth() })).status).toBe(200);
    await expectAlive();
  });

  it('failing after the handler returned (an attachment whose stored bytes are gone) answers 500 in the shape, not as the attachment', async () => {
    const r = await postLogged(server, token, emailInput({ to: ['bob@example.test'] }), [{ name: 'отчёт.pdf', type: 'application/pdf', bytes: new Uint8Array([1, 2, 3]) }]);
    expect(r.status).toBe(201);
    const url = server.url + ((await r.json()) as { attachments: Array<{ url: string }> }).attachments[0].url;
    await withoutTable('blob_chunks', async () => {
      const res = await request(url, { headers: auth() });
      await logged(expectInternalError(res, 'GET attachment'));
      expect(res.headers.get('content-disposition')).toBeNull();
    });
    const res = await request(url, { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    await expectAlive();
  });

  it('answers a dev mailbox name that cannot go into a header 404 in the shape (it went into Content-Disposition unchecked)', async () => {
    const res = await request(server.url + `/dev/mailbox/${encodeURIComponent('пример.eml')}/raw`);
    expect(res.status).toBe(404);
    expect(errorShapeProblem(res)).toBeUndefined();
    expect(res.headers.get('content-disposition')).toBeNull();
    await expectAlive();
  });
});

/** A logger writing JSON lines into `lines`. */
function capturingLogger(lines: LogLine[]) {
  return createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    }),
  );
}

describe('a throw in the tracker, which answers before Fastify (in process)', () => {
  // The app as `serve` builds it, with a real signer and a real recorder that was never started (its
  // journal is not open): recording a hit throws inside Node's `request` event, where nothing else
  // would catch it. (No real tracker URL throws any more; this stands in for the next thing that might.)
  const lines: LogLine[] = [];
  const signer = new TrackingSigner([{ id: 'k1', secret: 'x'.repeat(40) }]);
  const journalDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-journal-'));
  let app: App;
  let base: string;
  let httpsLike: http.Server;
  let httpsLikeBase: string;

  beforeAll(async () => {
    const logger = capturingLogger(lines);
    const recorder = new HitRecorder({ sink: { storeJournal: async ({ from }: { from: number }) => ({ created: [], count: 0, next: from }) } as never, logger, journalDir, onNotifications: () => {} });
    const ctx = {
      config: { apiRateLimit: 5000, dataDir: journalDir, trustProxy: false, relayUrl: 'smtp://127.0.0.1:1' },
      database: { db: {}, dialect: 'sqlite' },
      logger,
      addinDir: '/nonexistent',
      tracking: { signer },
      recorder,
      draining: () => false,
    } as unknown as AppContext;
    app = await buildApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // The HTTPS server's listener (the same one, on its own server; plain here to need no certificate).
    httpsLike = http.createServer(app.handle);
    await new Promise<void>((resolve) => httpsLike.listen(0, '127.0.0.1', resolve));
    httpsLikeBase = `http://127.0.0.1:${(httpsLike.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => httpsLike?.close(resolve));
    await app?.close();
    fs.rmSync(journalDir, { recursive: true, force: true });
  });

  it('answers 500 in the shape, logs the error with that correlationId, and keeps answering', async () => {
    const click = `/t/c/${signer.sign({ k: 'c', r: { t: 'e1' }, i: 0, u: 'https://acme.test/x' })}`;
    const pixel = `/t/o/${signer.sign({ k: 'o', r: { t: 'e1' } })}.gif`;
    for (const root of [base, httpsLikeBase]) {
      for (const [url, headers] of [
        [click, clickHeaders],
        [pixel, imageHeaders],
      ] as const) {
        const res = await request(root + url, { headers });
        const id = expectInternalError(res, `GET ${url}`);
        const line = lines.find((l) => l.correlationId === id);
        expect(line, 'the error is logged under the correlationId the client got').toMatchObject({ level: 'error', msg: 'request failed', method: 'GET' });
        expect(line!.err).toMatchObject({ type: 'TypeError' });
        expect(res.headers.get('location')).toBeNull();
      }
      // HEAD is not recorded, so it still answers; and the app still answers everything else.
      expect((await request(root + click, { method: 'HEAD', headers: clickHeaders })).status).toBe(302);
      expect((await request(root + '/health')).status).toBe(200);
    }
  });
});

describe('an error answer whose own headers cannot be sent (in process)', () => {
  // A handler may set headers and then fail; a header Node refuses would make the error answer
  // throw too, and Fastify would then answer in its own shape. These routes exist only here.
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ logger: false, genReqId: () => randomUUID() });
    installErrorHandlers(app);
    app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('X-Correlation-Id', request.id);
    });
    const bad = { 'Content-Disposition': 'attachment; filename="отчёт.pdf"', 'X-Name': 'пример' };
    app.get('/sync', (_req: FastifyRequest, reply: FastifyReply) => {
      reply.headers(bad);
      throw new Error('sync');
    });
    app.get('/async', async (_req: FastifyRequest, reply: FastifyReply) => {
      reply.headers(bad);
      await new Promise((r) => setTimeout(r, 1));
      throw new Error('async');
    });
    app.get('/refused', async (_req: FastifyRequest, reply: FastifyReply) => {
      reply.headers(bad);
      throw new ApiError(404, 'OBJECT_NOT_FOUND', 'Report was not found in this account.');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app?.close());

  it.each(['/sync', '/async', '/refused'])('%s answers in the error shape without the headers', async (route) => {
    const res = await request(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}${route}`);
    expect(res.status).toBe(route === '/refused' ? 404 : 500);
    expect(errorShapeProblem(res)).toBeUndefined();
    expect(res.headers.get('x-name')).toBeNull();
    expect(res.headers.get('content-disposition')).toBeNull();
  });
});
