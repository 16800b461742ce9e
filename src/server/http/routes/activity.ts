// The person's opens and clicks, counted or filtered (docs/product.md §10): `GET /api/v1/activity`, what
// the web app's Activity page shows under **Show filtered** (notifications carry only counted events).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { afterParam, pageLimit, pageOf, pagingQuery } from '../paging.js';
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
          ...pagingQuery(100, 100),
        }),
      },
    },
    async (request): Promise<Page<ActivityItem>> => {
      const q = request.query;
      const limit = pageLimit(q.limit, 50, 100);
      const after = afterParam(q.after, 1);
      const rows = await listActivity(db, request.principal, { filteredOnly: q.filtered === 'only', beforeSeq: after && Number(after[0]), limit: limit + 1 });
      const { page, next } = pageOf(rows, limit, (last) => [String(last.seq)]);
      return { results: page.map(view), ...next };
    },
  );
}
