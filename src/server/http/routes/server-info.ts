// What people need to point their tools at this server (docs/product.md §10): the SMTP host and ports
// for the web app's token dialog, and the add-in manifest URL for the first-run checklist.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import type { ServerInfo } from '../../../shared/api.js';

export default async function serverInfo(app: FastifyInstance, ctx: AppContext) {
  const { config } = ctx;
  /** The SMTP host and ports, the add-in manifest URL and the public URL. */
  app.get('/api/v1/server', async (): Promise<ServerInfo> => ({
    smtp: { host: new URL(config.publicUrl).hostname, port: config.smtpPort, tlsPort: config.smtpTlsPort ?? null },
    addin: { manifestUrl: `${config.addinUrl}/manifest.xml` },
    publicUrl: config.publicUrl,
  }));
}
