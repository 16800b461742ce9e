// The Fastify hook that refuses values no database column can hold (validation/storable.ts says which
// and why) in path parameters, query and JSON body, before any handler runs.
import type { FastifyRequest } from 'fastify';
import { invalid } from '../errors.js';
import { unstorable } from '../validation/storable.js';

/** preHandler hook (after validation and coercion): path parameters, query and JSON body hold only storable values. */
export async function refuseUnstorable(request: FastifyRequest): Promise<void> {
  for (const [where, value] of [['params', request.params], ['query', request.query], ['body', request.body]] as const) {
    const found = unstorable(value);
    if (found) throw invalid(`${found.path || where} ${found.why}.`, found.path || where);
  }
}
