// The built add-in (dist/) from the root: /taskpane.html, /commands.html, /manifest.xml, /assets/…
// Source maps and build-info.json stay private unless SERVE_SOURCE_MAPS is on. Only the pages
// Outlook frames may be framed.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../app.js';
import { ApiError } from '../../errors.js';
import { allowFraming } from '../security-headers.js';

/** Built files that describe our code rather than run it. Matched on the decoded path @fastify/static
 * checks, and again on the file it finally picked, so no spelling of the URL gets around it. */
const PRIVATE = /(\.map|\/build-info\.json)$/i;

/**
 * The pages Outlook shows in its own frames (the manifest's task pane and function file). They send
 * no frame restriction: Microsoft publishes no list of the origins that frame add-ins (Outlook on the
 * web has moved domains, on-premises Exchange serves it from any host), so a `frame-ancestors` list
 * would break the add-in somewhere. Its guidance against clickjacking is to confirm sensitive actions
 * outside the frame ("Privacy and security for Office Add-ins").
 */
const FRAMED_BY_OUTLOOK = new Set(['taskpane.html', 'commands.html']);

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
    allowedPath: (pathname: string) => ctx.config.serveSourceMaps || !PRIVATE.test(pathname),
    setHeaders(reply: FastifyReply, file: string) {
      // Bundles carry a content hash in their names; pages and the manifest must always be fresh.
      const fresh = /\.(html|xml|json|webmanifest)$/.test(file) || file.includes('/assets/') || path.basename(file) === 'sw.js';
      reply.header('Cache-Control', fresh ? 'no-cache' : 'public, max-age=31536000, immutable');
      if (FRAMED_BY_OUTLOOK.has(path.relative(ctx.addinDir, file))) allowFraming(reply.raw);
    },
  });
  /** The old companion page's address: the web app's Activity page has the feed and desktop notifications now. */
  app.get('/notifications', (_request, reply) => reply.redirect('/app/activity', 301));
}
