// Connected mailbox (README, Connected mailbox): a real Dovecot started for the run.
// 1. Bulk: 2,000 messages of about 30 KB (text and a PDF attachment) appended to Sent before the mailbox
//    is connected; the time from connecting until all are logged (backfill), next to the time Dovecot
//    takes to serve a plain `UID FETCH 1:* BODY[]` of the same messages to imapflow in the same run
//    (the floor: reading them at all; the median of three). Target: ≤ 2× the floor. The same again
//    for a second user's 2,000 on the server now warm (its code compiled by V8): how much of the
//    first figure is the freshly started process. And the least a sync can take on one thread: the
//    parse and the logging of the same 2,000 alone, in this process, warm (bench/mailbox-stages.ts).
// 2. Live: messages appended one at a time while the mailbox is connected (IDLE); APPEND → logged,
//    p99. Target: < 10 s.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BIN, importTs, percentile, startServer } from './lib.mjs';

const COUNT = Number(process.env.BENCH_MAILBOX_COUNT ?? 2000);
const LIVE = Number(process.env.BENCH_MAILBOX_LIVE ?? 100);
const USER = 'rep@mycorp.test';
const USER2 = 'rep2@mycorp.test';

/** CPU time (user + system) a process used so far, in ms (Linux: /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMs(pid) {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** The same for the process's main thread alone (its thread id is the process id): the thread that reads IMAP and writes the database. */
function mainThreadCpuMs(pid) {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(file) {
  return cpuOfStat(fs.readFileSync(file, 'utf8'));
}

/** utime + stime (and, with `children`, those of its exited children) from a /proc stat line, in ms. */
function cpuOfStat(stat, children = false) {
  const fields = stat.split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0)) * 10;
}

/** Dovecot's CPU time: every process of its group (the master and the imap and auth processes it started), exited children included. */
function groupCpuMs(pgid) {
  let ms = 0;
  for (const pid of fs.readdirSync('/proc').filter((f) => /^\d+$/.test(f))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.split(') ')[1].split(' ')[2]) === pgid) ms += cpuOfStat(stat, true);
    } catch {
      // gone meanwhile
    }
  }
  return ms;
}

function message(dv, i, tag) {
  const text = `Hello,\r\n\r\n${'the pricing you asked for, line by line. '.repeat(200)}\r\n#${i}`;
  return dv.rawMessage({
    from: `Rep <${USER}>`,
    to: [`buyer${i % 50}@acme.test`],
    subject: `Pricing ${tag} ${i}`,
    messageId: `<${tag}-${i}@mycorp.test>`,
    body: text,
    attachment: { name: `quote-${i}.pdf`, type: 'application/pdf', bytes: Buffer.alloc(16 * 1024, i % 251) },
  });
}

/** Appends COUNT messages tagged `tag` to the user's Sent; answers the bytes appended. */
async function fillSent(dv, dovecot, user, tag, log) {
  const client = await dovecot.client(user);
  let bytes = 0;
  const tFill = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const raw = message(dv, i, tag);
    bytes += Buffer.byteLength(raw);
    await client.append('Sent', raw);
    if ((i + 1) % 500 === 0) log(`${user}: appended ${i + 1}/${COUNT}`);
  }
  await client.logout();
  log(`appended ${COUNT} messages (${(bytes / COUNT / 1024).toFixed(1)} KB each) in ${((performance.now() - tFill) / 1000).toFixed(1)} s`);
  return bytes;
}

/**
 * Connects the user's mailbox and waits until `done()`: the wall time from connecting, and the
 * server's CPU time (Linux /proc), which on a shared machine moves much less than the wall clock.
 */
async function backfill({ server, dovecot, user, accessToken, done }) {
  const dovecot0 = groupCpuMs(dovecot.pid());
  const cpu0 = cpuMs(server.child.pid);
  const main0 = mainThreadCpuMs(server.child.pid);
  const t0 = performance.now();
  const r = await fetch(`${server.url}/api/v1/mailbox`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', username: user, password: 'pw' }),
  });
  if (r.status !== 200) throw new Error(`PUT /api/v1/mailbox answered ${r.status}: ${await r.text()}`);
  while (!done()) {
    await new Promise((res) => setTimeout(res, 100));
    if (performance.now() - t0 > 600_000) throw new Error(`${user}: not all logged after 10 min`);
  }
  return { ms: performance.now() - t0, cpuMs: cpuMs(server.child.pid) - cpu0, mainMs: mainThreadCpuMs(server.child.pid) - main0, dovecotMs: groupCpuMs(dovecot.pid()) - dovecot0 };
}

