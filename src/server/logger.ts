// Structured JSON logs on stdout. Credentials never reach a log line: headers are not logged, and
// query parameters that carry one (`access_token`: EventSource cannot send headers) are masked in
// every URL, however the client spelled them.
import pino, { type Logger } from 'pino';

export type { Logger };

/** A parameter name (or value) that says it carries a credential, once decoded and lower-cased;
 * or an access token's `mb_<id>_` prefix under any name. Masking too much costs nothing. */
const CREDENTIAL = /token|passw|secret|auth|key|credential|mb_[a-z0-9]{16}_/;
/** Where a parameter may start: the router starts the query at `?` or `#`; `;` is a separator to some
 * parsers, and a parameter hidden behind one must not escape masking either. */
const PARAM = /(?:^|[?#&;])([^?#&;=]*)=/g;
/** An access token's secret part anywhere else (the path): the id before it is not secret. */
const TOKEN_SECRET = /(mb_[a-z0-9]{16}_)[A-Za-z0-9_-]+/g;

/** Percent-decoded until nothing changes (so `%255F` is `_` too) and `+` read as a space, the way
 * the query parser reads names; escapes that are not valid stay as written. */
function decoded(s: string): string {
  let out = s.replace(/\+/g, ' ');
  for (let next = unescapeOnce(out); next !== out; next = unescapeOnce(out)) out = next;
  return out;
}

const unescapeOnce = (s: string) => s.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/**
 * The URL as it may be logged: the value of every parameter whose decoded name or value mentions a
 * credential is `***`, up to the next `&` (the query parser's only separator, so whatever the parser
 * would read as that value is covered), and an access token anywhere keeps only its id.
 */
export function maskUrl(url: string): string {
  let out = '';
  let from = 0;
  for (const m of url.matchAll(PARAM)) {
    const start = m.index + m[0].length;
    if (start <= from) continue; // inside a value already masked
    const amp = url.indexOf('&', start);
    const end = amp === -1 ? url.length : amp;
    if (!CREDENTIAL.test(decoded(m[1] + '=' + url.slice(start, end)).toLowerCase())) continue;
    out += url.slice(from, start) + '***';
    from = end;
  }
  return (out + url.slice(from)).replace(TOKEN_SECRET, '$1***');
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
