// Hit → live-feed latency: 200 tracked hits/s for 10 s with 50 SSE clients of the mail's owner
// connected. Baseline in the same run: a bare node:http server that relays each hit to 50 SSE
// clients at once (the transport's own floor). Target: p99 < 100 ms.
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { BIN, freePort, percentile, startServer } from './lib.mjs';

const RATE = 200;
const SECONDS = 10;
const CLIENTS = 50;
const HEADERS = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36',
  accept: 'image/avif,image/webp,image/*,*/*;q=0.8',
  'accept-language': 'en-GB,en;q=0.9',
  'sec-fetch-dest': 'image',
};
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** An SSE reader calling `onData(parsed)` for each event. */
function sse(url, headers, onData) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buf.slice(0, end))?.[1];
          buf = buf.slice(end + 2);
          if (data) onData(JSON.parse(data));
        }
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

function request(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, ...opts }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Fires `count` hits at RATE/s; `hit(i)` sends one. */
async function fire(count, hit, log, label) {
  const t0 = performance.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(hit(i));
    if (i % 500 === 0) log(`${label}: ${i}/${count}`);
  }
  await Promise.all(pending);
}

async function measure(count, open, hit, log, label) {
  const latencies = [];
  const received = new Map(); // event key → count of clients that got it
  const sentAt = [];
  const onEvent = (key) => {
    const i = Number(key);
    if (sentAt[i] !== undefined) latencies.push(performance.now() - sentAt[i]);
    received.set(key, (received.get(key) ?? 0) + 1);
  };
  const streams = await Promise.all(Array.from({ length: CLIENTS }, () => open(onEvent)));
  await fire(count, (i) => ((sentAt[i] = performance.now()), hit(i)), log, label);
  const deadline = Date.now() + 10_000;
  while ([...received.values()].reduce((a, b) => a + b, 0) < count * CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  streams.forEach((s) => s.destroy());
  return { latencies, delivered: [...received.values()].reduce((a, b) => a + b, 0) };
}

export async function run({ log }) {
  const count = RATE * SECONDS;

  // Baseline: a bare relay, hit → write to every SSE response.
  const listeners = new Set();
  const barePort = await freePort();
  const bare = http.createServer((req, res) => {
    if (req.url.startsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': ready\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    const i = req.url.split('/').pop();
    res.end('ok');
    for (const l of listeners) l.write(`data: ${JSON.stringify({ emailId: i })}\n\n`);
  });
  await new Promise((r) => bare.listen(barePort, '127.0.0.1', r));
  const openBare = (on) => sse(`http://127.0.0.1:${barePort}/stream`, {}, (d) => on(d.emailId));
  const base = await measure(count, openBare, (i) => request(`http://127.0.0.1:${barePort}/hit/${i}`), log, 'bare relay');
  bare.close();

  const server = await startServer({ LOG_LEVEL: 'warn' });
  try {
    const env = { ...process.env, ...server.env };
    const user = JSON.parse(execFileSync(process.execPath, [BIN, 'user', 'add', 'rep@acme.test'], { env }).toString());
    const auth = { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' };
    log(`registering ${count} tracked emails`);
    const pixels = [];
    const ids = new Map();
    for (let i = 0; i < count; i++) {
      const res = await request(`${server.url}/api/v1/tracked-emails`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ subject: `Bench ${i}`, from: 'rep@acme.test', to: [`r${i}@example.net`], cc: [], bcc: [], html: '<p>x</p>' }),
      });
      const body = JSON.parse(res.body);
      pixels.push(body.pixelUrl.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:'));
      ids.set(body.id, String(i));
    }
    const openOurs = (on) => sse(`${server.url}/api/v1/notifications/stream`, { authorization: `Bearer ${user.accessToken}` }, (d) => on(ids.get(d.emailId)));
    const ours = await measure(count, openOurs, (i) => request(pixels[i], { headers: HEADERS }), log, 'mailbeacon');
    const p50 = percentile(ours.latencies, 50);
    const p99 = percentile(ours.latencies, 99);
    const b99 = percentile(base.latencies, 99);
    return [
      { figure: `hit→SSE p50, ${RATE} hits/s, ${CLIENTS} clients`, value: p50, unit: 'ms', baseline: percentile(base.latencies, 50), ratio: p50 / Math.max(percentile(base.latencies, 50), 0.01) },
      { figure: `hit→SSE p99 (${ours.delivered}/${count * CLIENTS} delivered)`, value: p99, unit: 'ms', baseline: b99, ratio: p99 / Math.max(b99, 0.01), target: '< 100 ms', met: p99 < 100 && ours.delivered === count * CLIENTS },
    ];
  } finally {
    await server.stop();
  }
}
