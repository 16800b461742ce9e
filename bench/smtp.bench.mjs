// SMTP API ingress: 20 KB HTML messages over 4 pooled, authenticated STARTTLS connections, accepted
// by Mailbeacon (durably queued) next to a bare smtp-server that accepts and discards, with the same
// client and TLS, in the same run. Then accepted→relayed latency at a steady 100 messages/s.
// Targets: ratio ≥ 0.5; relay p99 < 1 s.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { BIN, freePort, percentile, startServer } from './lib.mjs';

const BURST = 1500;
const STEADY_RATE = 100;
const STEADY_SECONDS = 10;

function htmlMessage(i) {
  const links = Array.from({ length: 20 }, (_, n) => `<p>Item ${n}: <a href="https://shop.example.com/item/${n}?ref=mail&amp;i=${i}">see the details of item ${n}</a></p>`).join('\n');
  const filler = '<p>' + 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(4) + '</p>\n';
  let html = `<!doctype html><html><body><h1>Order ${i}</h1>\n${links}\n`;
  while (html.length < 20_000) html += filler;
  html += '</body></html>';
  return `From: Shop <orders@shop.example.com>\r\nTo: buyer@example.net\r\nSubject: Your order ${i}\r\nMessage-ID: <bench-${i}-${Date.now()}@shop.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${html.replace(/\n/g, '\r\n')}\r\n`;
}

function client(port, auth, ca) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, auth, tls: { ca, servername: 'localhost' }, pool: true, maxConnections: 4, maxMessages: Infinity });
}

async function burst(transport, log, label) {
  // The pool keeps its 4 connections busy; a few more in the queue avoid idle gaps.
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < BURST) {
      const i = next++;
      await transport.sendMail({ envelope: { from: 'orders@shop.example.com', to: ['buyer@example.net'] }, raw: htmlMessage(i) });
      if (i % 500 === 0) log(`${label}: ${i}/${BURST}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return BURST / ((performance.now() - started) / 1000);
}

function bareServer(port, cert, key) {
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth: (_auth, _session, cb) => cb(null, { user: 'bench' }),
    onData(stream, _session, cb) {
      stream.on('data', () => {});
      stream.on('end', () => cb(null, 'discarded'));
    },
  });
  server.on('error', () => {}); // clients hanging up at the end are expected
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function sinkServer(port, arrivals) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (c) => {
        if (head.length < 2000) head += c.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^Message-ID: (.*)$/im.exec(head)?.[1].trim();
        if (id) arrivals.set(id, performance.now());
        cb(null, 'ok');
      });
    },
  });
  server.on('error', () => {});
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

export async function run({ log }) {
  const arrivals = new Map();
  const sinkPort = await freePort();
  const sink = await sinkServer(sinkPort, arrivals);
  const server = await startServer({ RELAY_URL: `smtp://127.0.0.1:${sinkPort}`, RELAY_POOL_SIZE: '8' });
  try {
    const env = { ...process.env, ...server.env };
    const user = JSON.parse(execFileSync(process.execPath, [BIN, 'user', 'add', 'bench@shop.example.com'], { env }).toString());
    const res = await fetch(`${server.url}/marketing/v3/transactional/smtp-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ campaignName: 'bench', createContact: false }),
    });
    const token = await res.json();
    const certDir = path.join(server.env.DATA_DIR, 'tls');
    const cert = fs.readFileSync(path.join(certDir, 'dev-cert.pem'));
    const key = fs.readFileSync(path.join(certDir, 'dev-key.pem'));

    const barePort = await freePort();
    const bare = await bareServer(barePort, cert, key);
    const bareClient = client(barePort, { user: 'x', pass: 'y' }, cert);
    await burst(bareClient, log, 'warm-up bare'); // JIT and TLS session warm-up for both sides
    const bareRate = await burst(bareClient, log, 'bare smtp-server');
    bareClient.close();
    bare.close();

    const ours = client(Number(server.env.SMTP_PORT), { user: token.id, pass: token.password }, cert);
    const drained = async (n) => {
      log(`waiting for the relay to drain ${n} messages`);
      const deadline = Date.now() + 120_000;
      while (arrivals.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      arrivals.clear();
    };
    await burst(ours, log, 'warm-up mailbeacon'); // the same warm-up as the bare server had
    await drained(BURST);
    const ourRate = await burst(ours, log, 'mailbeacon');
    await drained(BURST);

    // Steady load: one message every 10 ms; latency from our 250 to arrival at the relay.
    const acceptedAt = new Map();
    const total = STEADY_RATE * STEADY_SECONDS;
    const sends = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / STEADY_RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const raw = htmlMessage(100_000 + i);
      const id = /^Message-ID: (.*)$/m.exec(raw)[1].trim();
      sends.push(ours.sendMail({ envelope: { from: 'orders@shop.example.com', to: ['buyer@example.net'] }, raw }).then(() => acceptedAt.set(id, performance.now())));
      if (i % 250 === 0) log(`steady ${i}/${total}`);
    }
    await Promise.all(sends);
    const end = Date.now() + 30_000;
    while (arrivals.size < total && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    ours.close();
    const latencies = [...acceptedAt].filter(([id]) => arrivals.has(id)).map(([id, at]) => Math.max(0, arrivals.get(id) - at));
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    return [
      { figure: 'SMTP accepted, 20 KB HTML, 4 TLS conns', value: ourRate, unit: 'msg/s', baseline: bareRate, ratio: ourRate / bareRate, target: '≥ 0.5 × bare', met: ourRate / bareRate >= 0.5 },
      { figure: `accepted→relayed p50 at ${STEADY_RATE} msg/s`, value: p50, unit: 'ms', target: '', met: undefined },
      { figure: `accepted→relayed p99 at ${STEADY_RATE} msg/s (${latencies.length}/${total} arrived)`, value: p99, unit: 'ms', target: '< 1000 ms', met: p99 < 1000 && latencies.length === total },
    ];
  } finally {
    await server.stop();
    sink.close();
  }
}
