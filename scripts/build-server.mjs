// Bundles the backend (src/server) into build/server/ with esbuild; node_modules stay external.
// Used by `npm run build` and by bin/mailbeacon.js when the bundle is missing or older than the source.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_OUT = path.join(ROOT, 'build', 'server');
const SOURCES = ['src/server', 'src/shared'].map((d) => path.join(ROOT, d));

export function newestMtime(paths) {
  let newest = 0;
  const walk = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach(walk);
  return newest;
}

export function serverIsStale() {
  const stamp = path.join(SERVER_OUT, 'main.js');
  if (!fs.existsSync(stamp)) return true;
  if (!fs.existsSync(SOURCES[0])) return false; // installed without sources: nothing to rebuild from
  return newestMtime([...SOURCES, path.join(ROOT, 'package.json')]) > fs.statSync(stamp).mtimeMs;
}

const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', 'pino', 'thread-stream', 'fastify', '@fastify/*', 'smtp-server', 'nodemailer', 'mailparser', 'web-push', 'esbuild'];

/** With `charset: 'ascii'`, what is left outside ASCII is in comments: each UTF-16 unit becomes '?' (columns stay put for the source map). */
function asciiComments(text) {
  return text.replace(/[^\x00-\x7f]/g, '?');
}

export async function buildServer() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/server/main.ts', config: 'src/server/config.ts', background: 'src/server/background/entry.ts', sandbox: 'src/server/sandbox/entry.ts' },
    outdir: SERVER_OUT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Pure-JS dependencies are bundled (one file loads faster than hundreds); native modules and
    // those that load their own files at run time stay in node_modules.
    external: EXTERNAL,
    banner: { js: "import { createRequire as __mbRequire } from 'node:module'; const require = __mbRequire(import.meta.url);" },
    sourcemap: true,
    // V8 keeps each file's source text in the heap, as one byte a character only if all of it is
    // Latin-1: one non-ASCII character in a bundled comment doubled the 4.7 MB main chunk to 9.4 MB.
    // Strings and regexps are escaped by esbuild; comments are not (asciiComments below).
    charset: 'ascii',
    logLevel: 'warning',
    write: false,
  });
  // Each file is written beside its place and renamed into it, so a process starting at the same
  // moment never loads half a file.
  fs.mkdirSync(SERVER_OUT, { recursive: true });
  const files = [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('main.js')) - Number(b.path.endsWith('main.js')));
  for (const f of files) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, f.path.endsWith('.js') ? asciiComments(f.text) : f.contents);
    fs.renameSync(tmp, f.path);
  }
  // Chunks of earlier builds (chunk-HASH.js, lazily loaded commands like demo-HASH.js) would pile up otherwise.
  const current = new Set(files.map((f) => path.basename(f.path)));
  for (const name of fs.readdirSync(SERVER_OUT)) {
    if (/^[a-z-]+-[A-Z0-9]{8}\.js(\.map)?$/.test(name) && !current.has(name)) fs.rmSync(path.join(SERVER_OUT, name), { force: true });
  }
}
