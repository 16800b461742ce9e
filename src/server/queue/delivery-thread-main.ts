// The delivery thread (see delivery-thread.ts): its own database connection, relay, DKIM signer and
// tracking keys, running the DeliveryWorker and taking deliveries handed over by the main thread.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/index.js';
import { createLogger } from '../log.js';
import { sendStatusHook } from '../send/status-hook.js';
import { loadTrackingKeys } from '../tracking/keys.js';
import { TrackingContext } from '../tracking/context.js';
import { copyPreparer } from './copy.js';
import { DkimSigner } from './dkim.js';
import type { FromThread, ThreadData, ToThread } from './delivery-thread.js';
import { mailboxRelay, smtpRelay } from './relay.js';
import { DeliveryWorker } from './worker.js';

const port = parentPort!;
const { config, owner, concurrency } = workerData as ThreadData;
const send = (m: FromThread) => port.postMessage(m);

async function main() {
  const logger = createLogger(config.logLevel).child({ component: 'queue' });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, durableCommits: false, poolSize: 4 });
  const tracking = new TrackingContext(database.db, await loadTrackingKeys(database.db, config.trackingKeys), config.publicUrl);
  const relay = config.relayUrl ? smtpRelay(config.relayUrl, { poolSize: config.relayPoolSize, sourceIp: config.relaySourceIp }) : mailboxRelay(config.dataDir);
  let reported = -1;
  const worker = new DeliveryWorker({
    database,
    journalDir: path.join(config.dataDir, 'journal'),
    relay,
    logger,
    timing: config.queue,
    concurrency,
    owner,
    prepare: copyPreparer({ dkim: new DkimSigner(database.db), tracking }),
    onSettled: sendStatusHook(database),
    // The main thread hands over only as many as the thread has room for.
    onLoad: (n) => {
      if (n !== reported) send({ type: 'load', inFlight: (reported = n) });
    },
  });
  await worker.start();
  port.on('message', (m: ToThread) => {
    if (m.type === 'take') worker.take(m.claimed);
    else if (m.type === 'wake') worker.wake();
    else if (m.type === 'forget') tracking.forget(m.accountId);
    else if (m.type === 'stop') {
      void (async () => {
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
