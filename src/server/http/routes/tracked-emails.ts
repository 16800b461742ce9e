// One-to-one tracking for the add-in (docs/product.md §6): register an email, get its HTML tracked and its
// pixel, see its opens and clicks, and report the sender's own views. What one email may cost is
// bounded (README "Request handling"): its size and its links, and a big body is rewritten in the
// sandbox, off the event loop.
import { ERASED_REPLACEMENT } from '../../lifecycle/erased.js';
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { setReminder } from '../../store/replies.js';
import { ApiError, invalid, notFound } from '../../errors.js';
import { afterParam, pageLimit, pageOf, pagingQuery } from '../paging.js';
import type { TrackedEmailResult } from '../../../shared/api.js';
import { type TrackedJson, trackedJson } from '../../sandbox/protocol.js';
import { LimitExceeded } from '../../sandbox/sandbox.js';
import { pixelTag, trackBody, type TrackOptions } from '../../tracking/apply.js';
import { getSend, getTrackedEmail, listSends, listTrackedEmails, recordSelfView, trackedEmailViews, upsertTrackedEmail } from '../../store/tracked-emails.js';
import { getUserSettings } from '../../store/settings.js';

/**
 * Limits no real one-to-one email reaches (a long thread with images inline is a few MB and hundreds
 * of links). `ms`: rewriting a body within the others takes a few hundred ms at most; this stops
 * pathological markup that makes the scanner slow.
 */
export const TRACKED_LIMITS = { bodyBytes: 6 * 1024 * 1024, htmlChars: 5_000_000, links: 5000, ms: 3000 };
/**
 * A body this small, with this few links, is rewritten on the event loop (a few ms at worst: links
 * cost ~20 µs each to sign); any other goes to the sandbox.
 */
const INLINE = { chars: 32 * 1024, hrefs: 100 };

const Address = Type.String({ maxLength: 320 });
const TrackedEmailInput = Type.Object(
  {
    trackingId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' })),
    subject: Type.String({ maxLength: 2000 }),
    from: Type.String({ maxLength: 320 }),
    to: Type.Array(Address, { maxItems: 500 }),
    cc: Type.Array(Address, { maxItems: 500 }),
    bcc: Type.Array(Address, { maxItems: 500 }),
    html: Type.String(), // at most TRACKED_LIMITS.htmlChars: checked in the handler (the schema's check counts code points in a JavaScript loop, ~20 ms for 5 MB)
    placePixel: Type.Optional(Type.Boolean()),
    pixelPosition: Type.Optional(Type.Union([Type.Literal('bottom'), Type.Literal('top')])),
    remindAfterDays: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 365 })])),
  },
  { additionalProperties: false },
);
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });

