// Webhook endpoints of the account, their delivery history and manual retries (docs/product.md,
// Webhooks). Admins manage them; the secret is answered only on create and rotate-secret.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { ApiError, notFound } from '../../errors.js';
import { type Page, WEBHOOK_EVENT_TYPES, type Webhook, type WebhookDelivery } from '../../../shared/api.js';
import {
  attemptsOf,
  countEndpoints,
  createEndpoint,
  deleteEndpoint,
  type EndpointRow,
  enqueueTestEvent,
  getEndpoint,
  getWebhookDelivery,
  listEndpoints,
  listWebhookDeliveries,
  retryWebhookDelivery,
  updateEndpoint,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
} from '../../store/webhooks.js';
import { newWebhookSecret } from '../../webhooks/signing.js';
import { checkTarget } from '../../webhooks/targets.js';
import { adminOnly } from '../roles.js';
import { afterParam, pageLimit, pageOf, pagingQuery } from '../paging.js';

const BASE = '/api/v1/webhooks';
/** Enough for every integration an account runs; more is most likely a script creating them in a loop. */
const MAX_ENDPOINTS = 50;
const EndpointId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Events = Type.Array(Type.Enum([...WEBHOOK_EVENT_TYPES]), { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true });
const Url = Type.String({ minLength: 1, maxLength: 2048 });
const Description = Type.Union([Type.Null(), Type.String({ maxLength: 500 })]);

export function webhookView(e: EndpointRow, secret?: string): Webhook {
  return {
    id: e.id,
    url: e.url,
    events: JSON.parse(e.events),
    description: e.description,
    includeFiltered: !!Number(e.include_filtered),
    enabled: !!Number(e.enabled),
    disabledReason: e.disabled_reason,
    createdAt: new Date(Number(e.created_at)).toISOString(),
    updatedAt: new Date(Number(e.updated_at)).toISOString(),
    ...(secret ? { secret } : {}),
  };
}

function deliveryView(d: WebhookDeliveryRow, attempts: WebhookAttemptRow[]): WebhookDelivery {
  return {
    id: d.id,
    eventType: d.event_type,
    status: d.status,
    attempts: Number(d.attempts),
    nextAttemptAt: d.status === 'PENDING' ? new Date(Number(d.next_attempt_at)).toISOString() : null,
    createdAt: new Date(Number(d.created_at)).toISOString(),
    payload: JSON.parse(d.payload),
    history: attempts
      .filter((a) => a.delivery_id === d.id)
      .map((a) => ({ at: new Date(Number(a.at)).toISOString(), statusCode: a.status_code === null ? null : Number(a.status_code), durationMs: Number(a.duration_ms), response: a.response, error: a.error })),
  };
}

