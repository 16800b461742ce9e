// SMTP API tokens, HubSpot's `/marketing/v3/transactional/smtp-tokens` (docs/product.md §3).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { notFound } from '../../errors.js';
import type { SmtpToken } from '../../../shared/hubspot.js';
import { createSmtpToken, deleteSmtpToken, getSmtpToken, listSmtpTokens, resetSmtpPassword, type SmtpTokenRow } from '../../store/smtp-tokens.js';
import { afterParam, pageLimit, pageOf, pagingQuery } from '../paging.js';

const BASE = '/marketing/v3/transactional/smtp-tokens';
const TokenId = Type.Object({ tokenId: Type.String({ minLength: 1, maxLength: 64 }) });

export function tokenView(t: SmtpTokenRow, password?: string): SmtpToken {
  return {
    id: t.id,
    createdBy: t.createdBy,
    createdAt: new Date(t.createdAt).toISOString(),
    emailCampaignId: String(t.campaignId),
    campaignName: t.campaignName,
    createContact: t.createContact,
    ...(password ? { password } : {}),
  };
}

export default async function smtpTokens(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** Creates a token (and its campaign); the answer is the only time the password is shown. */
  app.post(
    BASE,
    {
      schema: {
        body: Type.Object(
          { campaignName: Type.String({ minLength: 1, maxLength: 255 }), createContact: Type.Boolean() },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { token, password } = await createSmtpToken(db, request.principal.accountId, { ...request.body, createdBy: { email: request.principal.email, userId: request.principal.userId } });
      request.log.info({ tokenId: token.id, campaignId: token.campaignId }, 'SMTP token created');
      return reply.code(201).send(tokenView(token, password));
    },
  );

  /** Lists the account's tokens, optionally by campaign name or id, paged with `after`. */
  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          campaignName: Type.Optional(Type.String({ maxLength: 255 })),
          emailCampaignId: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
          ...pagingQuery(100, 200),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, 20, 100);
      const after = afterParam(q.after, 2);
      const rows = await listSmtpTokens(db, request.principal.accountId, {
        campaignName: q.campaignName,
        emailCampaignId: q.emailCampaignId === undefined ? undefined : Number(q.emailCampaignId),
        after: after && { createdAt: Number(after[0]), id: after[1] },
        limit: limit + 1,
      });
      const { page, next } = pageOf(rows, limit, (last) => [String(last.createdAt), last.id]);
      return { results: page.map((t) => tokenView(t)), ...next };
    },
  );

  /** One token, without its password. */
  app.get(`${BASE}/:tokenId`, { schema: { params: TokenId } }, async (request) => {
    const token = await getSmtpToken(db, request.principal.accountId, request.params.tokenId);
    if (!token) throw notFound(`SMTP token ${request.params.tokenId}`);
    return tokenView(token);
  });

  /** A new password; the old one stops working at once, also on open SMTP sessions. */
  app.post(`${BASE}/:tokenId/password-reset`, { schema: { params: TokenId } }, async (request) => {
    const reset = await resetSmtpPassword(db, request.principal.accountId, request.params.tokenId);
    if (!reset) throw notFound(`SMTP token ${request.params.tokenId}`);
    request.log.info({ tokenId: reset.token.id }, 'SMTP token password reset');
    return tokenView(reset.token, reset.password);
  });

  /** Archives the token: SMTP logins with it fail from now on. */
  app.delete(`${BASE}/:tokenId`, { schema: { params: TokenId } }, async (request, reply) => {
    if (!(await deleteSmtpToken(db, request.principal.accountId, request.params.tokenId))) throw notFound(`SMTP token ${request.params.tokenId}`);
    request.log.info({ tokenId: request.params.tokenId }, 'SMTP token deleted');
    return reply.code(204).send();
  });
}
