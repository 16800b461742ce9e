// The web app (docs/product.md, "The web app"): one page, app.html, for `/app` and every `/app/*` path
// — the app routes in the browser — and `/` sends browsers there. `/app/addin-login` is the same app
// in the page the add-in opens as an Office dialog: it loads Office.js and Outlook may frame it.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app.js';
import { ApiError } from '../../errors.js';
import { allowFraming } from '../security-headers.js';

export default async function webApp(app: FastifyInstance, ctx: AppContext) {
  const builtFile = (reply: FastifyReply, file: string, type: string) => {
    const full = path.join(ctx.addinDir, file);
    if (!fs.existsSync(full)) throw new ApiError(404, 'OBJECT_NOT_FOUND', 'The web app has not been built; run `npm run build` and restart.');
    return reply.type(type).header('Cache-Control', 'no-cache').send(fs.createReadStream(full));
  };
  const page = (file: string) => (reply: FastifyReply) => builtFile(reply, file, 'text/html; charset=utf-8');
  const appPage = page('app.html');
  const dialogPage = page('addin-login.html');

  /** The root: the web app. */
  app.get('/', (_request, reply) => reply.redirect('/app', 302));
  /** The web app's page; the app itself routes, and shows its own "not found" for unknown paths. */
  app.get('/app', (_request, reply) => appPage(reply));
  app.get('/app/*', (_request, reply) => appPage(reply));
  /** The service worker and the web app manifest (docs/product.md §10: installable). The worker's URL
   * is under /app/, so its scope may be /app/ without `Service-Worker-Allowed`; a browser checks it for
   * updates on each visit, so it must not be cached. */
  app.get('/app/sw.js', (_request, reply) => builtFile(reply, 'sw.js', 'text/javascript; charset=utf-8'));
  app.get('/app/manifest.webmanifest', (_request, reply) => builtFile(reply, 'app.webmanifest', 'application/manifest+json'));
  /** The add-in's sign-in dialog: framable by Outlook, with Office.js allowed. */
  app.get('/app/addin-login', (_request, reply) => {
    allowFraming(reply.raw);
    return dialogPage(reply);
  });
}
