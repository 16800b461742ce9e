// Structured JSON logs on stdout. Credentials never reach a log line: headers are not logged, and
// the `access_token` query parameter (EventSource cannot send headers) is masked in every URL.
import pino, { type Logger } from 'pino';

export type { Logger };

const SECRET_PARAMS = /([?&](?:access_token|token|password)=)[^&#]*/gi;

export function maskUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1***');
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        // Header objects too, at any depth libraries log them: @fastify/multipart logs its busboy
        // options at trace level, request headers (the Bearer token) included.
        paths: [
          'password',
          'accessToken',
          'authorization',
          '*.password',
          '*.accessToken',
          '*.authorization',
          'headers.authorization',
          '*.headers.authorization',
          '*.*.headers.authorization',
          'req.headers.authorization',
        ],
        censor: '***',
      },
      serializers: {
        err: pino.stdSerializers.err,
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: maskUrl(req.url), ip: req.ip }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
