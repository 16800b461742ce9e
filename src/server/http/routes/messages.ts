// The account's sent messages (docs/product.md §10): `GET /api/v1/messages`, one row per recipient's
// copy of mail sent with an SMTP token or single send, and `GET /api/v1/messages/{id}` with that
// copy's delivery attempts and events.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { notFound } from '../../errors.js';
import { afterParam, pageLimit, pageOf, pagingQuery } from '../paging.js';
import { type DeliveryAttempt, type MessageDetail, type MessageStatus, type MessageSummary, MESSAGE_STATUSES, type Page, type Verdict } from '../../../shared/api.js';
import { eventsOfDelivery, getMessage, listMessages, type MessageListRow } from '../../store/messages.js';

const BASE = '/api/v1/messages';
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function statusOf(r: MessageListRow): MessageStatus {
  if (r.status === 'QUEUED') return r.attempts > 0 ? 'DEFERRED' : 'QUEUED';
  return r.status === 'BOUNCED' ? 'BOUNCE' : r.status;
}

function summary(r: MessageListRow): MessageSummary {
  const status = statusOf(r);
  return {
    id: r.id,
    source: r.source,
    from: r.mail_from,
    recipient: r.recipient,
    subject: r.subject,
    status,
    lastResponse: r.last_response,
    attempts: r.attempts,
    createdAt: iso(r.created_at)!,
    sentAt: iso(r.sent_at),
    nextAttemptAt: status === 'DEFERRED' ? iso(r.next_attempt_at) : null,
    emailCampaignId: r.campaign_id === null ? null : String(r.campaign_id),
    tokenId: r.token_id,
  };
}

const ATTEMPTS: Record<string, DeliveryAttempt['outcome']> = { DELIVERED: 'DELIVERED', DEFERRED: 'DEFERRED', BOUNCE: 'BOUNCE', DROPPED: 'DROPPED' };

export default async function messages(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** The account's messages, newest first, paged with `after`; `status` and `recipient` filter. */
  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          status: Type.Optional(Type.Enum(MESSAGE_STATUSES)),
          recipient: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
          ...pagingQuery(100, 300),
        }),
      },
    },
    async (request): Promise<Page<MessageSummary>> => {
      const q = request.query;
      const limit = pageLimit(q.limit, 25, 100);
      const after = afterParam(q.after, 2);
      const rows = await listMessages(db, request.principal.accountId, {
        status: q.status,
        recipient: q.recipient,
        before: after && { createdAt: Number(after[0]), id: after[1] },
        limit: limit + 1,
      });
      const { page, next } = pageOf(rows, limit, (last) => [String(last.created_at), last.id]);
      return { results: page.map(summary), ...next };
    },
  );

  /** One message copy with its delivery attempts (what the relay answered each time) and its events. */
  app.get(`${BASE}/:id`, { schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }) } }, async (request): Promise<MessageDetail> => {
    const { accountId } = request.principal;
    const row = await getMessage(db, accountId, request.params.id);
    if (!row) throw notFound(`Message ${request.params.id}`);
    const events = await eventsOfDelivery(db, accountId, row.id);
    const deliveryAttempts: DeliveryAttempt[] = [];
    const shown: MessageDetail['events'] = [];
    for (const e of events) {
      const d = JSON.parse(e.details) as Record<string, unknown>;
      const at = iso(Number(e.created))!;
      const outcome = ATTEMPTS[e.type];
      if (outcome) {
        const response = String(d.response ?? d.dropMessage ?? d.dropReason ?? '');
        deliveryAttempts.push({ attempt: typeof d.attempt === 'number' ? d.attempt : deliveryAttempts.length + 1, at, outcome, response });
      }
      shown.push({
        id: e.id,
        type: e.type,
        at,
        filtered: !!e.filtered,
        ...(typeof d.url === 'string' ? { url: d.url } : {}),
        ...(typeof d.verdict === 'string' ? { verdict: d.verdict as Verdict } : {}),
        ...(Array.isArray(d.reasons) ? { reasons: d.reasons.map(String) } : {}),
      });
    }
    return { ...summary(row), deliveryAttempts, events: shown };
  });
}
