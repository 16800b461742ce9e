// The signed-in person's devices: browser sessions and access tokens in one list, each endable
// (docs/product.md, "People and sign-in").
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { notFound } from '../../errors.js';
import { listAccessTokens, revokeAccessToken } from '../../store/access-tokens.js';
import { endSession, listSessions } from '../../store/sessions.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export default async function sessions(app: FastifyInstance, ctx: AppContext) {
  const db = ctx.database.db;

  /** The user's browser sessions and access tokens, with which one this request uses. */
  app.get('/api/v1/sessions', async (request) => {
    const p = request.principal;
    const [browsers, tokens] = await Promise.all([listSessions(db, p), listAccessTokens(db, p)]);
    return {
      results: [
        ...browsers.map((s) => ({ id: s.id, kind: 'session' as const, name: s.name, createdAt: iso(s.createdAt), lastUsedAt: iso(s.lastUsedAt), current: s.id === p.tokenId })),
        ...tokens.map((t) => ({ id: t.id, kind: 'token' as const, name: t.name ?? 'Access token', createdAt: iso(t.createdAt), lastUsedAt: iso(t.lastUsedAt), current: t.id === p.tokenId })),
      ],
    };
  });

  /** Ends one session or revokes one access token of the user; its live feeds end too. */
  app.delete('/api/v1/sessions/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const ended = (await endSession(db, request.principal, id)) || (await revokeAccessToken(db, request.principal, id));
    if (!ended) throw notFound(`Session ${id}`);
    await ctx.changes.publish({ type: 'credential-revoked', tokenIds: [id] });
    return reply.code(204).send();
  });
}
