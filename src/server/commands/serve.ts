// `mailbeacon serve`: runs until SIGTERM or SIGINT, then shuts down gracefully.
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { startService } from '../service.js';

const SHUTDOWN_LIMIT_MS = 60_000;

export async function serve(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  let service;
  try {
    service = await startService(config, logger);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ' Another process uses that port: stop it or choose another port (PORT, HTTPS_PORT, SMTP_PORT).' : '';
    logger.fatal({ err }, 'could not start');
    logger.flush();
    process.stderr.write(`mailbeacon: could not start: ${e.message}.${hint}\n`);
    return 1;
  }
  const started = service;
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      const force = setTimeout(() => {
        logger.error({ signal }, 'shutdown took too long; exiting with work unfinished');
        logger.flush();
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS);
      force.unref();
      started.stop(signal).then(
        () => {
          logger.flush();
          resolve(0);
        },
        (err) => {
          logger.error({ err }, 'shutdown failed');
          logger.flush();
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
