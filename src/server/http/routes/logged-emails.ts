// Logging one-to-one email from the add-in (docs/product.md §6): `/api/v1/logged-emails`, and downloads of the
// logged attachments, `/api/v1/attachments/{id}`.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { AppContext } from '../app.js';
import type { Schema } from '../../db/schema.js';
import { notFound } from '../../errors.js';
import type { Page } from '../../../shared/api.js';
import { MAX_EMAIL_JSON_BYTES } from '../../logging/input.js';
import { logEmail } from '../../logging/log-email.js';
import { receiveLoggedEmail } from '../../logging/upload.js';
import { readBlob } from '../../store/blobs.js';
import type { InferredOpen } from '../../tracking/recorder.js';
import {
  attachmentRef,
  attachmentsOf,
  contactsOf,
  findLoggedEmailByMessageId,
  getAttachment,
  getLoggedEmail,
  inMessageOrder,
  skippedOf,
  type LoggedEmailRow,
} from '../../store/logged-emails.js';

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** GET /api/v1/logged-emails/{id}: the copy, where it was filed and what was left off. */
async function loggedEmailView(db: Kysely<Schema>, row: LoggedEmailRow) {
  const [contacts, attachments] = await Promise.all([contactsOf(db, row.account_id, row.id), attachmentsOf(db, row.account_id, [row.id])]);
  return {
    id: row.id,
    internetMessageId: row.internet_message_id,
    trackingId: row.tracking_id,
    subject: row.subject,
    from: row.from_address,
    to: JSON.parse(row.to_addresses) as string[],
    cc: JSON.parse(row.cc_addresses) as string[],
    bcc: JSON.parse(row.bcc_addresses) as string[],
    html: row.html,
    text: row.text,
    sentAt: new Date(Number(row.sent_at)).toISOString(),
    loggedAt: new Date(Number(row.created_at)).toISOString(),
    loggedBy: row.user_id,
    contacts: inMessageOrder(row, contacts).map(({ id, email, name }) => ({ id, email, name })),
    skipped: skippedOf(row),
    attachments: attachments.get(row.id)!.map(attachmentRef),
  };
}

/** `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266), safe for any stored name. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export default async function loggedEmails(fastify: FastifyInstance, ctx: AppContext) {
  // Only this plugin's routes parse multipart; limits are per request (logging/upload.ts).
  await fastify.register(multipart, { throwFileSizeLimit: false });
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /**
   * Logs a sent (or received) email: multipart with the `email` JSON field first and one file part
   * per attachment (50 MB in all). 201 with where it was filed; the same internetMessageId again
   * answers 200 with the first result and `duplicate: true`.
   */
  app.post('/api/v1/logged-emails', { bodyLimit: MAX_EMAIL_JSON_BYTES }, async (request, reply) => {
    const { accountId, userId, email: userEmail } = request.principal;
    const upload = await receiveLoggedEmail(request, async (email) => !(await findLoggedEmailByMessageId(db, accountId, email.internetMessageId)));
    try {
      const deps = { database: ctx.database, erased: ctx.erased, inferOpen: (o: InferredOpen) => ctx.recorder.inferOpen(o), log: request.log };
      const result = await logEmail(deps, { accountId, userId, email: userEmail }, upload.email, upload.files);
      if (!result.duplicate) request.log.info({ loggedEmailId: result.id, contacts: result.contacts.length, attachments: result.attachments.length }, 'email logged');
      return reply.code(result.duplicate ? 200 : 201).send(result);
    } finally {
      await upload.cleanup();
    }
  });

  /** The logged email with this internet message id (`?internetMessageId=`, 0 or 1 results). */
  app.get(
    '/api/v1/logged-emails',
    { schema: { querystring: Type.Object({ internetMessageId: Type.String({ minLength: 1, maxLength: 998 }) }) } },
    async (request): Promise<Page<Awaited<ReturnType<typeof loggedEmailView>>>> => {
      const row = await findLoggedEmailByMessageId(db, request.principal.accountId, request.query.internetMessageId);
      return { results: row ? [await loggedEmailView(db, row)] : [] };
    },
  );

  /** One logged email of the account, with its contacts and attachments. */
  app.get('/api/v1/logged-emails/:id', { schema: { params: Id } }, async (request) => {
    const row = await getLoggedEmail(db, request.principal.accountId, request.params.id);
    if (!row) throw notFound(`Logged email ${request.params.id}`);
    return loggedEmailView(db, row);
  });

  /** Streams a logged attachment, byte for byte, to users of the owning account only. */
  app.get('/api/v1/attachments/:id', { schema: { params: Id } }, async (request, reply) => {
    const a = await getAttachment(db, request.principal.accountId, request.params.id);
    if (!a) throw notFound(`Attachment ${request.params.id}`);
    reply
      .header('Content-Type', a.content_type)
      .header('Content-Length', String(a.size))
      .header('Content-Disposition', contentDisposition(a.filename))
      // Stored content is the sender's, not ours: never render or sniff it in our origin.
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .header('Cache-Control', 'private, no-cache');
    return reply.send(Readable.from(readBlob(db, a.account_id, a.sha256)));
  });
}
