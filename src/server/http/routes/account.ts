// Account-wide settings of people and sign-in: the address the account's own emails (invitations,
// password resets) come from. Admins change it; everyone may read it.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { invalid } from '../../errors.js';
import { isAddress, normalizeAddress } from '../../../shared/addresses.js';
import { senderAddressOf, setSenderAddress } from '../../store/accounts.js';
import { defaultSender } from '../../people/emails.js';
import { adminOnly } from '../roles.js';

export default async function account(app: FastifyInstance, ctx: AppContext) {
  const db = ctx.database.db;
  const answer = async (accountId: string) => {
    const set = await senderAddressOf(db, accountId);
    return { address: set ?? defaultSender(ctx.config.publicUrl), isDefault: set === null };
  };

  /** Where invitations and password resets come from. */
  app.get('/api/v1/account/sender-address', async (request) => answer(request.principal.accountId));

  /** Sets it (`null`: back to no-reply@ the public host). Admins only. */
  app.put(
    '/api/v1/account/sender-address',
    { preHandler: adminOnly, schema: { body: Type.Object({ address: Type.Union([Type.String({ maxLength: 254 }), Type.Null()]) }) } },
    async (request) => {
      const { address } = request.body as { address: string | null };
      const clean = address === null || !address.trim() ? null : normalizeAddress(address);
      if (clean !== null && !isAddress(clean)) throw invalid(`"${address}" is not an email address; use one at a domain whose mail you send, e.g. no-reply@yourcompany.com.`, 'address');
      await setSenderAddress(db, request.principal.accountId, clean);
      return answer(request.principal.accountId);
    },
  );
}
