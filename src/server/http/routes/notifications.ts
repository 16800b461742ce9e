// Notifications (SPEC §6): the live feed as server-sent events (resumable with Last-Event-ID), the
// history with read/unread, and Web Push subscriptions for the companion page.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { ApiError, invalid } from '../errors.js';
import { toItem } from '../../notify/items.js';
import type { Delivered } from '../../notify/hub.js';

const HEARTBEAT_MS = 15_000;

const wire = ({ userId: _u, seq: _s, ...item }: Delivered) => item;

export default async function notifications(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** The live feed: one SSE event per counted open or click; `Last-Event-ID` replays what was missed. */
  app.get(
    '/api/v1/notifications/stream',
    { config: { queryToken: true }, schema: { querystring: Type.Object({ access_token: Type.Optional(Type.String()), lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }) } },
    async (request, reply) => {
      const userId = request.principal.userId;
      const header = request.headers['last-event-id'];
      const resumeFrom = Number((typeof header === 'string' && /^\d{1,15}$/.test(header) ? header : request.query.lastEventId) ?? 0);
      const res = reply.raw;
      let last = resumeFrom;
      const send = (item: Delivered) => {
        if (item.seq <= last) return; // replayed and live can overlap by a row
        last = item.seq;
        res.write(`id: ${item.seq}\ndata: ${JSON.stringify(wire(item))}\n\n`);
      };
      // Subscribe first, then replay: nothing falls between the two.
      const queued: Delivered[] = [];
      let replaying = true;
      let heartbeat: NodeJS.Timeout | undefined;
      let streaming = false;
      let closed = false; // shutdown began before the stream did
      const unsubscribe = ctx.notifier.hub.subscribe(userId, {
        send: (item) => (replaying ? queued.push(item) : send(item)),
        close: () => (streaming ? res.end() : (closed = true)),
      });
      let ended = false;
      const done = () => {
        clearInterval(heartbeat);
        if (!ended) unsubscribe(); // once: a second call could drop the user's next feed from the hub
        ended = true;
      };
      res.on('close', done);
      // What can fail (the replay's query) runs before the stream begins, so a failure is still an
      // answer in the error shape (Fastify's error handler) rather than a stream that never speaks.
      let missed: Delivered[] = [];
      try {
        if (resumeFrom > 0) {
          const rows = await db.selectFrom('notifications').selectAll().where('user_id', '=', userId).where('seq', '>', resumeFrom).orderBy('seq').limit(1000).execute();
          missed = rows.map(toItem);
        }
      } catch (err) {
        done();
        throw err;
      }
      if (res.destroyed) return reply.hijack(); // the client left while we read
      if (closed) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'This server is shutting down; connect to another one.');
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
      let query = db.selectFrom('notifications').selectAll().where('account_id', '=', request.principal.accountId).where('user_id', '=', request.principal.userId);
      if (q.unread) query = query.where('read_at', 'is', null);
      if (q.after) query = query.where('seq', '<', Number(q.after));
      const rows = await query.orderBy('seq', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit).map(toItem);
      return {
        results: page.map(wire),
        ...(rows.length > limit ? { paging: { next: { after: String(page[page.length - 1].seq) } } } : {}),
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
      let q = db.updateTable('notifications').set({ read_at: Date.now() }).where('user_id', '=', request.principal.userId).where('account_id', '=', request.principal.accountId).where('read_at', 'is', null);
      if (!all) q = q.where('id', 'in', ids!);
      const res = await q.executeTakeFirst();
      return { updated: Number(res.numUpdatedRows) };
    },
  );

  /** The VAPID public key the companion page subscribes with. */
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
      await db
        .insertInto('push_subscriptions')
        .values({ endpoint, account_id: p.accountId, user_id: p.userId, p256dh: keys.p256dh, auth: keys.auth, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['user_id', 'endpoint']).doUpdateSet({ p256dh: keys.p256dh, auth: keys.auth }))
        .execute();
      return reply.code(201).send({ endpoint });
    },
  );

  /** Forgets a push subscription of the user's. */
  app.delete('/api/v1/push/subscriptions', { schema: { body: Type.Object({ endpoint: Type.String({ maxLength: 2000 }) }) } }, async (request, reply) => {
    await db.deleteFrom('push_subscriptions').where('endpoint', '=', request.body.endpoint).where('user_id', '=', request.principal.userId).execute();
    return reply.code(204).send();
  });
}
