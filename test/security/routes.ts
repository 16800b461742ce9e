// Every route the HTTP app registers, read from the app itself (built in this process with a stub
// context: registering routes touches no database), so the suites that must cover every route fail
// when a new one appears that they do not know.
import pino from 'pino';
import { buildApp, type AppContext } from '../../src/server/http/app.js';

/** `METHOD /path/:param`, HEAD left out (Fastify adds one to every GET). */
export type RouteKey = string;

/** Routes anyone may call: health, the dev mailbox (loopback only) and the add-in's files. */
export const PUBLIC_ROUTES: RouteKey[] = [
  'GET /health',
  'GET /dev/mailbox',
  'GET /dev/mailbox/:name/html',
  'GET /dev/mailbox/:name/raw',
  'GET /taskpane.html',
  // The web app's page, and signing in: how one gets a credential (test/people covers them).
  'GET /',
  'GET /app',
  'GET /app*', // /app/* as Fastify's route tree prints it
  'GET /app/addin-login',
  // The installable app's service worker and manifest (test/app/installable.test.ts covers them).
  'GET /app/sw.js',
  'GET /app/manifest.webmanifest',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'GET /api/v1/auth/invitations/:token',
  'POST /api/v1/auth/invitations/:token/accept',
  'POST /api/v1/auth/password-reset',
  'GET /api/v1/auth/password-reset/:token',
  'POST /api/v1/auth/password-reset/:token',
];

/** Parses `printRoutes({ commonPrefix: false })`: one line per path node, children indented by 4. */
export function parseRouteTree(tree: string): RouteKey[] {
  const out: RouteKey[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2];
    stack.push(path);
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      if (method !== 'HEAD') out.push(`${method} ${path}`);
    }
  }
  return out.sort();
}

export async function registeredRoutes(): Promise<RouteKey[]> {
  const ctx = {
    config: { apiRateLimit: 5000, dataDir: '/nonexistent', trustProxy: false },
    database: { db: {}, dialect: 'sqlite' },
    logger: pino({ level: 'silent' }),
    addinDir: '/nonexistent',
    tracking: { signer: {} },
    draining: () => false,
  } as unknown as AppContext;
  const app = await buildApp(ctx);
  await app.ready();
  const routes = parseRouteTree(app.printRoutes({ commonPrefix: false }));
  await app.close();
  return routes;
}

/** The routes behind authentication (everything under the API prefixes but signing in). */
export const isApiRoute = (key: RouteKey) => /^\S+ \/(api|marketing|email|crm)\//.test(key) && !PUBLIC_ROUTES.includes(key);

/** Fills `:param`s from `values` (URL-encoded). */
export function pathOf(key: RouteKey, values: Record<string, string>): string {
  const path = key.slice(key.indexOf(' ') + 1);
  return path.replace(/:(\w+)/g, (_, name: string) => {
    if (values[name] === undefined) throw new Error(`no value for :${name} in ${key}`);
    return encodeURIComponent(values[name]);
  });
}

export const methodOf = (key: RouteKey) => key.slice(0, key.indexOf(' '));
