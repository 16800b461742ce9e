// HubSpot's single-send API (docs/product.md §3): `POST /marketing/v3/transactional/single-email/send` and the
// send status it answers, `GET /marketing/v3/email/send-statuses/{statusId}`.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { notFound } from '../../errors.js';
import type { SendStatusView } from '../../../shared/hubspot.js';
import { getStatus } from '../../store/send-statuses.js';
import { singleSend } from '../../send/single-send.js';
import { refreshStatus } from '../../send/progress.js';
import { statusView } from '../../send/status-view.js';

const Addresses = Type.Array(Type.String({ maxLength: 512 }), { maxItems: 1000 });

const SendBody = Type.Object(
  {
    // A template id is a bigint: beyond 2^53 it is no id of ours, and PostgreSQL would fail on it.
    emailId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    message: Type.Object(
      {
        to: Type.String({ minLength: 1, maxLength: 320 }),
        from: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
        sendId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        replyTo: Type.Optional(Addresses),
        cc: Type.Optional(Addresses),
        bcc: Type.Optional(Addresses),
      },
      { additionalProperties: false },
    ),
    contactProperties: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 65_536 }), { maxProperties: 200 })),
    customProperties: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 500 })),
  },
  { additionalProperties: false },
);

export default async function singleSendRoutes(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** Sends a published transactional template to one recipient; answers once the request is committed. */
  app.post('/marketing/v3/transactional/single-email/send', { schema: { body: SendBody } }, async (request): Promise<SendStatusView> => {
    const status = await singleSend(ctx, request.principal, request.body);
    request.log.info({ statusId: status.statusId, status: status.status, sendResult: status.sendResult, emailId: request.body.emailId }, 'single send');
    return status;
  });

  /** A send status of this account; a status still waiting on the queue is brought up to date first. */
  app.get('/marketing/v3/email/send-statuses/:statusId', { schema: { params: Type.Object({ statusId: Type.String({ minLength: 1, maxLength: 64 }) }) } }, async (request) => {
    const { accountId } = request.principal;
    let row = await getStatus(db, accountId, request.params.statusId);
    if (!row) throw notFound(`Send status ${request.params.statusId}`);
    if (row.status !== 'COMPLETE' && row.delivery_id && row.message_id) {
      const target = { statusId: row.id, accountId, recipient: row.recipient, messageId: row.message_id, deliveryId: row.delivery_id };
      if (await refreshStatus(db, target, row.status === 'PENDING')) row = (await getStatus(db, accountId, row.id))!;
    }
    return statusView(row);
  });
}
