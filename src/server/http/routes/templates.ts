// Templates, HubSpot's transactional "emails" (`/api/v1/emails`, docs/product.md §6): a draft that is edited and
// previewed, and the version captured at the last publish, which is what single send sends.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { ApiError, invalid, notFound } from '../../errors.js';
import { afterParam, pageLimit, pageOf, pagingQuery } from '../paging.js';
import type { PreviewResult, SendTestResult, Template } from '../../../shared/api.js';
import { sendTest } from '../../send/test-send.js';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, publishTemplate, type TemplateDraft, type TemplateRow, updateTemplate } from '../../store/templates.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import { type Source, TemplateSyntaxError } from '../../templates/engine.js';
import { RenderFailure, RenderLimitExceeded } from '../../templates/render.js';

const BASE = '/api/v1/emails';
const Params = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });

const fields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  subject: Type.String({ minLength: 1, maxLength: 998 }),
  html: Type.String({ minLength: 1, maxLength: 500_000 }),
  // null first: with type coercion on, a string branch tried first would turn null into "".
  text: Type.Union([Type.Null(), Type.String({ maxLength: 500_000 })]),
  subscriptionType: Type.Enum(['TRANSACTIONAL', 'MARKETING']),
  sendMethod: Type.Enum(['API', 'REGULAR']),
};
// A template read back and sent again carries these; they are the server's to set, so they are ignored.
const readOnly = {
  id: Type.Optional(Type.Unknown()),
  state: Type.Optional(Type.Unknown()),
  hasUnpublishedChanges: Type.Optional(Type.Unknown()),
  publishedAt: Type.Optional(Type.Unknown()),
  createdAt: Type.Optional(Type.Unknown()),
  updatedAt: Type.Optional(Type.Unknown()),
  emailCampaignId: Type.Optional(Type.Unknown()),
};
const FullBody = Type.Object({ ...fields, text: Type.Optional(fields.text), ...readOnly }, { additionalProperties: false });
const PartialBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    subject: Type.Optional(fields.subject),
    html: Type.Optional(fields.html),
    text: Type.Optional(fields.text),
    subscriptionType: Type.Optional(fields.subscriptionType),
    sendMethod: Type.Optional(fields.sendMethod),
    ...readOnly,
  },
  { additionalProperties: false },
);
const PreviewBody = Type.Object(
  {
    contactProperties: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 65_536 }), { maxProperties: 500 })),
    customProperties: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 500 })),
    // The editor's unsaved subject, HTML and text, rendered instead of the stored draft (the web app's live preview).
    template: Type.Optional(Type.Object({ subject: fields.subject, html: fields.html, text: Type.Optional(fields.text) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** What a preview or test renders: the editor's unsaved parts when given, else the stored draft. */
function sourceOf(t: TemplateRow, given: { subject: string; html: string; text?: string | null } | undefined): Source {
  if (!given) return { subject: t.subject, html: t.html, text: t.text };
  return { subject: given.subject, html: given.html, text: given.text ? given.text : null };
}

/** A render's failure as the 400 the editor shows under its preview. */
function renderRefusal(t: TemplateRow, err: unknown): unknown {
  if (err instanceof TemplateSyntaxError) return invalid(`The ${err.part} is not a valid template: ${err.message}`, `template.${err.part}`);
  if (err instanceof RenderFailure) return new ApiError(400, 'VALIDATION_ERROR', `Template ${t.id}: ${err.message}`);
  return err;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function templateView(t: TemplateRow): Template {
  const published = t.published_at !== null;
  return {
    id: Number(t.id),
    name: t.name,
    subject: t.subject,
    html: t.html,
    text: t.text,
    subscriptionType: t.subscription_type,
    sendMethod: t.send_method,
    state: published ? 'PUBLISHED' : 'DRAFT',
    hasUnpublishedChanges: published && (t.subject !== t.published_subject || t.html !== t.published_html || t.text !== t.published_text),
    publishedAt: iso(t.published_at),
    createdAt: iso(t.created_at)!,
    updatedAt: iso(t.updated_at)!,
    emailCampaignId: String(t.campaign_id),
  };
}

/** The parts must parse as Liquid: a broken template is refused when saved, not when sent. */
async function checkSyntax(sandbox: Sandbox, source: Source): Promise<void> {
  try {
    await sandbox.checkSyntax(source);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw invalid(`The ${err.part} is not a valid template: ${err.message}`, err.part);
    if (err instanceof RenderLimitExceeded) throw invalid(err.message.charAt(0).toUpperCase() + err.message.slice(1));
    throw err;
  }
}

function draftOf(body: Partial<TemplateDraft> & Record<string, unknown>): Partial<TemplateDraft> {
  const keys = ['name', 'subject', 'html', 'text', 'subscriptionType', 'sendMethod'] as const;
  const draft: Partial<TemplateDraft> = Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
  if (draft.text === '') draft.text = null; // an empty text part means "derive it from the HTML"
  return draft;
}

/**
 * Generic HTTP clients (the HubSpot client's `apiRequest` among them) send `Content-Type: application/json`
 * with no body on publish and delete; in these routes an empty JSON body means "no body".
 */
function allowEmptyJson(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return json(request, body as string, done);
  });
}

export default async function templates(fastify: FastifyInstance, ctx: AppContext) {
  allowEmptyJson(fastify);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;
  const find = async (accountId: string, id: string) => {
    const t = await getTemplate(db, accountId, Number(id));
    if (!t) throw notFound(`Template ${id}`);
    return t;
  };

  /** Creates a template as a draft, with its own campaign (its statistics). */
  app.post(BASE, { schema: { body: FullBody } }, async (request, reply) => {
    const draft = { ...draftOf(request.body), text: request.body.text ?? null } as TemplateDraft;
    await checkSyntax(ctx.sandbox, draft);
    const t = await createTemplate(db, request.principal.accountId, draft);
    request.log.info({ templateId: t.id }, 'template created');
    return reply.code(201).send(templateView(t));
  });

  /** The account's templates in id order, paged with `after`; `state` filters. */
  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          ...pagingQuery(500, 200),
          state: Type.Optional(Type.Enum(['DRAFT', 'PUBLISHED'])),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, 100, 500);
      const after = afterParam(q.after, 1);
      const rows = await listTemplates(db, request.principal.accountId, { afterId: after && Number(after[0]), limit, state: q.state });
      const { page, next } = pageOf(rows, limit, (last) => [String(last.id)]);
      return { results: page.map(templateView), ...next };
    },
  );

  /** One template (its draft, and whether that differs from what is published). */
  app.get(`${BASE}/:id`, { schema: { params: Params } }, async (request) => templateView(await find(request.principal.accountId, request.params.id)));

  /** Changes the draft; what is sent changes only at the next publish. */
  app.patch(`${BASE}/:id`, { schema: { params: Params, body: PartialBody } }, async (request) => {
    const current = await find(request.principal.accountId, request.params.id);
    const change = draftOf(request.body);
    await checkSyntax(ctx.sandbox, { subject: change.subject ?? current.subject, html: change.html ?? current.html, text: change.text !== undefined ? change.text : current.text });
    const t = await updateTemplate(db, request.principal.accountId, current.id, change);
    if (!t) throw notFound(`Template ${request.params.id}`);
    return templateView(t);
  });

  /** Replaces the draft (an omitted text becomes none); what is sent changes only at the next publish. */
  app.put(`${BASE}/:id`, { schema: { params: Params, body: FullBody } }, async (request) => {
    const draft = { ...draftOf(request.body), text: request.body.text ?? null } as TemplateDraft;
    await checkSyntax(ctx.sandbox, draft);
    const t = await updateTemplate(db, request.principal.accountId, Number(request.params.id), draft);
    if (!t) throw notFound(`Template ${request.params.id}`);
    return templateView(t);
  });

  /** Deletes the template: it cannot be sent any more; its campaign's statistics stay. */
  app.delete(`${BASE}/:id`, { schema: { params: Params } }, async (request, reply) => {
    if (!(await deleteTemplate(db, request.principal.accountId, Number(request.params.id)))) throw notFound(`Template ${request.params.id}`);
    request.log.info({ templateId: request.params.id }, 'template deleted');
    return reply.code(204).send();
  });

  /** Publishes the current draft: from now on single send sends this version. */
  app.post(`${BASE}/:id/publish`, { schema: { params: Params } }, async (request) => {
    const t = await publishTemplate(db, request.principal.accountId, Number(request.params.id));
    if (!t) throw notFound(`Template ${request.params.id}`);
    request.log.info({ templateId: t.id }, 'template published');
    return templateView(t);
  });

  /** Renders the current draft (or the editor's unsaved `template`) with the given properties; tokens without a value render empty and are listed. */
  app.post(`${BASE}/:id/preview`, { schema: { params: Params, body: Type.Optional(PreviewBody) } }, async (request): Promise<PreviewResult> => {
    const t = await find(request.principal.accountId, request.params.id);
    const body = request.body ?? {};
    try {
      const scope = { contact: body.contactProperties ?? {}, custom: body.customProperties ?? {} };
      return await ctx.sandbox.render(sourceOf(t, body.template), scope, { marketing: t.subscription_type === 'MARKETING', lenient: true });
    } catch (err) {
      throw renderRefusal(t, err);
    }
  });

  /** Sends the current draft (or the editor's unsaved `template`), rendered with the given properties, to the caller's own address (tokens without a value render empty). */
  app.post(`${BASE}/:id/send-test`, { schema: { params: Params, body: Type.Optional(PreviewBody) } }, async (request): Promise<SendTestResult> => {
    const t = await find(request.principal.accountId, request.params.id);
    const body = request.body ?? {};
    try {
      const sent = await sendTest(ctx, request.principal, t, sourceOf(t, body.template), body);
      request.log.info({ templateId: t.id }, 'template test sent');
      return sent;
    } catch (err) {
      throw renderRefusal(t, err);
    }
  });
}
