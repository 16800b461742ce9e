// Builds the page harness (entry.tsx) with esbuild, split per page like the app, and serves it on a
// free port: every /app/... path answers the harness page, which talks to the real Mailbeacon server
// cross-origin with the test user's Bearer token (the API allows any origin for Bearer calls).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { freePort } from '../../helpers/ports.js';

export interface Harness {
  url: string;
  /** The build's folder and esbuild's account of it (which chunk imports which): the app benchmark reads them. */
  out: string;
  metafile: Metafile;
  close(): Promise<void>;
}

/** A plain HTML page of about the size of a page's content: the benchmark's baseline, from the same server. */
const STATIC = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Static</title></head><body><main><h1>Activity</h1>${'<p>Ann Lee opened <i>Pricing for Acme</i> · 3 min ago</p>'.repeat(20)}</main></body></html>`;

export async function startHarness(config: { backendUrl: string; accessToken: string; user: { id: string; email: string; name: string | null; role: 'admin' | 'member' } }): Promise<Harness> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-harness-'));
  const { metafile } = await build({
    // From the project root (tests and benchmarks run there; this file may be bundled elsewhere).
    entryPoints: [path.resolve('test/app/harness/entry.tsx')],
    metafile: true,
    bundle: true,
    splitting: true,
    format: 'esm',
    outdir: out,
    jsx: 'automatic',
    minify: true,
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Mailbeacon</title>
<style>body{margin:0;font-family:"Segoe UI",system-ui,sans-serif}</style></head>
<body><div id="root"></div><script type="application/json" id="harness-config">${JSON.stringify(config).replace(/</g, '\\u003c')}</script><script type="module" src="/harness/entry.js"></script></body></html>`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/harness/')) {
      const file = path.join(out, path.basename(url.pathname));
      if (!fs.existsSync(file)) {
        res.writeHead(404).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(fs.readFileSync(file));
      }
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(url.pathname === '/static.html' ? STATIC : html);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    out,
    metafile,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(out, { recursive: true, force: true });
    },
  };
}
