// Pixel hits at 64 concurrent keep-alive connections against Mailbeacon, next to a bare node:http
// server answering the same GIF with the same headers, in the same run. Afterwards every answered
// hit must be in the database. Also the server's peak RSS under this load.
// Targets: ≥ 0.6 × bare requests/s, p99 < 20 ms, zero errors, all hits stored; RSS ≤ 200 MB.
// Then an overload run on a fresh server: pixel hits at twice the rate the store sustained in the
// first run; answered hits beyond what memory holds wait in the journal on disk (its peak size is
// reported), RSS stays ≤ 200 MB, and every answered hit is stored once the server has stopped.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import nodemailer from 'nodemailer';
import { BIN, freePort, startServer } from './lib.mjs';

const DURATION = 10;
const CONNECTIONS = 64;
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NO_CACHE = 'no-cache, no-store, must-revalidate, private, max-age=0';

function cannon(url, log, label, extra = {}) {
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      { url, connections: CONNECTIONS, duration: DURATION, ...extra, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36', accept: 'image/*' } },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    let ticks = 0;
    inst.on('tick', () => {
      if (++ticks % 3 === 0) log(`${label}: ${ticks}/${DURATION} s`);
    });
  });
}

export async function pixelUrl(server, log) {
  const env = { ...process.env, ...server.env };
  const user = JSON.parse(execFileSync(process.execPath, [BIN, 'user', 'add', 'bench@acme.test'], { env }).toString());
  const token = await (
    await fetch(`${server.url}/marketing/v3/transactional/smtp-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ campaignName: 'bench', createContact: false }),
    })
  ).json();
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: Number(server.env.SMTP_PORT), secure: false, auth: { user: token.id, pass: token.password }, tls: { rejectUnauthorized: false } });
  await t.sendMail({ from: 'ops@acme.test', to: 'reader@example.net', subject: 'bench', html: '<html><body><p>Hello</p></body></html>' });
  const box = path.join(server.env.DATA_DIR, 'mailbox');
  for (let i = 0; i < 100 && !(fs.existsSync(box) && fs.readdirSync(box).some((f) => f.endsWith('.eml'))); i++) await new Promise((r) => setTimeout(r, 50));
  const raw = fs.readFileSync(path.join(box, fs.readdirSync(box).find((f) => f.endsWith('.eml')))).toString();
  const url = /src="(http[^"]+\/t\/o\/[^"]+\.gif)"/.exec(raw.replace(/=\r?\n/g, '').replace(/=3D/g, '='))[1];
  log(`pixel ${url.slice(0, 60)}…`);
  return url.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:');
}

async function storedHits(dataDir) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(dataDir, 'mailbeacon.db'), { readonly: true });
  const n = db.prepare("select count(*) n from email_events where type = 'OPEN'").get().n;
  db.close();
  return n;
}

/** Samples `fn` every 200 ms until the promise settles; answers the largest value seen. */
async function peakWhile(promise, fn) {
  let peak = 0;
  const t = setInterval(() => (peak = Math.max(peak, fn())), 200);
  try {
    await promise;
  } finally {
    clearInterval(t);
  }
  return Math.max(peak, fn());
}

function journalBytes(dataDir) {
  const dir = path.join(dataDir, 'journal');
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir).reduce((n, f) => n + (fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
}

// Passed on when set, to compare settings in one run (MALLOC_ARENA_MAX=2 as README, Operations: memory,
// recommends for a service).
const PASS_ON = Object.fromEntries(['MALLOC_ARENA_MAX'].filter((k) => process.env[k]).map((k) => [k, process.env[k]]));

/** A fresh server under pixel hits at `rate` per second; its peak RSS and journal size, and what was stored. */
async function overload(rate, log) {
  const server = await startServer({ LOG_LEVEL: 'warn', ...PASS_ON });
  try {
    const url = await pixelUrl(server, log);
    const idle = peakRssMb(server.child.pid);
    const run = cannon(url, log, `overload at ${Math.round(rate)}/s`, { connections: 256, overallRate: Math.round(rate) });
    const journal = await peakWhile(run, () => journalBytes(server.env.DATA_DIR));
    const res = await run;
    const rss = peakRssMb(server.child.pid);
    await server.stop();
    const stored = await storedHits(server.env.DATA_DIR);
    return { res, rss, idle, journal, stored };
  } finally {
    if (server.child.exitCode === null) await server.stop();
  }
}

export function peakRssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

export async function run({ log }) {
  const barePort = await freePort();
  const bare = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': NO_CACHE, pragma: 'no-cache', expires: '0', 'content-length': GIF.length });
    res.end(GIF);
  });
  await new Promise((r) => bare.listen(barePort, '127.0.0.1', r));
  const server = await startServer({ LOG_LEVEL: 'warn', ...PASS_ON }, process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof2'] : []);
  try {
    const url = await pixelUrl(server, log);
    const base = await cannon(`http://127.0.0.1:${barePort}/t/o/x.gif`, log, 'bare node:http');
    const idle = peakRssMb(server.child.pid);
    const storedBefore = await storedHits(server.env.DATA_DIR);
    const ours = await cannon(url, log, 'mailbeacon');
    // What the store wrote while the pixels were answered: the rate it sustains under this load.
    const storeRate = ((await storedHits(server.env.DATA_DIR)) - storedBefore) / DURATION;
    const rss = peakRssMb(server.child.pid);
    await server.stop(); // graceful: everything answered is written before exit
    const answered = ours['2xx'];
    const stored = await storedHits(server.env.DATA_DIR);
    const errors = ours.errors + ours.timeouts + ours.non2xx;
    log(`answered ${answered}, stored ${stored}, errors ${errors}, store rate ${Math.round(storeRate)}/s, idle RSS ${idle.toFixed(0)} MB`);
    const over = await overload(2 * storeRate, log);
    const overAnswered = over.res['2xx'];
    const overErrors = over.res.errors + over.res.timeouts + over.res.non2xx;
    log(`overload: answered ${overAnswered}, stored ${over.stored}, journal peak ${(over.journal / 1e6).toFixed(1)} MB, RSS ${over.rss.toFixed(0)} MB`);
    return [
      { figure: `pixel hits, ${CONNECTIONS} keep-alive conns`, value: ours.requests.average, unit: 'req/s', baseline: base.requests.average, ratio: ours.requests.average / base.requests.average, target: '≥ 0.6 × bare', met: ours.requests.average / base.requests.average >= 0.6 },
      { figure: 'pixel latency p99', value: ours.latency.p99, unit: 'ms', baseline: base.latency.p99, ratio: ours.latency.p99 / Math.max(base.latency.p99, 1), target: '< 20 ms', met: ours.latency.p99 < 20 },
      { figure: 'pixel errors (incl. non-2xx, timeouts)', value: errors, unit: '', target: '0', met: errors === 0 },
      // autocannon counts only responses that arrived inside the window; up to one request per
      // connection was still in flight when it stopped, answered and stored after the count.
      { figure: 'answered hits stored', value: stored, unit: `of ${answered}`, target: `all (≤ ${CONNECTIONS} more in flight at the end)`, met: stored >= answered && stored <= answered + CONNECTIONS },
      { figure: 'server peak RSS under pixel load', value: rss, unit: 'MB', baseline: idle, ratio: rss / idle, target: '≤ 200 MB', met: rss <= 200 },
      { figure: 'store rate under that load', value: storeRate, unit: 'hits/s' },
      { figure: `overload: hits answered at 2 × store rate (${Math.round(2 * storeRate)}/s asked)`, value: over.res.requests.average, unit: 'req/s', target: '> store rate', met: over.res.requests.average > storeRate },
      { figure: 'overload: peak backlog waiting in the journal on disk', value: over.journal / 1e6, unit: 'MB' },
      { figure: 'overload: server peak RSS', value: over.rss, unit: 'MB', baseline: over.idle, ratio: over.rss / over.idle, target: '≤ 200 MB', met: over.rss <= 200 },
      { figure: 'overload: errors', value: overErrors, unit: '', target: '0', met: overErrors === 0 },
      { figure: 'overload: answered hits stored', value: over.stored, unit: `of ${overAnswered}`, target: 'all (≤ 256 more in flight at the end)', met: over.stored >= overAnswered && over.stored <= overAnswered + 256 },
    ];
  } finally {
    if (server.child.exitCode === null) await server.stop();
    bare.close();
  }
}
