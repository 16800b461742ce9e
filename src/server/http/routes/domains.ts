// Sending domains (docs/product.md §4, §10): the account's domains with the DKIM record to publish —
// what `mailbeacon domain add|list|remove` does, for admins. A domain another account owns is refused
// when added and invisible otherwise.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { ApiError, invalid, notFound } from '../../errors.js';
import { adminOnly } from '../roles.js';
import type { SendingDomain as DomainView } from '../../../shared/api.js';
import { dnsRecord } from '../../queue/dkim.js';
import { addDomain, normalizeDomain } from '../../queue/domain-owner.js';
import { getSendingDomain, listSendingDomains, removeSendingDomain, type SendingDomain } from '../../store/sending-domains.js';

const BASE = '/api/v1/domains';
const DomainParam = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) });

function view(d: SendingDomain): DomainView {
  const record = dnsRecord(d);
  return { domain: d.domain, selector: d.selector, dnsRecord: { type: 'TXT', name: record.name, value: record.value }, createdAt: new Date(Number(d.created_at)).toISOString() };
}

export default async function domains(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;
  const own = async (accountId: string, name: string) => {
    const d = await getSendingDomain(db, normalizeDomain(name));
    if (!d || d.account_id !== accountId) throw notFound(`Sending domain ${name}`);
    return d;
  };

  /** The account's sending domains, by name, each with its DKIM TXT record. */
  app.get(BASE, { preHandler: adminOnly }, async (request) => ({ results: (await listSendingDomains(db, request.principal.accountId)).map(view) }));

  /** One sending domain of the account. */
  app.get(`${BASE}/:domain`, { preHandler: adminOnly, schema: { params: DomainParam } }, async (request) => view(await own(request.principal.accountId, request.params.domain)));

  /** Adds a domain with a new DKIM key (or gives one the account owns a new key); mail From: it is signed at once. */
  app.post(
    BASE,
    {
      preHandler: adminOnly,
      schema: { body: Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }), selector: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })) }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const outcome = await addDomain(db, request.principal.accountId, request.body.domain, request.body.selector);
      if ('invalid' in outcome) throw invalid(outcome.invalid, outcome.field);
      if ('takenBy' in outcome) {
        const message = `${outcome.takenBy} belongs to another Mailbeacon account; a domain, its parents and the names below it belong to one account.`;
        throw new ApiError(409, 'CONFLICT', message, [{ message, in: 'domain' }]);
      }
      await ctx.changes.publish({ type: 'domains-changed' });
      request.log.info({ domain: outcome.added.domain }, 'sending domain added');
      return reply.code(201).send(view(outcome.added));
    },
  );

  /** Removes the domain: its mail is no longer signed, and other accounts may claim it. */
  app.delete(`${BASE}/:domain`, { preHandler: adminOnly, schema: { params: DomainParam } }, async (request, reply) => {
    if (!(await removeSendingDomain(db, normalizeDomain(request.params.domain), request.principal.accountId))) throw notFound(`Sending domain ${request.params.domain}`);
    await ctx.changes.publish({ type: 'domains-changed' });
    request.log.info({ domain: request.params.domain }, 'sending domain removed');
    return reply.code(204).send();
  });
}
