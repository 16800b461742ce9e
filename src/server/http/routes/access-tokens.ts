// Named access tokens of the signed-in person: for the add-in ("Outlook") and scripts. The token is
// shown once, when made; only its hash is kept.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { invalid, notFound } from '../../errors.js';
import { createAccessToken, revokeAccessToken } from '../../store/access-tokens.js';

export default async function accessTokens(app: FastifyInstance, ctx: AppContext) {
  const db = ctx.database.db;

  /** Makes a named token: `{id, name, accessToken}`, the token shown this once. */
  app.post('/api/v1/access-tokens', { schema: { body: Type.Object({ name: Type.String({ maxLength: 100 }) }) } }, async (request, reply) => {
    const name = (request.body as { name: string }).name.trim();
    if (!name) throw invalid('Give the token a name that says where it is used, e.g. "Outlook" or "CRM sync".', 'name');
    const t = await createAccessToken(db, { id: request.principal.userId, accountId: request.principal.accountId }, { name });
    return reply.code(201).send({ id: t.id, name, accessToken: t.token });
  });

  /** Revokes one of the user's tokens (`current`: the one this request came with — the add-in's sign-out). */
  app.delete('/api/v1/access-tokens/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } }, async (request, reply) => {
    const p = request.principal;
    const { id: asked } = request.params as { id: string };
    const id = asked === 'current' && !p.sessionId ? p.tokenId : asked;
    if (!(await revokeAccessToken(db, p, id))) throw notFound(`Access token ${asked}`);
    await ctx.changes.publish({ type: 'credential-revoked', tokenIds: [id] });
    return reply.code(204).send();
  });
}
