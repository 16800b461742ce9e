// The running server: database, HTTP and HTTPS, SMTP. Started by `mailbeacon serve`, stopped in
// reverse order so that nothing accepted is dropped: stop taking work, finish what is in flight,
// then close the database.
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { type Database, migrate, openDatabase } from './db/index.js';
import { buildApp } from './http/app.js';
import { clientError } from './http/errors.js';
import type { Logger } from './logger.js';
import { ADDIN_DIST } from './paths.js';
import { listenSmtp, type SmtpListener } from './smtp/server.js';
import { smtpRules } from './smtp/rules.js';
import { LoginThrottle } from './security/login-throttle.js';
import { loadCertificate } from './tls/certificate.js';
import { acceptor as makeAcceptor, type Acceptor } from './queue/accept.js';
import { BackgroundThread } from './background/thread.js';
import { describeRelay } from './queue/relay.js';
import { loadTrackingKeys } from './tracking/keys.js';
import { TrackingUrls } from './tracking/tracking-urls.js';
import { HitRecorder } from './tracking/recorder.js';
import { Notifier } from './notify/notifier.js';
import { PushSender } from './notify/push.js';
import { loadVapidKeys } from './notify/vapid.js';
import { type Change, ChangeFeed } from './notify/changes.js';
import { PgListener } from './notify/pg-listener.js';
import { StreamGuard } from './notify/stream-guard.js';

/** What a change (notify/changes.ts) does in this process: every copy it concerns is dropped or re-checked. */
async function applyChange(change: Change, to: { tracking: TrackingUrls; worker: BackgroundThread; streams: StreamGuard }): Promise<void> {
  if (change.type !== 'credential-revoked') to.worker.changed(change); // the thread keeps no credentials
  if (change.type === 'settings-changed') to.tracking.forget(change.accountId);
  if (change.type === 'resync') to.tracking.forget();
  await to.streams.changed(change);
}
import { Sandbox } from './sandbox/sandbox.js';
import { ErasedAddresses } from './lifecycle/erased.js';
import { RetentionSweeper } from './lifecycle/retention.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { DigestScheduler } from './webhooks/digest.js';
import { SecretBox } from './mailbox/secret-box.js';
import { MailboxSyncer } from './mailbox/syncer.js';
import { ReminderSweeper } from './mailbox/reminders.js';

