// The background thread (see thread.ts): its own database connection, relay, DKIM signer and
// tracking keys, running the DeliveryWorker with the deliveries the main thread hands over, and the
// HitStore with the hits the recorder sends. Hit calls run one after another, in the order sent.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/index.js';
import { createLogger } from '../logger.js';
import { copyPreparer } from '../queue/copy.js';
import { DkimSigner } from '../queue/dkim.js';
import { mailboxRelay, smtpRelay } from '../queue/relay.js';
import { DeliveryWorker } from '../queue/worker.js';
import { sendStatusHook } from '../send/status-hook.js';
import { TrackingUrls } from '../tracking/tracking-urls.js';
import { HitStore } from '../tracking/hit-store.js';
import { loadTrackingKeys } from '../tracking/keys.js';
import type { Change } from '../notify/changes.js';
import type { FromThread, HitCall, ThreadData, ToThread } from './thread.js';

/** How often the thread moves what the server committed from SQLite's WAL into the database file. */
const CHECKPOINT_EVERY_MS = 1000;

const port = parentPort!;
const { config, owner, concurrency } = workerData as ThreadData;
const send = (m: FromThread) => port.postMessage(m);

async function main() {
  const logger = createLogger(config.logLevel).child({ component: 'background' });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, durableCommits: false, poolSize: 4 });
  const tracking = new TrackingUrls(database.db, await loadTrackingKeys(database.db, config.trackingKeys), config.publicUrl);
  const relay = config.relayUrl ? smtpRelay(config.relayUrl, { poolSize: config.relayPoolSize, sourceIp: config.relaySourceIp }) : mailboxRelay(config.dataDir);
  const hits = new HitStore({ database });
  const dkim = new DkimSigner(database.db);
  let reported = -1;
  const worker = new DeliveryWorker({
    database,
    journalDir: path.join(config.dataDir, 'journal'),
    relay,
    logger: logger.child({ component: 'queue' }),
    timing: config.queue,
    concurrency,
    owner,
    prepare: copyPreparer({ dkim, tracking }),
    onSettled: sendStatusHook(database),
    // The main thread hands over only as many as the thread has room for.
    onLoad: (n) => {
      if (n !== reported) send({ type: 'load', inFlight: (reported = n) });
    },
  });
  await worker.start();

  // SQLite's checkpoints happen here, off the main thread (db/index.ts, SERVER_AUTOCHECKPOINT_PAGES).
  const checkpoints = setInterval(() => {
    try {
      database.passiveCheckpoint();
    } catch (err) {
      logger.warn({ err }, 'checkpoint failed; trying again in a second');
    }
  }, CHECKPOINT_EVERY_MS);

  // Settings the thread keeps copies of: the tracking domain (copies it relays), and what each hit is
  // classified and notified by (blocked IPs, notification choices, privacy).
  const forgetSettings = (change: Change) => {
    if (change.type === 'credential-revoked') return;
    if (change.type === 'domains-changed' || change.type === 'resync') dkim.forget();
    if (change.type === 'domains-changed') return;
    const accountId = change.type === 'settings-changed' ? change.accountId : undefined;
    tracking.forget(accountId);
    hits.forgetAccount(accountId);
  };

  let calls: Promise<void> = Promise.resolve();
  const run = (c: HitCall) => (c.op === 'storeJournal' ? hits.storeJournal(c.range) : c.op === 'selfViewed' ? hits.selfViewed(c.ref, c.at) : hits.inferOpen(c.open));
  const call = (id: number, c: HitCall) => {
    calls = calls.then(() =>
      run(c).then(
        (value) => send({ type: 'reply', id, value }),
        (err: Error) => send({ type: 'reply', id, error: err.message || String(err) }),
      ),
    );
  };

  port.on('message', (m: ToThread) => {
    if (m.type === 'take') worker.take(m.claimed);
    else if (m.type === 'wake') worker.wake();
    else if (m.type === 'change') forgetSettings(m.change);
    else if (m.type === 'forget-mail') calls = calls.then(() => hits.forget(m.ref)); // after the hits sent before it
    else if (m.type === 'call') call(m.id, m.call);
    else if (m.type === 'stop') {
      void (async () => {
        clearInterval(checkpoints);
        await calls;
        await worker.stop();
        await relay.close();
        await database.close();
        logger.flush();
        send({ type: 'stopped' });
      })();
    }
  });
  send({ type: 'ready' });
}

main().catch((err: Error) => send({ type: 'failed', message: err.message }));
