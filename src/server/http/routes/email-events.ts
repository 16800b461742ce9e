// HubSpot's Email Events API: `/email/public/v1/events` and campaign statistics (docs/product.md §3).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { invalid, notFound } from '../../errors.js';
import type { CampaignView, EmailEventsPage, EmailEventType } from '../../../shared/hubspot.js';
import { campaignCounters, listEvents, toEmailEvent } from '../../store/events.js';
import { getCampaign } from '../../store/campaigns.js';
import { decodePosition, encodeCursor } from '../paging.js';

const EVENT_TYPES = ['PROCESSED', 'SENT', 'DELIVERED', 'DEFERRED', 'BOUNCE', 'DROPPED', 'OPEN', 'CLICK', 'SPAMREPORT', 'STATUSCHANGE', 'REPLY'];
const Id = Type.String({ pattern: '^[0-9]{1,15}$' });
// At most the last instant a JavaScript Date can hold: beyond it PostgreSQL's bigint overflows (a 500).
const Millis = Type.Integer({ minimum: 0, maximum: 8.64e15 });

export default async function emailEvents(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** Events of the account, newest first, filtered and paged with `offset`. */
  app.get(
    '/email/public/v1/events',
    {
      schema: {
        querystring: Type.Object({
          recipient: Type.Optional(Type.String({ maxLength: 320 })),
          campaignId: Type.Optional(Id),
          eventType: Type.Optional(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)))),
          startTimestamp: Type.Optional(Millis),
          endTimestamp: Type.Optional(Millis),
          offset: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          excludeFilteredEvents: Type.Optional(Type.Boolean()),
        }),
      },
    },
    async (request): Promise<EmailEventsPage> => {
      const q = request.query;
      const cursor = q.offset === undefined ? undefined : decodePosition(q.offset, 1);
      if (q.offset !== undefined && !cursor) throw invalid('offset is not one this API gave out; pass the offset of the previous page.', 'offset');
      const { events, hasMore } = await listEvents(db, request.principal.accountId, {
        recipient: q.recipient,
        campaignId: q.campaignId === undefined ? undefined : Number(q.campaignId),
        eventType: q.eventType as EmailEventType | undefined,
        startTimestamp: q.startTimestamp,
        endTimestamp: q.endTimestamp,
        beforeSeq: cursor && Number(cursor[0]),
        limit: q.limit ?? 100,
        excludeFiltered: q.excludeFilteredEvents,
      });
      const last = events[events.length - 1];
      return { events: events.map(toEmailEvent), hasMore, offset: last ? encodeCursor([String(last.seq)]) : (q.offset ?? '') };
    },
  );

  /** A campaign's counters: counted events, unique opens/clicks, and filtered ones apart. */
  app.get('/email/public/v1/campaigns/:campaignId', { schema: { params: Type.Object({ campaignId: Id }) } }, async (request): Promise<CampaignView> => {
    const id = Number(request.params.campaignId);
    const campaign = await getCampaign(db, request.principal.accountId, id);
    if (!campaign) throw notFound(`Campaign ${id}`);
    const stats = await campaignCounters(db, request.principal.accountId, id);
    return { id: String(id), name: campaign.name, ...stats };
  });
}
