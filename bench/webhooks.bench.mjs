// Event → webhook latency: 200 pixel hits/s for 30 s on tracked emails, each an `email.opened`
// event signed and POSTed to a local receiver (node:http). Baseline in the same run: the same
// receiver POSTed to directly at the same rate (loopback's own floor). Target: p99 < 250 ms.
// Then the same load again with the receiver stopped for 10 s in the middle: no event may be lost,
// and all must arrive within the first retry wait (WEBHOOK_RETRY_SCHEDULE's first, 5 s) after it returns.
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { BIN, freePort, percentile, startServer } from './lib.mjs';

const RATE = 200;
const SECONDS = 30;
const OUTAGE_MS = 10_000;
const FIRST_RETRY_MS = 5_000;
const HEADERS = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36',
  accept: 'image/avif,image/webp,image/*,*/*;q=0.8',
  'accept-language': 'en-GB,en;q=0.9',
  'sec-fetch-dest': 'image',
};
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

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

/** A receiver that calls `onEvent(json, webhookId)` per request; `stop()`/`start()` take it away and back. */
async function receiver(port, onEvent) {
  let server;
  const sockets = new Set();
  const start = () =>
    new Promise((resolve) => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          res.end('ok');
          onEvent(JSON.parse(body), req.headers['webhook-id']);
        });
      });
      server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
      server.listen(port, '127.0.0.1', resolve);
    });
  const stop = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await start();
  return { start, stop };
}

/** Fires `count` calls of `fn(i)` at RATE/s; `at(ms)` runs once that far into the run. */
async function fire(count, fn, log, label, at = {}) {
  const t0 = performance.now();
  const pending = [];
  const marks = Object.entries(at).map(([ms, f]) => ({ ms: Number(ms), f, done: false }));
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const m of marks) if (!m.done && performance.now() - t0 >= m.ms) (m.done = true), pending.push(m.f());
    pending.push(fn(i));
    if (i % 1000 === 0) log(`${label}: ${i}/${count}`);
  }
  await Promise.all(pending);
}

export async function run({ log }) {
  const count = RATE * SECONDS;

  // Baseline: POST straight to a receiver, same rate, same loopback.
  const basePort = await freePort();
  const baseSent = [];
  const baseLat = [];
  const base = await receiver(basePort, (json) => baseLat.push(performance.now() - baseSent[json.i]));
  await fire(count, (i) => ((baseSent[i] = performance.now()), request(`http://127.0.0.1:${basePort}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) })), log, 'baseline');
  await base.stop();

  const port = await freePort();
  const sentAt = new Map(); // tracked email id → when its hit was sent
  const got = new Map(); // tracked email id → { at, ids:Set }
  const hook = await receiver(port, (json, id) => {
    const key = json.data?.trackedEmailId;
    if (!key) return;
    const g = got.get(key) ?? { at: performance.now(), ids: new Set() };
    g.ids.add(id);
    got.set(key, g);
  });
  // The rate limit is for people; registering 12 000 emails in a few seconds is not one.
  const server = await startServer({ LOG_LEVEL: 'warn', WEBHOOK_ALLOW_PRIVATE: 'true', API_RATE_LIMIT: '1000000' });
  try {
    const env = { ...process.env, ...server.env };
    const user = JSON.parse(execFileSync(process.execPath, [BIN, 'user', 'add', 'rep@acme.test'], { env }).toString());
    const auth = { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' };
    const created = JSON.parse((await request(`${server.url}/api/v1/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: `http://127.0.0.1:${port}/hooks`, events: ['email.opened'] }) })).body);
    if (!created.id) throw new Error(`could not create the endpoint: ${JSON.stringify(created)}`);

    log(`registering ${2 * count} tracked emails`);
    const emails = [];
    for (let i = 0; i < 2 * count; i += 16) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(16, 2 * count - i) }, (_, k) =>
          request(`${server.url}/api/v1/tracked-emails`, { method: 'POST', headers: auth, body: JSON.stringify({ subject: `Bench ${i + k}`, from: 'rep@acme.test', to: [`r${i + k}@example.net`], cc: [], bcc: [], html: '<p>x</p>' }) }),
        ),
      );
      for (const r of batch) {
        const body = JSON.parse(r.body);
        if (!body.pixelUrl) throw new Error(`could not register a tracked email: ${r.status} ${r.body}`);
        emails.push({ id: body.id, pixel: body.pixelUrl.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:') });
      }
    }
    // A keep-alive socket the server just closed answers ECONNRESET: the pixel is asked for again, as a mail client would.
    const hit = (e) => (sentAt.set(e.id, performance.now()), request(e.pixel, { headers: HEADERS })
        .catch(() => request(e.pixel, { headers: HEADERS }))
        .catch(() => undefined)); // a hit that never got through shows as an event never received
    const alive = () => {
      if (server.child.exitCode !== null) throw new Error(`the server exited with ${server.child.exitCode}`);
    };
    const waitAll = async (list, ms) => {
      const deadline = Date.now() + ms;
      while (list.some((e) => !got.has(e.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };

    // 1. Steady load.
    const steady = emails.slice(0, count);
    await fire(count, (i) => hit(steady[i]), log, 'steady');
    await waitAll(steady, 30_000);
    alive();
    const lat = steady.filter((e) => got.has(e.id)).map((e) => got.get(e.id).at - sentAt.get(e.id));
    const p50 = percentile(lat, 50);
    const p99 = percentile(lat, 99);
    const b50 = percentile(baseLat, 50);
    const b99 = percentile(baseLat, 99);

    // 2. The receiver stopped for 10 s in the middle.
    const outage = emails.slice(count);
    let backAt = 0;
    let stoppedAt = 0;
    const middle = ((SECONDS * 1000 - OUTAGE_MS) / 2) | 0;
    await fire(count, (i) => hit(outage[i]), log, 'outage', {
      [middle]: async () => ((stoppedAt = performance.now()), log('receiver stopped'), await hook.stop()),
      [middle + OUTAGE_MS]: async () => (await hook.start(), (backAt = performance.now()), log('receiver back')),
    });
    await waitAll(outage, 60_000);
    alive();
    const lost = outage.filter((e) => !got.has(e.id)).length;
    const duplicates = [...got.values()].filter((g) => g.ids.size > 1).length;
    // The events whose hit came while the receiver was away: each must arrive soon after it is back.
    const heldBack = outage.filter((e) => sentAt.get(e.id) >= stoppedAt && sentAt.get(e.id) < backAt && got.has(e.id));
    const drained = Math.max(...heldBack.map((e) => got.get(e.id).at)) - backAt;
    return [
      { figure: `event→received p50, ${RATE} events/s for ${SECONDS} s`, value: p50, unit: 'ms', baseline: b50, ratio: p50 / Math.max(b50, 0.01) },
      { figure: `event→received p99 (${lat.length}/${count} received)`, value: p99, unit: 'ms', baseline: b99, ratio: p99 / Math.max(b99, 0.01), target: '< 250 ms', met: p99 < 250 && lat.length === count },
      { figure: `receiver down ${OUTAGE_MS / 1000} s: events lost (of ${count})`, value: lost, unit: '', target: '0', met: lost === 0 },
      { figure: `receiver back → last of ${heldBack.length} held-back events received`, value: drained, unit: 'ms', target: `< ${FIRST_RETRY_MS} ms (first retry wait)`, met: lost === 0 && drained < FIRST_RETRY_MS },
      { figure: 'events received under two webhook-ids', value: duplicates, unit: '', target: '0', met: duplicates === 0 },
    ];
  } finally {
    await server.stop();
    await hook.stop().catch(() => {});
  }
}
