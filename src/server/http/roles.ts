// Who may call admin routes. Roles arrive with the sign-in work (docs/product.md §9); until then every
// authenticated principal passes. This file is replaced when roles are merged.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** preHandler for admin-only routes. */
export async function adminOnly(_request: FastifyRequest, _reply: FastifyReply): Promise<void> {}
