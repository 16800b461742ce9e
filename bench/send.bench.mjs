// Single send over HTTP: published-template sends through POST /marketing/v3/transactional/single-email/send
// on keep-alive connections, 32 in flight, relayed to a local SMTP sink. Sends/s counts until every email
// is at the sink (its status COMPLETE), accept latency is the time to the 200. The baseline is the same
// server answering a trivial authenticated route (GET /api/v1/me) the same way, in the same run.
// With 32 requests always in flight, latency is 32 / throughput (Little's law), so the same latency is
// also measured at a steady 100 sends/s, where it is the cost of one send rather than the queue in front.
// Targets on SQLite: ≥ 300 sends/s; accept p99 < 50 ms.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { BIN, freePort, percentile, startServer } from './lib.mjs';

const IN_FLIGHT = 32;
const SENDS = 3000;
const BASELINE_REQUESTS = 6000;
const WARM_UP = 500;
const STEADY_RATE = 100;
const STEADY_SECONDS = 10;

function sinkServer(port, arrivals) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      stream.on('data', () => {});
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) arrivals.set(r.address, performance.now());
        cb(null, 'ok');
      });
    },
  });
  server.on('error', () => {});
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** One request on the keep-alive agent; resolves with the status, the parsed body and the milliseconds it took. */
function request(agent, base, token, method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      base + path,
      { method, agent, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode, body: data ? JSON.parse(data) : undefined, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `count` requests made by `make(i)`, `IN_FLIGHT` at a time; answers their latencies and the rate. */
async function drive(count, make) {
  const latencies = [];
  const answers = new Array(count);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const r = await make(i);
      latencies.push(r.ms);
      answers[i] = r;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - started) / 1000;
  return { latencies, answers, rate: count / seconds, started };
}

/** Starts `make(i)` at a steady `rate` per second whatever the answers take; answers their latencies. */
async function steady(rate, seconds, make) {
  const total = rate * seconds;
  const started = performance.now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(make(i));
  }
  return (await Promise.all(pending)).map((r) => r.ms);
}

