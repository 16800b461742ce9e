// A real HTTP webhook receiver (node:http): keeps every request, verifies each signature with the
// `standardwebhooks` library (never with our own code), and can answer an error, answer slowly, or
// go away and come back on the same port.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { freePort } from './ports.js';

export interface Received {
  path: string;
  id: string;
  timestamp: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The verified payload (`standardwebhooks` threw for none of them, or `verified` is false). */
  json: { type: string; timestamp: string; data: Record<string, unknown> } & Record<string, unknown>;
  verified: boolean;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  /** Every request, in order of arrival, answered or not. */
  requests: Received[];
  /** Answered with `status` (default 200) after `delayMs` (default 0). */
  answer: { status: number; delayMs: number; body: string; location?: string };
  /** Set the secret to verify with (an endpoint's, from its creation answer). */
  secret: string;
  /** Resolves once `pred` holds for the requests so far. */
  waitFor(pred: (r: Received[]) => boolean, timeoutMs?: number, what?: string): Promise<Received[]>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(opts: { port?: number; secret?: string } = {}): Promise<Receiver> {
  const port = opts.port ?? (await freePort());
  let server: http.Server | undefined;
  const sockets = new Set<import('node:net').Socket>();
  const r: Receiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    requests: [],
    answer: { status: 200, delayMs: 0, body: 'ok' },
    secret: opts.secret ?? '',
    async waitFor(pred, timeoutMs = 20_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!pred(r.requests)) {
        if (Date.now() > deadline) throw new Error(`receiver: ${what} not met; got ${r.requests.length} requests: ${r.requests.map((q) => q.json?.type + ' ' + q.id).join(', ')}`);
        await new Promise((res) => setTimeout(res, 20));
      }
      return r.requests;
    },
    down() {
      const closing = server;
      server = undefined;
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
    },
    up: () => listen(),
    close: () => r.down(),
  };

  function listen(): Promise<void> {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Received['json'];
        let verified = false;
        try {
          json = new Webhook(r.secret).verify(body, req.headers as Record<string, string>) as Received['json'];
          verified = true;
        } catch {
          try {
            json = JSON.parse(body);
          } catch {
            json = { type: '(not json)', timestamp: '', data: {} };
          }
        }
        const { status, delayMs, body: answerBody, location } = r.answer;
        r.requests.push({ path: req.url ?? '', id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), headers: req.headers, body, json, verified, at: Date.now() });
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'text/plain', ...(location ? { location } : {}) }).end(answerBody);
        };
        if (delayMs) setTimeout(send, delayMs);
        else send();
      });
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const s = server;
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
  }

  await listen();
  return r;
}

/** The requests of a type that carried a valid signature. */
export const ofType = (requests: Received[], type: string) => requests.filter((q) => q.verified && q.json.type === type);
