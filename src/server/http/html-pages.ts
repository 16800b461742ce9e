// A browser that asks for a page we do not have gets a page, not the API's JSON error (docs/product.md,
// "People and sign-in"). Plain HTML with no script, under the page CSP every answer carries.
import type { FastifyReply, FastifyRequest } from 'fastify';

const API = /^\/(api|marketing|email)\//;

/** Whether the request is a browser navigating (it prefers HTML) rather than an API client. */
export function wantsHtml(request: FastifyRequest): boolean {
  if (API.test(request.url)) return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

export function sendHtmlNotFound(reply: FastifyReply): FastifyReply {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Page not found · Mailbeacon</title>
<style>body{margin:0;font:15px/1.5 "Segoe UI",system-ui,sans-serif;color:#242424;background:#fafafa;display:grid;place-items:center;min-height:100vh}
main{max-width:420px;padding:24px}h1{font-size:22px;margin:0 0 8px}a{color:#0f6cbd}
@media (prefers-color-scheme: dark){body{background:#1f1f1f;color:#f0f0f0}a{color:#479ef5}}</style></head>
<body><main><h1>Page not found</h1><p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
<p><a href="/app">Go to Mailbeacon</a></p></main></body></html>`;
  return reply.code(404).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(body);
}
