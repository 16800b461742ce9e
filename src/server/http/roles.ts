// Who may use admin routes. Roles arrive with the people and sign-in work (docs/product.md §9);
// until then every authenticated principal passes, and routes are already marked with `adminOnly`.
import type { preHandlerAsyncHookHandler } from 'fastify';

/** preHandler of routes that manage the account (webhooks, users, domains): admins only. */
export const adminOnly: preHandlerAsyncHookHandler = async () => {};
