// The person's opens and clicks, counted or filtered (docs/product.md §10): `GET /api/v1/activity`, what
// the web app's Activity page shows under **Show filtered** (notifications carry only counted events).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { invalid } from '../../errors.js';
import { decodePosition, encodeCursor } from '../paging.js';
import type { ActivityItem, Page, Verdict } from '../../../shared/api.js';
import { listActivity, type ActivityRow } from '../../store/activity.js';

function view(r: ActivityRow): ActivityItem {
  const d = JSON.parse(r.details) as { url?: string; verdict?: Verdict; reasons?: string[] };
  return {
    id: r.id,
    type: r.type as ActivityItem['type'],
    who: r.recipient ? (r.contact_name ?? r.recipient) : 'Someone',
    subject: r.subject ?? '(no subject)',
    ...(d.url ? { url: d.url } : {}),
    at: new Date(r.created).toISOString(),
    emailId: r.email_id ?? '',
    read: true,
    verdict: d.verdict ?? 'HUMAN',
    counted: !r.filtered,
    reasons: d.reasons ?? [],
  };
}

export default async function activity(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** The caller's opens and clicks, newest first, paged with `after`; `filtered=only` keeps the filtered ones. */
  app.get(
    '/api/v1/activity',
    {
      schema: {
        querystring: Type.Object({
          filtered: Type.Optional(Type.Enum(['include', 'only'])),
          after: Type.Optional(Type.String({ maxLength: 100 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
      },
    },
    async (request): Promise<Page<ActivityItem>> => {
      const q = request.query;
      const limit = q.limit ?? 50;
      if (!Number.isSafeInteger(limit)) throw invalid('limit must be an integer from 1 to 100.', 'limit');
      const after = q.after === undefined ? undefined : decodePosition(q.after, 1);
      if (q.after !== undefined && !after) throw invalid('after is not a cursor this API gave out; pass paging.next.after from the previous page.', 'after');
      const rows = await listActivity(db, request.principal, { filteredOnly: q.filtered === 'only', beforeSeq: after && Number(after[0]), limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { results: page.map(view), ...(rows.length > limit ? { paging: { next: { after: encodeCursor([String(page[page.length - 1].seq)]) } } } : {}) };
    },
  );
}
