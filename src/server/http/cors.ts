// The add-in calls the API from its own origin (and its event runtime from Outlook's), with a Bearer
// header and never cookies, so any origin may call; preflights are answered here.
import type { FastifyInstance } from 'fastify';

const API_PREFIXES = ['/api/', '/marketing/', '/email/'];

export function installCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!API_PREFIXES.some((p) => request.url.startsWith(p))) return;
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Access-Control-Expose-Headers', 'Retry-After, X-Correlation-Id');
    if (request.method === 'OPTIONS') {
      reply
        .header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, Last-Event-ID')
        .header('Access-Control-Max-Age', '86400')
        .code(204)
        .send();
      return reply;
    }
  });
}
