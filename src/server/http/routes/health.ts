// GET /health: 200 once the server accepts work; 503 while it drains for shutdown.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { ApiError } from '../../errors.js';

export default async function health(app: FastifyInstance, ctx: AppContext) {
  /** Liveness and readiness for load balancers and for `npm start` users. */
  app.get('/health', async () => {
    if (ctx.draining()) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'This server is shutting down; send work to another one.');
    return { status: 'ok' };
  });
}