export default async function trackedEmails(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;
  const owner = (p: { accountId: string; userId: string }) => ({ accountId: p.accountId, userId: p.userId });

  /** Registers (or, with the same trackingId, updates) a tracked email and answers its HTML tracked. */
  app.post('/api/v1/tracked-emails', { schema: { body: TrackedEmailInput }, bodyLimit: TRACKED_LIMITS.bodyBytes, errorHandler: nameBodyLimit }, async (request, reply) => {
    const b = request.body;
    if (b.html.length > TRACKED_LIMITS.htmlChars) throw invalid(`html must NOT have more than ${TRACKED_LIMITS.htmlChars} characters`, 'html');
    const id = b.trackingId ?? randomUUID();
    const given = [...new Set([...b.to, ...b.cc, ...b.bcc].map((a) => a.trim().toLowerCase()).filter(Boolean))];
    // Erased addresses are not kept (lifecycle/erased.ts); mail to no one else gets no pixel.
    const erased = await ctx.erased.among(db, request.principal.accountId, given);
    const recipients = erased.size ? [...new Set(given.map((a) => (erased.has(a) ? ERASED_REPLACEMENT : a)))] : given;
    const onlyErased = given.length > 0 && erased.size === given.length;
    const position = b.pixelPosition ?? (await getUserSettings(db, request.principal.accountId, request.principal.userId)).pixelPosition;
    const base = await ctx.tracking.baseFor(request.principal.accountId);
    const options: TrackOptions = { ref: { t: id }, base, pixel: b.placePixel !== false && !onlyErased, position };
    // Tracked before it is saved: an email over the limits changes nothing.
    const tracked = withinLimits(isSmall(b.html) ? trackedJson(trackBody(b.html, ctx.tracking.signer, options, TRACKED_LIMITS.links)) : await trackElsewhere(ctx, b.html, options));
    const saved = await upsertTrackedEmail(db, owner(request.principal), { id, subject: b.subject, from: b.from, recipients, senderIp: request.ip });
    if (!saved) throw new ApiError(409, 'CONFLICT', `trackingId ${id} belongs to another email; make a new one.`, [{ message: 'trackingId is taken', in: 'trackingId' }]);
    // Follow-up reminder (Remind me if no reply): due that many days after the email was tracked.
    if (b.remindAfterDays !== undefined) await setReminder(db, owner(request.principal), id, b.remindAfterDays, Number(saved.row.created_at));
    const result: Omit<TrackedEmailResult, 'html'> = {
      id,
      pixelUrl: tracked.pixelUrl,
      pixelHtml: pixelTag(tracked.pixelUrl),
      links: tracked.links,
      sharedPixel: recipients.length > 1,
    };
    return reply
      .code(saved.created ? 201 : 200)
      .type('application/json; charset=utf-8')
      .send(withJsonField(result, 'html', tracked.htmlJson));
  });

  /** The user's tracked emails and the sends they made (single send, SMTP API with their tokens), newest first;
   *  `internetMessageId` finds one tracked email from the read pane, `q` those whose subject or recipients contain it. */
  app.get(
    '/api/v1/tracked-emails',
    {
      schema: {
        querystring: Type.Object({
          internetMessageId: Type.Optional(Type.String({ maxLength: 1000 })),
          q: Type.Optional(Type.String({ maxLength: 200 })),
          ...pagingQuery(100, 200),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, 20, 100);
      const cursor = afterParam(q.after, 2);
      const filter = { search: q.q?.trim() || undefined, before: cursor && { createdAt: Number(cursor[0]), id: cursor[1] }, limit: limit + 1 };
      const tracked = await listTrackedEmails(db, owner(request.principal), { ...filter, internetMessageId: q.internetMessageId });
      // The read pane's lookup is for Outlook's own tracked mail; the list also has the person's sends.
      const sends = q.internetMessageId === undefined ? await listSends(db, owner(request.principal), filter) : [];
      // Both lists are in (created_at, id) order: merged the same way, one cursor pages through both.
      const later = (a: { created_at: number; id: string }, b: { created_at: number; id: string }) => Number(b.created_at) - Number(a.created_at) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
      const rows = [...tracked.map((row) => ({ row, kind: 'tracked' as const })), ...sends.map((row) => ({ row, kind: 'send' as const }))].sort((a, b) => later(a.row, b.row));
      const { page, next } = pageOf(rows, limit, (last) => [String(last.row.created_at), last.row.id]);
      return { results: await trackedEmailViews(db, request.principal.accountId, page), ...next };
    },
  );

  /** One of the user's tracked emails with its opens and clicks (counted or not, with the reasons). */
  app.get('/api/v1/tracked-emails/:id', { schema: { params: Id } }, async (request) => {
    const row = await getTrackedEmail(db, owner(request.principal), request.params.id);
    if (row) return (await trackedEmailViews(db, request.principal.accountId, [{ kind: 'tracked', row }]))[0];
    const send = await getSend(db, owner(request.principal), request.params.id);
    if (!send) throw notFound(`Tracked email ${request.params.id}`);
    return (await trackedEmailViews(db, request.principal.accountId, [{ kind: 'send', row: send }]))[0];
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

function isSmall(html: string): boolean {
  if (html.length > INLINE.chars) return false;
  const href = /href/gi; // every link has one: an upper bound, counted without parsing
  for (let n = 0; href.exec(html); ) if (++n > INLINE.hrefs) return false;
  return true;
}

/** A big body is tracked in the sandbox; one that passes its time or memory limit is refused like an oversized one. */
async function trackElsewhere(ctx: AppContext, html: string, options: TrackOptions): Promise<TrackedJson> {
  try {
    return await ctx.sandbox.track(html, options, TRACKED_LIMITS);
  } catch (err) {
    if (err instanceof LimitExceeded) throw invalid(`The html cannot be tracked within ${err.amount}, the ${err.limit} one email may take; send a smaller email.`, 'html');
    throw err;
  }
}

function withinLimits(tracked: TrackedJson): Exclude<TrackedJson, { tooManyLinks: number }> {
  if ('tooManyLinks' in tracked) throw invalid(`The html has ${tracked.tooManyLinks} links; a tracked email may have at most ${TRACKED_LIMITS.links}.`, 'html');
  return tracked;
}

/** `fields` as JSON with one more field whose value is JSON already: only bytes are copied. */
function withJsonField(fields: object, name: string, json: Uint8Array): Buffer {
  const head = `${JSON.stringify(fields).slice(0, -1)},${JSON.stringify(name)}:`;
  return Buffer.concat([Buffer.from(head), json, Buffer.from('}')]);
}

/** Fastify refuses an oversized body before any handler; its answer then names the limit. The app's handler shapes it. */
function nameBodyLimit(err: FastifyError): never {
  if (err.statusCode === 413) {
    throw new ApiError(413, 'VALIDATION_ERROR', `The request body is larger than ${TRACKED_LIMITS.bodyBytes / 1024 / 1024} MB, the most a tracked email may send; send a smaller email.`);
  }
  throw err;
}
