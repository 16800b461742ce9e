// The built add-in (dist/) from the root: /taskpane.html, /commands.html, /manifest.xml, /assets/…
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../app.js';
import { ApiError } from '../../errors.js';

export default async function addinFiles(app: FastifyInstance, ctx: AppContext) {
  if (!fs.existsSync(ctx.addinDir)) {
    app.get('/taskpane.html', async () => {
      throw new ApiError(404, 'OBJECT_NOT_FOUND', 'The add-in has not been built; run `npm run build` and restart.');
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: ctx.addinDir,
    prefix: '/',
    index: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders(reply: { header(name: string, value: string): unknown }, file: string) {
      // Bundles carry a content hash in their names; pages and the manifest must always be fresh.
      const fresh = /\.(html|xml|json)$/.test(file) || file.includes('/assets/');
      reply.header('Cache-Control', fresh ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  /** The companion page: the live feed full width, with desktop notifications. */
  app.get('/notifications', (_request, reply) => reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(fs.createReadStream(`${ctx.addinDir}/notifications.html`)));
}
