// Suppressed addresses (docs/product.md §10): hard bounces and addresses added by hand, which no
// transactional mail of the account goes to. `GET/POST /api/v1/suppressions`, `DELETE /api/v1/suppressions/{email}`.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { invalid, notFound } from '../../errors.js';
import { afterParam, pageLimit, pageOf, pagingQuery } from '../paging.js';
import type { Page, Suppression } from '../../../shared/api.js';
import { isAddress } from '../../../shared/addresses.js';
import { getSuppression, listSuppressions, suppress, type SuppressionRow, unsuppress } from '../../store/suppressions.js';

const BASE = '/api/v1/suppressions';

const view = (r: SuppressionRow): Suppression => ({ email: r.email, reason: r.reason, detail: r.detail, createdAt: new Date(r.created_at).toISOString() });

export default async function suppressions(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** The account's suppressed addresses with why and when, newest first, paged with `after`; `email` looks one up. */
  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
          ...pagingQuery(100, 1000),
        }),
      },
    },
    async (request): Promise<Page<Suppression>> => {
      const q = request.query;
      const limit = pageLimit(q.limit, 25, 100);
      const after = afterParam(q.after, 2);
      const rows = await listSuppressions(db, request.principal.accountId, { email: q.email, before: after && { createdAt: Number(after[0]), email: after[1] }, limit: limit + 1 });
      const { page, next } = pageOf(rows, limit, (last) => [String(last.created_at), last.email]);
      return { results: page.map(view), ...next };
    },
  );

  /** Suppresses an address by hand (no mail of the account goes to it until it is removed). */
  app.post(
    BASE,
    { schema: { body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }), detail: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      if (!isAddress(email)) throw invalid(`email ${JSON.stringify(request.body.email)} is not a plain address (local@domain.tld).`, 'email');
      await suppress(db, request.principal.accountId, email, 'MANUAL', request.body.detail?.trim() || null);
      request.log.info('address suppressed by hand');
      return reply.code(201).send(view((await getSuppression(db, request.principal.accountId, email))!));
    },
  );

  /** Sends to the address again: it is no longer suppressed. */
  app.delete(`${BASE}/:email`, { schema: { params: Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) }) } }, async (request, reply) => {
    if (!(await unsuppress(db, request.principal.accountId, request.params.email))) throw notFound(`A suppression of ${request.params.email}`);
    request.log.info('suppression removed');
    return reply.code(204).send();
  });
}