/** Node flags for the server: BENCH_PROF=<dir> writes a CPU profile there; BENCH_NODE_ARGS adds any others (e.g. `--heap-prof`). */
function serverArgs() {
  const args = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  return [...args, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
}

export async function run({ log }) {
  const dv = await importTs('test/helpers/dovecot.ts');
  const dovecot = await dv.startDovecot();
  dovecot.addUser(USER, 'pw');
  const server = await startServer({ MAILBOX_TLS_CA: dovecot.caFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_POLL: '1s', LOG_LEVEL: 'warn' }, serverArgs());
  try {
    const { accessToken } = JSON.parse(execFileSync(process.execPath, [BIN, 'user', 'add', USER], { env: server.env }).toString());
    const db = new Database(path.join(server.env.DATA_DIR, 'mailbeacon.db'), { readonly: true, fileMustExist: true });
    const logged = (tag) => db.prepare(`select count(*) n from logged_emails where internet_message_id like ?`).get(`<${tag}-%`).n;

    // Fill Sent.
    const bytes = await fillSent(dv, dovecot, USER, 'bulk', log);
    const client = await dovecot.client(USER);
    // The floor: a plain FETCH of every message's source; the median of three, as one run on a
    // shared machine can be off by 3×.
    let fetched = 0;
    const floors = [];
    const floorDovecot0 = groupCpuMs(dovecot.pid());
    const lock = await client.getMailboxLock('Sent');
    try {
      for (let run = 0; run < 3; run++) {
        const tFloor = performance.now();
        fetched = 0;
        for await (const m of client.fetch('1:*', { uid: true, source: true })) fetched += m.source.length;
        floors.push(performance.now() - tFloor);
      }
    } finally {
      lock.release();
    }
    const floorMs = percentile(floors, 50);
    const floorDovecotMs = (groupCpuMs(dovecot.pid()) - floorDovecot0) / floors.length;
    await client.logout();
    log(`plain FETCH of ${(fetched / 1024 / 1024).toFixed(1)} MB: ${floors.map((ms) => (ms / 1000).toFixed(2)).join(' / ')} s, median ${(floorMs / 1000).toFixed(2)} s; Dovecot's CPU ${(floorDovecotMs / 1000).toFixed(2)} s per FETCH`);

    // Connect: the backfill logs them all.
    const cold = await backfill({ server, dovecot, user: USER, accessToken, done: () => logged('bulk') >= COUNT });
    log(`all ${COUNT} logged ${(cold.ms / 1000).toFixed(1)} s after connecting, ${(cold.cpuMs / 1000).toFixed(1)} s of server CPU (${(cold.mainMs / 1000).toFixed(1)} s on its main thread), ${(cold.dovecotMs / 1000).toFixed(2)} s of Dovecot's`);

    // The same on the server now warm: a second user's mailbox.
    dovecot.addUser(USER2, 'pw');
    await fillSent(dv, dovecot, USER2, 'warm', log);
    const second = JSON.parse(execFileSync(process.execPath, [BIN, 'user', 'add', USER2], { env: server.env }).toString());
    const warm = await backfill({ server, dovecot, user: USER2, accessToken: second.accessToken, done: () => logged('warm') >= COUNT });
    log(`warm server: all ${COUNT} logged ${(warm.ms / 1000).toFixed(1)} s after connecting, ${(warm.cpuMs / 1000).toFixed(1)} s of server CPU`);

    // The lower bound: parse and log alone, in this process, warm.
    const { stageTimes } = await importTs('bench/mailbox-stages.ts');
    const stages = await stageTimes((tag) => Array.from({ length: COUNT }, (_, i) => Buffer.from(message(dv, i, tag))));
    log(`in this process, warm: parsing ${COUNT} took ${(stages.parseMs / 1000).toFixed(2)} s, logging them ${(stages.logMs / 1000).toFixed(2)} s`);

    // Live: APPEND → logged.
    const live = await dovecot.client(USER);
    const appendedAt = new Map();
    for (let i = 0; i < LIVE; i++) {
      appendedAt.set(`<live-${i}@mycorp.test>`, Date.now());
      await live.append('Sent', message(dv, i, 'live'));
      await new Promise((res) => setTimeout(res, 50));
    }
    await live.logout();
    const deadline = Date.now() + 120_000;
    while (logged('live') < LIVE && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const rows = db.prepare(`select internet_message_id id, created_at at from logged_emails where internet_message_id like '<live-%'`).all();
    const latencies = rows.map((row) => Number(row.at) - appendedAt.get(row.id));
    const missing = LIVE - rows.length;
    db.close();
    const p50 = percentile(latencies, 50);
    const p99 = missing ? Infinity : percentile(latencies, 99);
    return [
      { figure: `${COUNT} × ${(bytes / COUNT / 1024).toFixed(0)} KB in Sent → all logged (vs plain FETCH)`, value: cold.ms / 1000, unit: 's', baseline: floorMs / 1000, ratio: cold.ms / floorMs, target: '≤ 2× the floor', met: cold.ms <= 2 * floorMs },
      { figure: `server CPU per message logged (bulk)`, value: cold.cpuMs / COUNT, unit: 'ms' },
      { figure: `… of which the main thread's`, value: cold.mainMs / COUNT, unit: 'ms' },
      { figure: `the same, server warm (a second user's ${COUNT})`, value: warm.ms / 1000, unit: 's', baseline: floorMs / 1000, ratio: warm.ms / floorMs },
      { figure: `server CPU per message logged (warm)`, value: warm.cpuMs / COUNT, unit: 'ms' },
      { figure: `parse + log alone, in-process, warm (no IMAP)`, value: (stages.parseMs + stages.logMs) / 1000, unit: 's', baseline: floorMs / 1000, ratio: (stages.parseMs + stages.logMs) / floorMs },
      { figure: `APPEND → logged with IDLE, p50 (${LIVE} messages)`, value: p50, unit: 'ms' },
      { figure: `APPEND → logged with IDLE, p99 (${LIVE} messages${missing ? `, ${missing} never logged` : ''})`, value: p99, unit: 'ms', target: '< 10000 ms', met: p99 < 10_000 },
    ];
  } finally {
    await server.stop();
    await dovecot.stop();
    fs.rmSync(dovecot.dir, { recursive: true, force: true });
  }
}
