// Who may call account-wide actions (erasure, retention). Roles arrive with the sign-in work; until
// then every authenticated principal passes, and this is the one place that will check `admin`.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Lets only the account's admins through (for now: every authenticated principal). */
export async function adminOnly(_request: FastifyRequest, _reply: FastifyReply): Promise<void> {}
