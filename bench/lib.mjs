// Shared pieces of the benchmarks: temporary data folders, free ports, the real server process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'mailbeacon.js');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mb-bench-'));
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Polls `url` until it answers 200; resolves with the milliseconds since `t0`. */
export async function waitHealthy(url, t0, child) {
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status === 200) return performance.now() - t0;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts `mailbeacon serve` with a fresh DATA_DIR (unless given) and resolves once healthy. */
export async function startServer(env = {}, nodeArgs = []) {
  const ports = { PORT: String(await freePort()), HTTPS_PORT: String(await freePort()), SMTP_PORT: String(await freePort()) };
  const full = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: tempDir(), LOG_LEVEL: 'warn', ...ports, ...env };
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], { env: full, stdio: ['ignore', process.env.BENCH_SERVER_STDOUT ? 'inherit' : 'ignore', 'inherit'] });
  const startupMs = await waitHealthy(`http://127.0.0.1:${full.PORT}/health`, t0, child);
  return {
    env: full,
    url: `http://127.0.0.1:${full.PORT}`,
    child,
    startupMs,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Imports a TypeScript module of the project (bundled on the fly with esbuild into a temp file). */
export async function importTs(relPath) {
  const esbuild = await import('esbuild');
  // Written inside the project so that its bare imports resolve to node_modules.
  const out = path.join(ROOT, 'build', 'bench', relPath.replace(/[/\\]/g, '_').replace(/\.tsx?$/, '.mjs'));
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [relPath],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  const { pathToFileURL } = await import('node:url');
  return import(pathToFileURL(out).href);
}
