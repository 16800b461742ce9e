// One-to-one tracking for the add-in (docs/product.md §6): register an email, get its HTML tracked and its
// pixel, see its opens and clicks, and report the sender's own views.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { ApiError, invalid, notFound } from '../../errors.js';
import { decodePosition, encodeCursor } from '../paging.js';
import type { TrackedEmailResult } from '../../../shared/api.js';
import { pixelTag, trackHtml } from '../../tracking/apply.js';
import { getTrackedEmail, listTrackedEmails, recordSelfView, trackedEmailView, upsertTrackedEmail } from '../../store/tracked-emails.js';
import { getUserSettings } from '../../store/settings.js';

const Address = Type.String({ maxLength: 320 });
const TrackedEmailInput = Type.Object(
  {
    trackingId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' })),
    subject: Type.String({ maxLength: 2000 }),
    from: Type.String({ maxLength: 320 }),
    to: Type.Array(Address, { maxItems: 500 }),
    cc: Type.Array(Address, { maxItems: 500 }),
    bcc: Type.Array(Address, { maxItems: 500 }),
    html: Type.String({ maxLength: 5_000_000 }),
    placePixel: Type.Optional(Type.Boolean()),
    pixelPosition: Type.Optional(Type.Union([Type.Literal('bottom'), Type.Literal('top')])),
  },
  { additionalProperties: false },
);
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });

export default async function trackedEmails(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;
  const owner = (p: { accountId: string; userId: string }) => ({ accountId: p.accountId, userId: p.userId });

  /** Registers (or, with the same trackingId, updates) a tracked email and answers its HTML tracked. */
  app.post('/api/v1/tracked-emails', { schema: { body: TrackedEmailInput }, bodyLimit: 6 * 1024 * 1024 }, async (request, reply) => {
    const b = request.body;
    const id = b.trackingId ?? randomUUID();
    const recipients = [...new Set([...b.to, ...b.cc, ...b.bcc].map((a) => a.trim().toLowerCase()).filter(Boolean))];
    const saved = await upsertTrackedEmail(db, owner(request.principal), { id, subject: b.subject, from: b.from, recipients, senderIp: request.ip });
    if (!saved) throw new ApiError(409, 'CONFLICT', `trackingId ${id} belongs to another email; make a new one.`, [{ message: 'trackingId is taken', in: 'trackingId' }]);
    const position = b.pixelPosition ?? (await getUserSettings(db, request.principal.accountId, request.principal.userId)).pixelPosition;
    const base = await ctx.tracking.baseFor(request.principal.accountId);
    const tracked = trackHtml(b.html, ctx.tracking.signer, { ref: { t: id }, base, pixel: b.placePixel !== false, position });
    const result: TrackedEmailResult = {
      id,
      html: tracked.html,
      pixelUrl: tracked.pixelUrl,
      pixelHtml: pixelTag(tracked.pixelUrl),
      links: tracked.links,
      sharedPixel: recipients.length > 1,
    };
    return reply.code(saved.created ? 201 : 200).send(result);
  });

  /** The user's tracked emails, newest first; `internetMessageId` finds one from the read pane. */
  app.get(
    '/api/v1/tracked-emails',
    {
      schema: {
        querystring: Type.Object({
          internetMessageId: Type.Optional(Type.String({ maxLength: 1000 })),
          after: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 20;
      const cursor = q.after === undefined ? undefined : decodePosition(q.after, 2);
      if (q.after !== undefined && !cursor) throw invalid('after is not a cursor this API gave out.', 'after');
      const rows = await listTrackedEmails(db, owner(request.principal), {
        internetMessageId: q.internetMessageId,
        before: cursor && { createdAt: Number(cursor[0]), id: cursor[1] },
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        results: await Promise.all(page.map((r) => trackedEmailView(db, r))),
        ...(rows.length > limit ? { paging: { next: { after: encodeCursor([String(last.created_at), last.id]) } } } : {}),
      };
    },
  );

  /** One of the user's tracked emails with its opens and clicks (counted or not, with the reasons). */
  app.get('/api/v1/tracked-emails/:id', { schema: { params: Id } }, async (request) => {
    const row = await getTrackedEmail(db, owner(request.principal), request.params.id);
    if (!row) throw notFound(`Tracked email ${request.params.id}`);
    return trackedEmailView(db, row);
  });

  /** The sender is viewing it now: hits around now from this viewer are theirs (SELF), never counted. */
  app.post(
    '/api/v1/tracked-emails/:id/self-view',
    { schema: { params: Id } },
    async (request, reply) => {
      // The body is optional: `{internetMessageId}` when the add-in knows the sent item's id.
      const body = request.body as { internetMessageId?: unknown } | undefined;
      const internetMessageId = typeof body?.internetMessageId === 'string' && body.internetMessageId.length <= 1000 ? body.internetMessageId : undefined;
      const row = await getTrackedEmail(db, owner(request.principal), request.params.id);
      if (!row) throw notFound(`Tracked email ${request.params.id}`);
      const at = Date.now();
      await recordSelfView(db, row, request.ip, at, internetMessageId);
      await ctx.recorder.selfViewed({ t: row.id }, at);
      return reply.code(204).send();
    },
  );
}
