// Starts the real `mailbeacon serve` process on free ports and talks to it as a client would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../scripts/build-server.mjs';
import { freePort } from './ports.js';
import type { TestDatabase } from './databases.js';

export const BIN = path.join(ROOT, 'bin', 'mailbeacon.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mailbeacon <args>` with the given environment. */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...baseEnv(), ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

function baseEnv(): Record<string, string> {
  // Only what a process needs from ours; nothing of the developer's own configuration.
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TEST_DATABASE_URL'];
  return Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
}

export interface RunningServer {
  url: string;
  httpsUrl: string;
  smtpPort: number;
  env: Record<string, string>;
  process: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
  cli(args: string[]): Promise<CliResult>;
  addUser(email: string, opts?: { account?: string; name?: string }): Promise<{ id: string; email: string; account: string; accessToken: string }>;
  /** fetch against the HTTP listener with an optional Bearer token. */
  api(pathname: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
}

export async function serverEnv(db: TestDatabase, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const [port, httpsPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  return {
    ...db.env,
    PORT: String(port),
    HTTPS_PORT: String(httpsPort),
    SMTP_PORT: String(smtpPort),
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export async function startServer(db: TestDatabase, extra: Record<string, string> = {}): Promise<RunningServer> {
  const env = await serverEnv(db, extra);
  return startWithEnv(env);
}

export async function startWithEnv(env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...baseEnv(), ...env }, cwd: ROOT });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p));
      } catch {
        lines.push({ raw: p });
      }
    }
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${env.PORT}`;

  const deadline = Date.now() + 20_000;
  let ready = false;
  let early: number | null | undefined;
  void exited.then((c) => (early = c));
  while (Date.now() < deadline && early === undefined) {
    try {
      const r = await fetch(url + '/health');
      if (r.status === 200) {
        ready = true;
        break;
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`server did not become healthy (exit ${early}); stderr:\n${stderr}\nlogs:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  }

  const server: RunningServer = {
    url,
    httpsUrl: `https://127.0.0.1:${env.HTTPS_PORT}`,
    smtpPort: Number(env.SMTP_PORT),
    env,
    process: child,
    logs: () => lines,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
    cli: (args) => runCli(args, env),
    async addUser(email, opts = {}) {
      const args = ['user', 'add', email];
      if (opts.account) args.push('--account', opts.account);
      if (opts.name) args.push('--name', opts.name);
      const r = await runCli(args, env);
      if (r.code !== 0) throw new Error(`user add failed: ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    api(pathname, init = {}) {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Bearer ${init.token}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(url + pathname, { ...init, headers, body });
    },
  };
  return server;
}
