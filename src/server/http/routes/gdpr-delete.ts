// Erasure (docs/product.md §13): HubSpot's GDPR delete of a contact, wire-compatible with
// `@hubspot/api-client`'s `crm.contacts.basicApi.purge` / `gdprApi.purge`.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { eraseContact } from '../../lifecycle/erase.js';
import { adminOnly } from '../roles.js';

export default async function gdprDelete(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  /** Erases a contact (by id, or by address with `idProperty: "email"`, known as a contact or not) and everything kept of its address; 204. */
  app.post(
    '/crm/v3/objects/contacts/gdpr-delete',
    {
      preHandler: adminOnly,
      schema: {
        body: Type.Object(
          { objectId: Type.String({ minLength: 1, maxLength: 320 }), idProperty: Type.Optional(Type.String({ maxLength: 100 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { accountId } = request.principal;
      await eraseContact(
        {
          database: ctx.database,
          erased: ctx.erased,
          forgetAccount: (id) => ctx.changes.publish({ type: 'settings-changed', accountId: id }),
          log: request.log,
        },
        accountId,
        request.body,
      );
      return reply.code(204).send();
    },
  );
}
