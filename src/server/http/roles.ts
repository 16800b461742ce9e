// Admin-only routes: `{ preHandler: adminOnly }` on a route, or `api.addHook('preHandler', adminOnly)`
// in a plugin of admin routes. Members get 403 saying who can do it.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

export async function adminOnly(request: FastifyRequest): Promise<void> {
  if (request.principal?.role !== 'admin') {
    throw new ApiError(403, 'FORBIDDEN', "Only an admin of this account can do this; ask one of your account's admins (Settings → Users lists them).");
  }
}
