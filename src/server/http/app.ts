// The HTTP application: public routes (health, add-in files, tracking) and the authenticated API.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { maskUrl } from '../logger.js';
import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import { authenticate } from './auth.js';
import { installCors } from './cors.js';
import { clientError, frameworkError, guardedListener, installErrorHandlers } from './errors.js';
import { refuseUnstorable } from './storable.js';
import { setSecurityHeaders } from './security-headers.js';
import addinFiles from './routes/addin-files.js';
import health from './routes/health.js';
import users from './routes/users.js';
import smtpTokens from './routes/smtp-tokens.js';
import emailEvents from './routes/email-events.js';
import templates from './routes/templates.js';
import singleSend from './routes/single-send.js';
import contacts from './routes/contacts.js';
import loggedEmails from './routes/logged-emails.js';
import settings from './routes/settings.js';
import { installRateLimit } from './rate-limit.js';
import { trackerHandler } from './tracker.js';
import devMailbox from './routes/dev-mailbox.js';
import trackedEmails from './routes/tracked-emails.js';
import notifications from './routes/notifications.js';
import gdprDelete from './routes/gdpr-delete.js';
import type { ErasedAddresses } from '../lifecycle/erased.js';
// The web app's views of messages, suppressions, domains and activity (docs/product.md §10).
import messages from './routes/messages.js';
import suppressions from './routes/suppressions.js';
import domains from './routes/domains.js';
import serverInfo from './routes/server-info.js';
import activity from './routes/activity.js';
import webhooks from './routes/webhooks.js';
import publicAuth, { passwordChange } from './routes/auth.js';
import sessions from './routes/sessions.js';
import accessTokens from './routes/access-tokens.js';
import account from './routes/account.js';
import webApp from './routes/web-app.js';
import mailbox from './routes/mailbox.js';
import type { Acceptor } from '../queue/accept.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { TrackingUrls } from '../tracking/tracking-urls.js';
import type { HitRecorder } from '../tracking/recorder.js';
import type { Notifier } from '../notify/notifier.js';
import type { StreamGuard } from '../notify/stream-guard.js';
import type { ChangeFeed } from '../notify/changes.js';
import type { VapidKeys } from '../notify/vapid.js';
import type { MailboxSyncer } from '../mailbox/syncer.js';
import type { SecretBox } from '../mailbox/secret-box.js';

export interface AppContext {
  config: Config;
  database: Database;
  logger: Logger;
  addinDir: string;
  /** Takes messages into the outbound queue (single send, SMTP). */
  acceptor: Acceptor;
  /** Renders templates and tracks big bodies off the event loop, under hard limits. */
  sandbox: Sandbox;
  tracking: TrackingUrls;
  recorder: HitRecorder;
  notifier: Notifier;
  /** Ends live feeds whose credential was revoked. */
  streams: StreamGuard;
  /** Applies a change (settings, revoked credentials) here and in every other process. */
  changes: ChangeFeed;
  vapid: VapidKeys;
  /** Recognises erased addresses (lifecycle/erased.ts). */
  erased: ErasedAddresses;
  /** Sends the webhook outbox; woken when a route queued something. */
  webhooks?: { wake(): void };
  /** Connected mailboxes: the secrets' encryption and this process's sync (told when one is saved). */
  mailboxes: { box: SecretBox; syncer: MailboxSyncer };
  /** True once shutdown has begun. */
  draining: () => boolean;
}

// One line per request, when it completes. Tracking hits and health checks are frequent and say
// little, so they log at debug.
const QUIET = /^\/(t\/|health)/;

class RequestLog extends LogController {
  incomingRequest() {}
  requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply) {
    const line = { method: request.method, url: loggedUrl(request), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (QUIET.test(request.url)) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}

/** A route that takes a credential in its query (`queryToken`) logs its path alone: masking is the
 * second line of defence there, not the only one. Every other URL is logged masked. */
function loggedUrl(request: FastifyRequest): string {
  if (request.routeOptions.config?.queryToken) return maskUrl(request.url.split(/[?#]/)[0]);
  return maskUrl(request.url);
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Both listeners' request handler: the app's answer, with the security headers set first. */
export type App = FastifyInstance & { handle: Handler };

export async function buildApp(ctx: AppContext): Promise<App> {
  const tracker = trackerHandler({ signer: ctx.tracking.signer, recorder: ctx.recorder, trustProxy: ctx.config.trustProxy });
  // The tracker answers its URLs before Fastify (with its own constant headers); everything else
  // goes on to the app, with the security headers set first.
  const secured = (routing: Handler): Handler => (req, res) => {
    setSecurityHeaders(req, res);
    routing(req, res);
  };
  const app = Fastify({
    // Neither the tracker nor a route can end the process by throwing (errors.ts guardedListener).
    serverFactory: (routing) => http.createServer(guardedListener(tracker, secured(routing), ctx.logger as FastifyBaseLogger)),
    loggerInstance: ctx.logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logController: new RequestLog({ requestIdLogLabel: 'correlationId' }),
    // One hop, the load balancer: the client is the address it appended (the last X-Forwarded-For
    // entry), never what the client wrote before it.
    trustProxy: ctx.config.trustProxy ? (_address: string, hop: number) => hop === 0 : false,
    // Click tokens carry their destination URL, so path parameters can be long.
    routerOptions: { maxParamLength: 8192 },
    // Idle keep-alive sockets are closed at shutdown; busy ones finish their request first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  });
  installErrorHandlers(app);
  installCors(app);
  app.addHook('onSend', async (request, reply) => {
    // What a successful write answered is on disk before the answer leaves (one shared sync).
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300) await ctx.database.sync();
    reply.header('X-Correlation-Id', request.id);
    // While draining, tell keep-alive clients to reconnect (to another process) for the next request.
    if (ctx.draining()) reply.header('Connection', 'close');
  });

  await app.register(health, ctx);
  if (!ctx.config.relayUrl) await app.register(devMailbox, ctx);
  await app.register(addinFiles, ctx);
  await app.register(webApp, ctx);
  await app.register(publicAuth, ctx);
  await app.register(async (api) => {
    api.addHook('onRequest', authenticate(ctx.database.db, ctx.config));
    installRateLimit(api, ctx);
    api.addHook('preHandler', refuseUnstorable);
    await api.register(users, ctx);
    await api.register(smtpTokens, ctx);
    await api.register(emailEvents, ctx);
    await api.register(templates, ctx);
    await api.register(singleSend, ctx);
    await api.register(contacts, ctx);
    await api.register(loggedEmails, ctx);
    await api.register(settings, ctx);
    await api.register(trackedEmails, ctx);
    await api.register(notifications, ctx);
    await api.register(gdprDelete, ctx);
    await api.register(messages, ctx);
    await api.register(suppressions, ctx);
    await api.register(domains, ctx);
    await api.register(serverInfo, ctx);
    await api.register(activity, ctx);
    await api.register(webhooks, ctx);
    await api.register(passwordChange, ctx);
    await api.register(sessions, ctx);
    await api.register(accessTokens, ctx);
    await api.register(account, ctx);
    await api.register(mailbox, ctx);
  }, ctx);
  return Object.assign(app as unknown as FastifyInstance, { handle: guardedListener(tracker, secured((req, res) => app.routing(req, res)), ctx.logger as FastifyBaseLogger) });
}
