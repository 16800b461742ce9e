// The user's connected mailbox (docs/product.md, Connected mailbox): `/api/v1/mailbox`. Saving logs in
// first, so a wrong password is answered at once in the server's own words; the secret is stored
// encrypted and never answered.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { ApiError, invalid, notFound } from '../../errors.js';
import type { MailboxView } from '../../../shared/api.js';
import { checkLogin, serverWords } from '../../mailbox/imap.js';
import { deleteMailbox, getMailbox, saveMailbox, type MailboxRow } from '../../store/mailboxes.js';

const MailboxInput = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    security: Type.Union([Type.Literal('tls'), Type.Literal('starttls')]),
    username: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    accessToken: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    sentFolder: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    inboxFolder: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);

function view(row: MailboxRow): MailboxView {
  return {
    host: row.host,
    port: Number(row.port),
    security: row.security,
    username: row.username,
    status: row.status,
    ...(row.last_error ? { lastError: row.last_error } : {}),
    ...(row.last_sync_at !== null ? { lastSyncAt: new Date(Number(row.last_sync_at)).toISOString() } : {}),
    sentFolder: row.sent_folder,
    inboxFolder: row.inbox_folder,
  };
}

export default async function mailbox(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;
  const owner = (p: { accountId: string; userId: string }) => ({ accountId: p.accountId, userId: p.userId });
  /**
   * Users whose login check is under way here: one at a time each. Every check is a connection to
   * their mail server, and a double click or a client retrying opened one per request (30 at once in
   * a test; Gmail refuses a user's 16th), each held for 15 s by a server that never answers.
   */
  const checking = new Set<string>();

  /** Connects (or replaces) the user's mailbox after a successful login; 422 MAILBOX_LOGIN_FAILED otherwise, 409 while another check of theirs runs. */
  app.put('/api/v1/mailbox', { schema: { body: MailboxInput } }, async (request) => {
    const b = request.body;
    if (!b.password === !b.accessToken) throw invalid('Send either password (or an app password) or accessToken (OAuth, XOAUTH2), not both and not neither.', b.password ? 'accessToken' : 'password');
    // IMAP sends these as quoted strings, which cannot hold a line break: say so, rather than let the
    // client library refuse it and answer as if the mail server had (a pasted value may end in one).
    for (const field of ['username', 'password', 'accessToken', 'sentFolder', 'inboxFolder'] as const) {
      if (/[\r\n]/.test(b[field] ?? '')) throw invalid(`${field} contains a line break, which IMAP cannot send; remove it (a pasted value can end in one).`, field);
    }
    const target = { host: b.host, port: b.port, security: b.security, username: b.username, auth: b.accessToken ? ('xoauth2' as const) : ('password' as const), secret: (b.accessToken ?? b.password)! };
    const user = request.principal.userId;
    if (checking.has(user)) throw new ApiError(409, 'CONFLICT', 'Your mailbox is being checked already (another Test and save is under way); wait for its answer, then try again if you need to.');
    checking.add(user);
    let found: Awaited<ReturnType<typeof checkLogin>>;
    try {
      found = await checkLogin(target, { tlsCa: ctx.config.mailbox.tlsCa, allowPrivate: ctx.config.mailbox.allowPrivate });
    } catch (err) {
      if (err instanceof ApiError) throw err; // the host itself was refused
      const check = target.auth === 'xoauth2' ? 'username and access token (a new one if it expired)' : 'username and password (or app password)';
      throw new ApiError(422, 'MAILBOX_LOGIN_FAILED', `The mail server did not let us in: ${serverWords(err)}. Check the host, port, security, ${check}.`);
    } finally {
      checking.delete(user);
    }
    const sentFolder = b.sentFolder ?? found.sentFolder ?? 'Sent';
    const inboxFolder = b.inboxFolder ?? 'INBOX';
    for (const [name, folder] of [['sentFolder', sentFolder], ['inboxFolder', inboxFolder]] as const) {
      if (folder !== 'INBOX' && !found.folders.includes(folder)) throw invalid(`${name} ${JSON.stringify(folder)} is not a folder of this mailbox; it has ${found.folders.slice(0, 20).map((f) => JSON.stringify(f)).join(', ')}.`, name);
    }
    await saveMailbox(db, owner(request.principal), { ...target, secret: ctx.mailboxes.box.seal(target.secret), sentFolder, inboxFolder });
    ctx.mailboxes.syncer.poke();
    request.log.info({ host: b.host, auth: target.auth }, 'mailbox connected');
    return view((await getMailbox(db, owner(request.principal)))!);
  });

  /** The connected mailbox and how its sync is doing (never the secret). */
  app.get('/api/v1/mailbox', async (request) => {
    const row = await getMailbox(db, owner(request.principal));
    if (!row) throw notFound('Connected mailbox');
    return view(row);
  });

  /** Disconnects the mailbox and forgets its secret; what was logged stays. */
  app.delete('/api/v1/mailbox', async (request, reply) => {
    if (!(await deleteMailbox(db, owner(request.principal)))) throw notFound('Connected mailbox');
    return reply.code(204).send();
  });
}
