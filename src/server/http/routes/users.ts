// The signed-in user, and the users of their account: everyone may list them; admins invite,
// change roles and remove (docs/product.md, "People and sign-in").
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { notFound } from '../../errors.js';
import { getUser, listUsers, type User } from '../../store/users.js';
import { changeUser, invite, reinvite, removePerson } from '../../people/people.js';
import { adminOnly } from '../roles.js';
import { peopleDeps } from './auth.js';

const view = (u: User) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  // "invited" until the person has set a password.
  status: u.hasPassword ? 'active' : 'invited',
  createdAt: new Date(u.createdAt).toISOString(),
});

const idParam = { params: Type.Object({ id: Type.String({ maxLength: 64 }) }) };
const role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);

export default async function users(app: FastifyInstance, ctx: AppContext) {
  const deps = peopleDeps(ctx);
  const db = ctx.database.db;

  /** Who this credential belongs to: the add-in's and the web app's sign-in check. */
  app.get('/api/v1/me', async (request) => {
    const me = (await getUser(db, request.principal.accountId, request.principal.userId))!;
    return { user: view(me), account: { id: me.accountId, name: me.account }, credential: { id: request.principal.tokenId, kind: request.principal.sessionId ? 'session' : 'token' } };
  });

  /** Users of the caller's account. */
  app.get('/api/v1/users', async (request) => ({ results: (await listUsers(db, request.principal.accountId)).map(view) }));

  /** One user of the caller's account; another account's id answers 404. */
  app.get('/api/v1/users/:id', { schema: idParam }, async (request) => {
    const { id } = request.params as { id: string };
    const user = await getUser(db, request.principal.accountId, id);
    if (!user) throw notFound(`User ${id}`);
    return view(user);
  });

  /** Invites a person: the user, an invitation link (7 days, one use) emailed to them. Admins only. */
  app.post(
    '/api/v1/users',
    { preHandler: adminOnly, schema: { body: Type.Object({ email: Type.String({ maxLength: 254 }), name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])), role: Type.Optional(role) }) } },
    async (request, reply) => {
      const body = request.body as { email: string; name?: string | null; role?: 'admin' | 'member' };
      const { user, inviteUrl } = await invite(deps, request.principal, { email: body.email, name: body.name, role: body.role ?? 'member' });
      return reply.code(201).send({ ...view(user), inviteUrl });
    },
  );

  /** Sends a fresh invitation (the earlier link stops working). Admins only. */
  app.post('/api/v1/users/:id/invitation', { preHandler: adminOnly, schema: idParam }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const sent = await reinvite(deps, request.principal, id);
    if (!sent) throw notFound(`User ${id}`);
    return reply.code(201).send({ ...view(sent.user), inviteUrl: sent.inviteUrl });
  });

  /** Renames a user or changes their role; the last admin stays an admin (409). Admins only. */
  app.patch(
    '/api/v1/users/:id',
    { preHandler: adminOnly, schema: { ...idParam, body: Type.Object({ name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])), role: Type.Optional(role) }, { additionalProperties: false }) } },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { name?: string | null; role?: 'admin' | 'member' };
      const user = await changeUser(deps, request.principal.accountId, id, { name: body.name === undefined ? undefined : body.name?.trim() || null, role: body.role });
      if (!user) throw notFound(`User ${id}`);
      return view(user);
    },
  );

  /** Removes a user: their tokens and sessions stop working at once; the last admin stays (409). Admins only. */
  app.delete('/api/v1/users/:id', { preHandler: adminOnly, schema: idParam }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!(await removePerson(deps, request.principal.accountId, id))) throw notFound(`User ${id}`);
    return reply.code(204).send();
  });
}
