// HTTP from a chosen loopback address (127.0.0.0/8 is all ours on Linux): wrong-token calls are
// throttled per client address, so a suite that makes many on purpose spreads them over addresses.
import http from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

let next = 0;

/** A fresh loopback address for each call: 127.0.<1..250>.<1..250>. */
export function freshLoopback(): string {
  next++;
  return `127.0.${1 + (Math.floor(next / 250) % 250)}.${1 + (next % 250)}`;
}

export function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node would send a DELETE body unframed, which reads as a second request.
    const headers = { ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) };
    // A fresh connection each time (agent: false): a connection the server closed after a refusal is never reused.
    const req = http.request(url, { method: init.method ?? 'GET', headers, localAddress: init.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      // An event stream never ends: its headers are the answer.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode!, headers: toHeaders(res.headers), text: '' });
      }
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: toHeaders(res.headers), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // A hang is a finding too: it fails the call instead of stalling the suite.
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer in 15 s to ${init.method ?? 'GET'} ${url.slice(0, 200)}`)));
    req.end(init.body);
  });
}

function toHeaders(h: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
  return out;
}
