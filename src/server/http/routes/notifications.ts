// Notifications (docs/product.md §6): the live feed as server-sent events (resumable with Last-Event-ID, ended
// when its token is revoked), the history with read/unread, and Web Push subscriptions for the
// web app's service worker.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { ApiError, invalid, unauthorized } from '../../errors.js';
import { markNotificationsRead, notificationHistory, notificationsAfter, type StoredNotification } from '../../store/notifications.js';
import { removePushSubscription, savePushSubscription } from '../../store/push-subscriptions.js';

const HEARTBEAT_MS = 15_000;

const wire = ({ userId: _u, seq: _s, ...item }: StoredNotification) => item;

export default async function notifications(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** The live feed: one SSE event per counted open or click; `Last-Event-ID` replays what was missed. */
  app.get(
    '/api/v1/notifications/stream',
    { config: { queryToken: true }, schema: { querystring: Type.Object({ access_token: Type.Optional(Type.String()), lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }) } },
    async (request, reply) => {
      const { userId, tokenId } = request.principal;
      const header = request.headers['last-event-id'];
      const resumeFrom = Number((typeof header === 'string' && /^\d{1,15}$/.test(header) ? header : request.query.lastEventId) ?? 0);
      const res = reply.raw;
      let last = resumeFrom;
      const send = (item: StoredNotification) => {
        if (item.seq <= last) return; // replayed and live can overlap by a row
        last = item.seq;
        res.write(`id: ${item.seq}\ndata: ${JSON.stringify(wire(item))}\n\n`);
      };
      // Subscribe first, then replay: nothing falls between the two.
      const queued: StoredNotification[] = [];
      let replaying = true;
      let heartbeat: NodeJS.Timeout | undefined;
      let streaming = false;
      let closed = false; // shutdown began, or the token was revoked, before the stream did
      const listener = {
        tokenId,
        send: (item: StoredNotification) => (replaying ? queued.push(item) : send(item)),
        close: () => (streaming ? res.end() : (closed = true)),
      };
      const unsubscribe = ctx.notifier.hub.subscribe(userId, listener);
      let ended = false;
      const done = () => {
        clearInterval(heartbeat);
        if (!ended) unsubscribe(); // once: a second call could drop the user's next feed from the hub
        ended = true;
      };
      res.on('close', done);
      // What can fail (the replay's query) runs before the stream begins, so a failure is still an
      // answer in the error shape (Fastify's error handler) rather than a stream that never speaks.
      let missed: StoredNotification[] = [];
      try {
        // A revocation between the token's check and the subscription named no stream of ours yet.
        await ctx.streams.check([listener]).catch((err) => request.log.debug({ err }, "could not re-check the stream's token; the periodic check will"));
        if (resumeFrom > 0) missed = await notificationsAfter(db, resumeFrom, { userId });
      } catch (err) {
        done();
        throw err;
      }
      if (res.destroyed) return reply.hijack(); // the client left while we read
      if (closed) {
        done();
        if (ctx.draining()) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'This server is shutting down; connect to another one.');
        throw unauthorized('The access token was revoked; sign in again.');
      }
      reply.hijack();
      streaming = true;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        'Access-Control-Allow-Origin': '*',
        'X-Correlation-Id': request.id,
      });
      res.write('retry: 3000\n\n');
      heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      missed.forEach(send);
      replaying = false;
      queued.forEach(send);
    },
  );

  /** The history, newest first, paged by `after`; `unread=true` for the unread ones only. */
  app.get(
    '/api/v1/notifications',
    {
      schema: {
        querystring: Type.Object({
          unread: Type.Optional(Type.Boolean()),
          after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const { items, hasMore } = await notificationHistory(db, request.principal, { unread: q.unread, beforeSeq: q.after ? Number(q.after) : undefined, limit });
      return {
        results: items.map(wire),
        ...(hasMore ? { paging: { next: { after: String(items[items.length - 1].seq) } } } : {}),
      };
    },
  );

  /** Marks some (`ids`) or all (`all: true`) of the user's notifications read. */
  app.post(
    '/api/v1/notifications/read',
    { schema: { body: Type.Object({ ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 })), all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }) } },
    async (request) => {
      const { ids, all } = request.body;
      if (!all && !ids?.length) throw invalid('Say which notifications to mark read: `ids`, or `all: true`.', 'ids');
      return { updated: await markNotificationsRead(db, request.principal, all ? 'all' : ids!) };
    },
  );

  /** The VAPID public key the web app's service worker subscribes with. */
  app.get('/api/v1/push/key', async () => ({ publicKey: ctx.vapid.publicKey }));

  /** Saves this browser's push subscription for the user. */
  app.post(
    '/api/v1/push/subscriptions',
    {
      schema: {
        body: Type.Object(
          {
            endpoint: Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' }),
            keys: Type.Object({ p256dh: Type.String({ minLength: 20, maxLength: 200 }), auth: Type.String({ minLength: 8, maxLength: 100 }) }),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (request, reply) => {
      const { endpoint, keys } = request.body;
      // Push services are https; plain http only to this machine (development and tests).
      // Only a URL that parses: the schema's `uri` format lets through some that do not (`http://`).
      const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
      if (!url) throw invalid('endpoint must be an https push service URL.', 'endpoint');
      if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) throw invalid('endpoint must be an https push service URL.', 'endpoint');
      const p = request.principal;
      await savePushSubscription(db, { accountId: p.accountId, userId: p.userId, endpoint, p256dh: keys.p256dh, auth: keys.auth });
      return reply.code(201).send({ endpoint });
    },
  );

  /** Forgets a push subscription of the user's. */
  app.delete('/api/v1/push/subscriptions', { schema: { body: Type.Object({ endpoint: Type.String({ maxLength: 2000 }) }) } }, async (request, reply) => {
    await removePushSubscription(db, request.principal.userId, request.body.endpoint);
    return reply.code(204).send();
  });
}