export async function run({ log }) {
  const arrivals = new Map();
  const sinkPort = await freePort();
  const sink = await sinkServer(sinkPort, arrivals);
  // The rate limit would cap a benchmark at 500 requests/s; here it is out of the way.
  const server = await startServer({ RELAY_URL: `smtp://127.0.0.1:${sinkPort}`, RELAY_POOL_SIZE: '8', API_RATE_LIMIT: '100000000' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const env = { ...process.env, ...server.env };
    const { accessToken } = JSON.parse(execFileSync(process.execPath, [BIN, 'user', 'add', 'bench@shop.example.com'], { env }).toString());
    const call = (method, path, body) => request(agent, server.url, accessToken, method, path, body);
    const created = await call('POST', '/api/v1/emails', {
      name: 'Order confirmation',
      subject: 'Your order {{ custom.order_id }}',
      html:
        '<html><body><h1>Thanks, {{ contact.firstname | default: "there" }}!</h1><p>Order <b>{{ custom.order_id }}</b>: {{ custom.item }}.</p>' +
        '<p><a href="https://shop.example.com/orders/{{ custom.order_id }}">See your order</a> · <a href="https://shop.example.com/help">Help</a></p></body></html>',
      text: 'Thanks, {{ contact.firstname | default: "there" }}! Order {{ custom.order_id }}: {{ custom.item }}. https://shop.example.com/orders/{{ custom.order_id }}',
      subscriptionType: 'TRANSACTIONAL',
      sendMethod: 'API',
    });
    const emailId = created.body.id;
    await call('POST', `/api/v1/emails/${emailId}/publish`);
    const send = (i, prefix) =>
      call('POST', '/marketing/v3/transactional/single-email/send', {
        emailId,
        message: { to: `${prefix}${i}@example.net`, from: 'Shop <orders@shop.example.com>', sendId: `${prefix}-${i}` },
        contactProperties: { firstname: `Buyer ${i}` },
        customProperties: { order_id: `A-${i}`, item: 'Fish & Chips <large>' },
      });

    log('warm-up');
    await drive(WARM_UP, () => call('GET', '/api/v1/me'));
    await drive(WARM_UP, (i) => send(i, 'warm'));
    while (arrivals.size < WARM_UP) await new Promise((r) => setTimeout(r, 50));

    log(`baseline: ${BASELINE_REQUESTS} × GET /api/v1/me`);
    const baseline = await drive(BASELINE_REQUESTS, () => call('GET', '/api/v1/me'));

    log(`${SENDS} single sends`);
    arrivals.clear();
    const sends = await drive(SENDS, (i) => send(i, 'buyer'));
    const refused = sends.answers.filter((a) => a.status !== 200 || a.body.status !== 'PENDING');
    if (refused.length) throw new Error(`${refused.length} sends were not queued, e.g. ${JSON.stringify(refused[0].body)}`);
    const deadline = Date.now() + 120_000;
    while (arrivals.size < SENDS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const arrived = arrivals.size; // before the steady phase below adds its own arrivals
    const lastArrival = Math.max(...arrivals.values());
    const completeRate = SENDS / ((lastArrival - sends.started) / 1000);

    // Every status must have reached COMPLETE/SENT (not timed: the hook completed them as they arrived).
    const statuses = await drive(SENDS, (i) => call('GET', `/marketing/v3/email/send-statuses/${sends.answers[i].body.statusId}`));
    const complete = statuses.answers.filter((a) => a.body.status === 'COMPLETE' && a.body.sendResult === 'SENT').length;
    log(`accepted at ${sends.rate.toFixed(0)}/s; ${arrived}/${SENDS} at the sink; ${complete}/${SENDS} statuses COMPLETE/SENT`);

    log(`steady: ${STEADY_RATE}/s for ${STEADY_SECONDS} s, GET /api/v1/me then single sends`);
    const steadyBase = await steady(STEADY_RATE, STEADY_SECONDS, () => call('GET', '/api/v1/me'));
    const steadySends = await steady(STEADY_RATE, STEADY_SECONDS, (i) => send(i, 'steady'));

    const p = (xs, q) => percentile(xs, q);
    const allDone = arrived === SENDS && complete === SENDS;
    return [
      {
        figure: `single sends/s to COMPLETE at the sink, ${IN_FLIGHT} in flight (${complete}/${SENDS} SENT)`,
        value: completeRate,
        unit: 'req/s',
        baseline: baseline.rate,
        ratio: completeRate / baseline.rate,
        target: '≥ 300/s',
        met: completeRate >= 300 && allDone,
      },
      { figure: 'single sends accepted/s (200 answered)', value: sends.rate, unit: 'req/s', baseline: baseline.rate, ratio: sends.rate / baseline.rate, target: '', met: undefined },
      { figure: `accept latency p50, ${IN_FLIGHT} in flight`, value: p(sends.latencies, 50), unit: 'ms', baseline: p(baseline.latencies, 50), ratio: p(sends.latencies, 50) / p(baseline.latencies, 50), target: '', met: undefined },
      { figure: `accept latency p99, ${IN_FLIGHT} in flight`, value: p(sends.latencies, 99), unit: 'ms', baseline: p(baseline.latencies, 99), ratio: p(sends.latencies, 99) / p(baseline.latencies, 99), target: '< 50 ms', met: p(sends.latencies, 99) < 50 },
      { figure: `accept latency p50 at ${STEADY_RATE} sends/s`, value: p(steadySends, 50), unit: 'ms', baseline: p(steadyBase, 50), ratio: p(steadySends, 50) / p(steadyBase, 50), target: '', met: undefined },
      { figure: `accept latency p99 at ${STEADY_RATE} sends/s`, value: p(steadySends, 99), unit: 'ms', baseline: p(steadyBase, 99), ratio: p(steadySends, 99) / p(steadyBase, 99), target: '< 50 ms', met: p(steadySends, 99) < 50 },
    ];
  } finally {
    agent.destroy();
    await server.stop();
    sink.close();
  }
}