export interface Service {
  http: FastifyInstance;
  database: Database;
  acceptor: Acceptor;
  ports: { http: number; https: number; smtp: number };
  stop(reason: string): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<Service> {
  const started = Date.now();
  let draining = false;
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    durableCommits: false, // answers wait for database.sync() instead, off the event loop
    onError: (err) => logger.warn({ err }, 'database connection lost; it will be reopened on next use'),
  });
  const applied = await migrate(database);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  const tls = await loadCertificate(config);
  if (tls.generated) logger.info({ certFile: tls.certFile }, 'generated a self-signed development certificate');

  const journalDir = path.join(config.dataDir, 'journal');
  const trackingKeys = await loadTrackingKeys(database.db, config.trackingKeys);
  const tracking = new TrackingUrls(database.db, trackingKeys, config.publicUrl);
  // Template rendering and big-body tracking run in child processes with hard limits (sandbox/entry.ts,
  // a file of its own in the bundle); the first one warms up while the rest starts.
  const sandbox = Sandbox.start(new URL('./sandbox.js', import.meta.url), trackingKeys, logger.child({ component: 'sandbox' }));
  const vapid = await loadVapidKeys(database.db, config.dataDir);
  const notifyLogger = logger.child({ component: 'notify' });
  const notifier = new Notifier(database, notifyLogger, new PushSender(database.db, vapid, logger.child({ component: 'push' })));
  // Relaying and storing hits happen on a thread of their own (background/entry.ts, a file of its
  // own in the bundle).
  const worker = await BackgroundThread.start(new URL('./background.js', import.meta.url), config, config.relayPoolSize * 2, logger);
  const streams = new StreamGuard(database.db, notifier.hub, notifyLogger);
  const changes = new ChangeFeed(database, notifyLogger);
  changes.on((change) => applyChange(change, { tracking, worker, streams }));
  // On PostgreSQL, one connection LISTENs for the other processes' notifications and changes.
  const listener = database.dialect === 'postgres' && config.databaseUrl ? new PgListener(config.databaseUrl, notifyLogger) : undefined;
  await notifier.start(listener);
  await changes.start(listener);
  await listener?.start();
  streams.start();
  const recorder = new HitRecorder({
    sink: worker,
    logger: logger.child({ component: 'tracking' }),
    journalDir,
    onNotifications: (items) => notifier.published(items),
  });
  await recorder.start();
  const erased = await ErasedAddresses.load(database.db);
  const acceptor = makeAcceptor(database, config.queue, worker, erased);
  // Connected mailboxes sync in this process (IMAP waits on sockets; logging, the recorder and the
  // notifier are here); reminders are swept here too.
  const mailboxLogger = logger.child({ component: 'mailbox' });
  const box = await SecretBox.load(database.db, config.secretKey);
  const published = (items: Parameters<typeof notifier.published>[0]) => notifier.published(items);
  const syncer = new MailboxSyncer({ database, box, erased, timing: config.mailbox, logger: mailboxLogger, inferOpen: (o) => recorder.inferOpen(o), published });
  const reminders = new ReminderSweeper({ database, logger: mailboxLogger, everyMs: config.mailbox.reminderCheck, now: () => Date.now() + config.mailbox.clockOffset, published });

  const hostname = os.hostname();
  const proxyProtocol = config.smtpProxyProtocol;
  const rules = smtpRules({
    db: database.db,
    acceptor,
    logger: logger.child({ component: 'smtp' }),
    hostname,
    maxBytes: config.smtpMaxBytes,
    throttle: new LoginThrottle(database),
    behindProxy: proxyProtocol !== false,
  });
  const smtp: SmtpListener[] = [];
  const listen = (port: number, implicitTls: boolean) =>
    listenSmtp({ host: config.smtpHost, port, cert: tls.cert, key: tls.key, hostname, logger, options: rules, implicitTls, proxyProtocol });
  smtp.push(await listen(config.smtpPort, false));
  if (config.smtpTlsPort) smtp.push(await listen(config.smtpTlsPort, true));

  // Webhooks and channel posts go out from this thread (webhooks/dispatcher.ts says why).
  const webhooks = new WebhookDispatcher({ database, config: config.webhooks, publicUrl: config.publicUrl, logger: logger.child({ component: 'webhooks' }) });
  webhooks.start();
  const digests = new DigestScheduler({ database, acceptor, config: config.webhooks, publicUrl: config.publicUrl, logger: logger.child({ component: 'digest' }) });
  digests.start();
  const app = await buildApp({ config, database, logger, addinDir: ADDIN_DIST, acceptor, sandbox, tracking, recorder, notifier, streams, changes, vapid, erased, webhooks, mailboxes: { box, syncer }, draining: () => draining });
  await app.listen({ port: config.port, host: config.host });
  await app.ready();
  const httpsServer = https.createServer({ cert: tls.cert, key: tls.key }, app.handle);
  httpsServer.on('clientError', clientError); // the same answer as on HTTP, security headers included
  await new Promise<void>((resolve, reject) => {
    httpsServer.once('error', reject);
    httpsServer.listen(config.httpsPort, config.host, () => resolve());
  });

  const retention = new RetentionSweeper({ database, logger: logger.child({ component: 'retention' }), ...config.retention });
  retention.start();

  syncer.start();
  reminders.start();
  const ports = { http: config.port, https: config.httpsPort, smtp: smtp[0].port };
  logger.info({ ...ports, database: database.dialect, relay: describeRelay(config), ms: Date.now() - started }, 'mailbeacon is ready');

  return {
    http: app,
    database,
    acceptor,
    ports,
    async stop(reason: string) {
      if (draining) return;
      draining = true;
      logger.info({ reason }, 'shutting down: no new work is taken, work in flight is finished');
      // Keep-alive sockets that finish their request while we wait are closed as they turn idle,
      // rather than after the keep-alive timeout.
      const idle = setInterval(() => {
        app.server.closeIdleConnections();
        httpsServer.closeIdleConnections();
      }, 50);
      const closeHttps = new Promise<void>((resolve) => httpsServer.close(() => resolve()));
      notifier.hub.closeAll(); // live feeds end; their clients resume elsewhere with Last-Event-ID
      await Promise.all([...smtp.map((s) => s.close()), app.close(), closeHttps]);
      clearInterval(idle);
      await sandbox.close(); // no request is left that could need it
      await digests.stop(); // before the queue stops taking mail
      await reminders.stop(); // the reminder being fired is published before the notifier stops
      await syncer.stop(); // leases released: another process takes the mailboxes over at once
      // Everything accepted and every hit answered is stored by now; relays in flight finish.
      await retention.stop();
      await recorder.stop();
      await worker.stop();
      await webhooks.stop(); // requests in flight end within the webhook timeout
      changes.stop();
      streams.stop();
      notifier.stop();
      await listener?.stop();
      await database.close();
      logger.info('shutdown complete');
    },
  };
}
