// The signed-in user, and the users of their account.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { notFound } from '../../errors.js';
import { getUser, listUsers, type User } from '../../store/users.js';

const view = (u: User) => ({ id: u.id, email: u.email, name: u.name, createdAt: new Date(u.createdAt).toISOString() });

export default async function users(app: FastifyInstance, ctx: AppContext) {
  /** Who this access token belongs to: the add-in's sign-in check. */
  app.get('/api/v1/me', async (request) => {
    const me = (await getUser(ctx.database.db, request.principal.accountId, request.principal.userId))!;
    return { user: view(me), account: { id: me.accountId, name: me.account } };
  });

  /** Users of the caller's account. */
  app.get('/api/v1/users', async (request) => ({ results: (await listUsers(ctx.database.db, request.principal.accountId)).map(view) }));

  /** One user of the caller's account; another account's id answers 404. */
  app.get('/api/v1/users/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } }, async (request) => {
    const { id } = request.params as { id: string };
    const user = await getUser(ctx.database.db, request.principal.accountId, id);
    if (!user) throw notFound(`User ${id}`);
    return view(user);
  });
}