export default async function webhooks(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;
  const target = (url: string) => checkTarget(url, 'url', { allowPrivate: ctx.config.webhooks.allowPrivate, dnsServers: ctx.config.webhooks.dnsServers });
  const found = async (accountId: string, id: string, label = `Webhook ${id}`) => {
    const e = await getEndpoint(db, accountId, id);
    if (!e) throw notFound(label);
    return e;
  };
  // Routes with two ids name neither in their 404: the message says which kind of thing was missing.
  const DELIVERY = 'This delivery (or its webhook)';

  /** Creates an endpoint; the answer is the only time (with rotate-secret) the signing secret is shown. */
  app.post(
    BASE,
    {
      preHandler: adminOnly,
      schema: {
        body: Type.Object(
          { url: Url, events: Events, description: Type.Optional(Description), includeFiltered: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { accountId } = request.principal;
      const url = await target(request.body.url);
      if ((await countEndpoints(db, accountId)) >= MAX_ENDPOINTS) {
        throw new ApiError(409, 'CONFLICT', `An account has at most ${MAX_ENDPOINTS} webhook endpoints; delete one you no longer use first.`);
      }
      const secret = newWebhookSecret();
      const e = await createEndpoint(db, accountId, { url, events: request.body.events, description: request.body.description ?? null, includeFiltered: request.body.includeFiltered ?? false, secret });
      request.log.info({ webhookId: e.id, events: request.body.events }, 'webhook endpoint created');
      return reply.code(201).send(webhookView(e, secret));
    },
  );

  /** The account's endpoints, oldest first, without their secrets. */
  app.get(BASE, { preHandler: adminOnly }, async (request): Promise<Page<Webhook>> => ({ results: (await listEndpoints(db, request.principal.accountId)).map((e) => webhookView(e)) }));

  /** One endpoint, without its secret. */
  app.get(`${BASE}/:id`, { preHandler: adminOnly, schema: { params: EndpointId } }, async (request) => webhookView(await found(request.principal.accountId, request.params.id)));

  /** Changes any of url, events, description, includeFiltered, enabled (true resumes a turned-off endpoint). */
  app.patch(
    `${BASE}/:id`,
    {
      preHandler: adminOnly,
      schema: {
        params: EndpointId,
        body: Type.Object(
          { url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Description), includeFiltered: Type.Optional(Type.Boolean()), enabled: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { accountId } = request.principal;
      await found(accountId, request.params.id);
      const change = { ...request.body, ...(request.body.url !== undefined ? { url: await target(request.body.url) } : {}) };
      const e = await updateEndpoint(db, accountId, request.params.id, change);
      if (!e) throw notFound(`Webhook ${request.params.id}`);
      request.log.info({ webhookId: e.id, fields: Object.keys(request.body) }, 'webhook endpoint updated');
      if (request.body.enabled) ctx.webhooks?.wake(); // what waited while it was off goes out now
      return webhookView(e);
    },
  );

  /** Deletes the endpoint, what it still had to receive, and its history. */
  app.delete(`${BASE}/:id`, { preHandler: adminOnly, schema: { params: EndpointId } }, async (request, reply) => {
    if (!(await deleteEndpoint(db, request.principal.accountId, request.params.id))) throw notFound(`Webhook ${request.params.id}`);
    request.log.info({ webhookId: request.params.id }, 'webhook endpoint deleted');
    return reply.code(204).send();
  });

  /** A new signing secret; requests from now on are signed with it only. */
  app.post(`${BASE}/:id/rotate-secret`, { preHandler: adminOnly, schema: { params: EndpointId } }, async (request) => {
    const secret = newWebhookSecret();
    const e = await updateEndpoint(db, request.principal.accountId, request.params.id, { secret });
    if (!e) throw notFound(`Webhook ${request.params.id}`);
    request.log.info({ webhookId: e.id }, 'webhook secret rotated');
    return webhookView(e, secret);
  });

  /** Queues a `webhook.test` event for this endpoint; its delivery shows in the history like any other. */
  app.post(`${BASE}/:id/test`, { preHandler: adminOnly, schema: { params: EndpointId } }, async (request, reply) => {
    const e = await found(request.principal.accountId, request.params.id);
    if (!Number(e.enabled)) throw new ApiError(409, 'CONFLICT', 'This endpoint is turned off; PATCH it with {"enabled": true} first.');
    const deliveryId = await enqueueTestEvent(db, e);
    ctx.webhooks?.wake();
    return reply.code(202).send({ deliveryId });
  });

  /** The endpoint's deliveries, newest first, each with its attempts; paged with `after`. */
  app.get(
    `${BASE}/:id/deliveries`,
    {
      preHandler: adminOnly,
      schema: {
        params: EndpointId,
        querystring: Type.Object({
          status: Type.Optional(Type.Enum(['PENDING', 'DELIVERED', 'FAILED'])),
          ...pagingQuery(100, 200),
        }),
      },
    },
    async (request): Promise<Page<WebhookDelivery>> => {
      const { accountId } = request.principal;
      await found(accountId, request.params.id);
      const limit = pageLimit(request.query.limit, 20, 100);
      const after = afterParam(request.query.after, 2);
      const rows = await listWebhookDeliveries(db, accountId, request.params.id, { before: after && { createdAt: Number(after[0]), id: after[1] }, limit: limit + 1, status: request.query.status });
      const { page, next } = pageOf(rows, limit, (last) => [String(last.created_at), last.id]);
      const attempts = await attemptsOf(db, page.map((d) => d.id));
      return { results: page.map((d) => deliveryView(d, attempts)), ...next };
    },
  );

  /** One delivery with its attempts. */
  app.get(`${BASE}/:id/deliveries/:deliveryId`, { preHandler: adminOnly, schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), deliveryId: Type.String({ minLength: 1, maxLength: 64 }) }) } }, async (request) => {
    const d = await getWebhookDelivery(db, request.principal.accountId, request.params.id, request.params.deliveryId);
    if (!d) throw notFound(DELIVERY);
    return deliveryView(d, await attemptsOf(db, [d.id]));
  });

  /** Sends a delivery again now (same `webhook-id`, same body), whatever became of it before. */
  app.post(
    `${BASE}/:id/deliveries/:deliveryId/retry`,
    { preHandler: adminOnly, schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), deliveryId: Type.String({ minLength: 1, maxLength: 64 }) }) } },
    async (request, reply) => {
      const { accountId } = request.principal;
      const e = await found(accountId, request.params.id, DELIVERY);
      if (!(await getWebhookDelivery(db, accountId, e.id, request.params.deliveryId))) throw notFound(DELIVERY);
      if (!Number(e.enabled)) throw new ApiError(409, 'CONFLICT', 'This endpoint is turned off; PATCH it with {"enabled": true} first.');
      const d = await retryWebhookDelivery(db, accountId, request.params.id, request.params.deliveryId);
      if (!d) throw notFound(DELIVERY);
      ctx.webhooks?.wake();
      return reply.code(202).send(deliveryView(d, await attemptsOf(db, [d.id])));
    },
  );
}
