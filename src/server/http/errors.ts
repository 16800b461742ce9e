// Every error answers in HubSpot's shape (docs/product.md §3), with the request's correlationId, which is
// also on every log line of that request. The errors themselves are defined in ../errors.ts; this file
// only turns them (and the framework's and Node's own refusals) into responses.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorDetail } from '../errors.js';
import { maskUrl } from '../logger.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { sendHtmlNotFound, wantsHtml } from './html-pages.js';

export function errorBody(request: FastifyRequest, e: ApiError) {
  return {
    status: 'error',
    category: e.category,
    message: e.message,
    correlationId: request.id,
    ...(e.errors.length ? { errors: e.errors } : {}),
    ...e.extra,
  };
}

/** A schema-validation failure: ajv's, or TypeBox's (routes that check bodies without coercion), which has the same shape. */
interface AjvError {
  instancePath: string;
  schemaPath?: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns schema-validation failures into `errors[]` entries naming the field. */
function validationDetails(errors: AjvError[], context: string | undefined): ErrorDetail[] {
  // TypeBox reports an unknown field twice: at the field ("schema is false") and as a list on its object; the first names it.
  return errors.filter((e) => !Array.isArray(e.params.additionalProperties)).map((e) => {
    const base = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
    const missing = typeof e.params.missingProperty === 'string' ? e.params.missingProperty : undefined;
    const extra = typeof e.params.additionalProperty === 'string' ? e.params.additionalProperty : undefined;
    const field = [base, missing ?? extra].filter(Boolean).join('.') || context || 'body';
    let message = `${field} ${e.message ?? 'is invalid'}`;
    if (missing) message = `${field} is required`;
    else if (extra || e.schemaPath?.endsWith('/additionalProperties')) message = `${field} is not a known field`;
    else if (Array.isArray(e.params.allowedValues)) message = `${field} must be one of ${e.params.allowedValues.join(', ')}`;
    return { message, in: field };
  });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { validation?: AjvError[]; validationContext?: string }, request, reply) => {
    const e = toApiError(err);
    if (e.statusCode >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ category: e.category, message: e.message }, 'request refused');
    void send(reply, request, e);
  });
  app.setNotFoundHandler((request, reply) => {
    if (wantsHtml(request)) return void sendHtmlNotFound(reply);
    void send(reply, request, new ApiError(404, 'OBJECT_NOT_FOUND', `There is no ${request.method} ${request.url.split('?')[0]}; see the README for the API.`));
  });
}

/**
 * Fastify's router answers a malformed escape (`/api/v1/users/%`) or an over-long path parameter on
 * its own, before any handler: `frameworkErrors` brings those answers into the same shape.
 */
export function frameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e = toApiError(err);
  request.log.info({ category: e.category, message: e.message }, 'request refused');
  void send(reply.header('X-Correlation-Id', request.id), request, e);
}

/** The security headers as header lines, for the answers written on the raw socket. */
const SECURITY_LINES = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (a URL and headers over 16 KB,
 * bytes that are not HTTP): `clientErrorHandler` answers those in the shape too, on the raw socket.
 */
export function clientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431 ? 'The URL and headers are too large (16 KB at most); send a shorter query.' : status === 408 ? 'The request took too long to arrive; send it again.' : 'The request is not valid HTTP.';
  const correlationId = randomUUID();
  const body = JSON.stringify({ status: 'error', category: 'VALIDATION_ERROR', message, correlationId });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `${SECURITY_LINES}X-Correlation-Id: ${correlationId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

const INTERNAL_MESSAGE = 'Something went wrong on our side. Retry; if it keeps happening, report the correlationId.';

/**
 * The one listener of the HTTP and HTTPS servers: the tracker's raw answers first, then Fastify.
 * Both run inside Node's `request` event, where a throw is an uncaught exception that ends the
 * process — every account's HTTP and SMTP at once. A throw ends here instead: it is logged and
 * answered 500 in the error shape (or the connection is cut, when the answer had already begun).
 */
export function guardedListener(
  tracker: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
  routing: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  logger: FastifyBaseLogger,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    try {
      if (!tracker(req, res)) routing(req, res);
    } catch (err) {
      internalError(req, res, err, logger);
    }
  };
}

/** Answers a request whose handler threw outside Fastify: logged, then 500 in the error shape. */
export function internalError(req: http.IncomingMessage, res: http.ServerResponse, err: unknown, logger: FastifyBaseLogger): void {
  const correlationId = randomUUID();
  logger.error({ correlationId, err, method: req.method, url: maskUrl(req.url ?? '') }, 'request failed');
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ status: 'error', category: 'INTERNAL_ERROR', message: INTERNAL_MESSAGE, correlationId });
  try {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res
      .writeHead(500, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Correlation-Id': correlationId, 'Cache-Control': 'no-store', ...SECURITY_HEADERS })
      .end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.destroy();
  }
}

function send(reply: FastifyReply, request: FastifyRequest, e: ApiError) {
  dropUnsendableHeaders(reply);
  if (e.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer');
  return reply.code(e.statusCode).type('application/json; charset=utf-8').send(errorBody(request, e));
}

/**
 * A handler may have set headers before it failed. One Node refuses to send (a character above
 * U+00FF, a line break) would make this answer throw too, and Fastify would then answer in its own
 * shape; an attachment's Content-Disposition does not describe an error body. Both go.
 */
function dropUnsendableHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined) continue;
    try {
      for (const v of Array.isArray(value) ? value : [value]) http.validateHeaderValue(name, String(v));
      if (name === 'content-disposition') reply.removeHeader(name);
    } catch {
      reply.removeHeader(name);
    }
  }
}

function toApiError(err: FastifyError & { validation?: AjvError[]; validationContext?: string }): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation) {
    const errors = validationDetails(err.validation, err.validationContext);
    return new ApiError(400, 'VALIDATION_ERROR', errors.map((d) => d.message).join('; '), errors);
  }
  const status = err.statusCode ?? 500;
  if (status === 413) return new ApiError(413, 'VALIDATION_ERROR', 'The request body is too large; send a smaller body.');
  if (status === 415) return new ApiError(415, 'VALIDATION_ERROR', `${err.message}; send Content-Type: application/json.`);
  if (status >= 400 && status < 500) return new ApiError(status, 'VALIDATION_ERROR', err.message.replace(/^Body cannot be empty.*$/, 'The request needs a JSON body.'));
  if (status === 503) return new ApiError(503, 'SERVICE_UNAVAILABLE', 'The service is unavailable for a moment; retry shortly.');
  return new ApiError(500, 'INTERNAL_ERROR', INTERNAL_MESSAGE);
}
