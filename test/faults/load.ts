// A steady mixed load through the test's round-robin "load balancer": SMTP sends over STARTTLS+AUTH
// with unique Message-IDs and recipients, single sends with unique sendIds (retried with the same
// sendId when cut off or answered 5xx, as a HubSpot client does), and opens and clicks on mail the
// sink has received. Every attempt is written down with its outcome and time, for the checks after.
import fs from 'node:fs';
import nodemailer from 'nodemailer';
import type { RunningServer } from '../helpers/server.js';
import type { Sink, SinkMessage } from '../helpers/sink.js';
import { devCertFile } from '../helpers/smtp-clients.js';
import { clickHeaders, imageHeaders, trackerUrls, type TrackerUrls } from '../helpers/tracking.js';
import type { Cluster, Member } from './cluster.js';

export type Kind = 'smtp' | 'send' | 'hit' | 'probe';

/** ok: accepted / answered; refused: the server said no (a reply code); cut: no answer at all. */
export interface Attempt {
  kind: Kind;
  slot: number;
  start: number;
  end: number;
  outcome: 'ok' | 'refused' | 'cut';
  /** SMTP reply code or HTTP status. */
  code?: number;
  /** The mail's recipient (smtp, send, probe) or the hit's delivery. */
  key: string;
  note?: string;
}

export type SendFate = 'accepted' | 'ignored' | 'decided' | 'failed';

export interface LoadTarget {
  cluster: Cluster;
  sink: Sink;
  accessToken: string;
  templateId: number;
  /** SMTP token id and password. */
  login: { user: string; pass: string };
  /** Unique per scenario, so recipients never collide. */
  tag: string;
}

export interface LoadShape {
  smtpUsers: number;
  sendUsers: number;
  hitUsers: number;
  /** Pause between one user's requests. */
  pauseMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
type Transport = ReturnType<typeof nodemailer.createTransport>;
const HTML = (n: number) => `<html><body><p>Hello, here is <a href="https://acme.test/offer?n=${n}">the offer</a> and <a href="https://acme.test/terms">the terms</a>.</p></body></html>`;

export class Load {
  readonly attempts: Attempt[] = [];
  /** SMTP messages by recipient: whether the server answered 250. */
  readonly smtp = new Map<string, { messageId: string; accepted: boolean }>();
  /** Single sends by recipient (one sendId each): how the retries ended. */
  readonly sends = new Map<string, { sendId: string; fate: SendFate }>();
  /** Tracking hits by delivery id. */
  readonly hits = new Map<string, { tried: number; answered: number }>();
  private stopped = false;
  /** Mistakes of the load itself (not the server's): the scenario fails with them. */
  private readonly errors: unknown[] = [];
  private running: Promise<void>[] = [];
  private seq = 0;
  private transports = new Map<RunningServer, Transport>();
  private urls = new Map<SinkMessage, { urls: TrackerUrls; deliveryId: string } | null>();

  constructor(private readonly t: LoadTarget) {}

  start(shape: LoadShape): void {
    const users = [
      ...Array.from({ length: shape.smtpUsers }, () => () => this.smtpOnce()),
      ...Array.from({ length: shape.sendUsers }, () => () => this.sendOnce()),
      ...Array.from({ length: shape.hitUsers }, () => () => this.hitOnce()),
    ];
    this.running = users.map(async (step) => {
      while (!this.stopped) {
        await step().catch((err) => this.errors.push(err));
        await sleep(shape.pauseMs);
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
    for (const t of this.transports.values()) t.close();
    if (this.errors.length) throw new AggregateError(this.errors, `the load generator failed ${this.errors.length} times`);
  }

  /** One line for the progress log. */
  summary(): string {
    const count = (kind: Kind, outcome?: Attempt['outcome']) => this.attempts.filter((a) => a.kind === kind && (!outcome || a.outcome === outcome)).length;
    const parts = (['smtp', 'send', 'hit'] as Kind[]).map((k) => `${k} ${count(k)} (ok ${count(k, 'ok')}, refused ${count(k, 'refused')}, cut ${count(k, 'cut')})`);
    return parts.join(', ');
  }

  /**
   * Sends one SMTP message through `member` (the next live process when not given) to a fresh
   * recipient named after `prefix`; answers whether it got a 250.
   */
  async smtpOnce(member = this.t.cluster.pick(), kind: Kind = 'smtp', prefix: string = kind): Promise<{ recipient: string; accepted: boolean; at: number }> {
    const n = this.seq++;
    const recipient = `${prefix}${n}-${this.t.tag}@example.test`;
    const messageId = `<${kind}-${n}-${this.t.tag}@acme.test>`;
    if (!member?.server) {
      await sleep(100);
      return { recipient, accepted: false, at: Date.now() };
    }
    const start = Date.now();
    const record = (outcome: Attempt['outcome'], code?: number, note?: string) => this.attempts.push({ kind, slot: member.slot, start, end: Date.now(), outcome, code, key: recipient, note });
    try {
      await this.transport(member.server).sendMail({ from: 'ops@acme.test', to: recipient, subject: `Load ${n}`, messageId, html: HTML(n), text: `Hello ${n}` });
      record('ok', 250);
      this.smtp.set(recipient, { messageId, accepted: true });
      return { recipient, accepted: true, at: Date.now() };
    } catch (e) {
      const err = e as { responseCode?: number; message?: string };
      record(err.responseCode ? 'refused' : 'cut', err.responseCode, err.message?.slice(0, 200));
      this.smtp.set(recipient, { messageId, accepted: false });
      return { recipient, accepted: false, at: Date.now() };
    }
  }

  /** One single send with a fresh sendId, retried with that sendId (on any live process) while it is cut off or fails with 5xx/429. */
  async sendOnce(): Promise<void> {
    const n = this.seq++;
    const recipient = `send${n}-${this.t.tag}@example.test`;
    const sendId = `send-${n}-${this.t.tag}`;
    let fate: SendFate = 'failed';
    for (let attempt = 0; attempt < 6 && fate === 'failed'; attempt++) {
      if (attempt) await sleep(300 * attempt);
      const member = this.t.cluster.pick();
      if (!member?.server) continue;
      const body = { emailId: this.t.templateId, message: { to: recipient, sendId }, customProperties: { order_id: String(n) } };
      const answer = await this.http('send', member, recipient, '/marketing/v3/transactional/single-email/send', { method: 'POST', json: body });
      if (answer.status === 200) {
        const view = answer.body as { status?: string; sendResult?: string };
        fate = view.status === 'PENDING' ? 'accepted' : view.sendResult === 'IDEMPOTENT_IGNORE' ? 'ignored' : 'decided';
      } else if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        break; // our request was wrong: retrying would not help
      }
    }
    this.sends.set(recipient, { sendId, fate });
  }

  /** An open (mostly) or a click on a random message the sink has received. */
  async hitOnce(): Promise<void> {
    const target = await this.randomTracked();
    const member = this.t.cluster.pick();
    if (!target || !member?.server) return sleep(100);
    // Single sends' template has no links: their mail is only ever opened.
    const open = !target.urls.links.length || Math.random() < 0.7;
    const url = (open ? target.urls.pixel : target.urls.links[Math.floor(Math.random() * target.urls.links.length)]).replace(/^https?:\/\/[^/]+/, member.server.url);
    const entry = this.hits.get(target.deliveryId) ?? { tried: 0, answered: 0 };
    this.hits.set(target.deliveryId, entry);
    entry.tried++;
    const answer = await this.http('hit', member, target.deliveryId, url.slice(member.server.url.length), { method: 'GET', headers: open ? imageHeaders : clickHeaders, redirect: 'manual' });
    if (answer.status === (open ? 200 : 302)) entry.answered++;
  }

  /** A request through `member`, recorded; answers the status (0 when cut off) and the JSON body if any. */
  private async http(kind: Kind, member: Member, key: string, pathname: string, init: RequestInit & { json?: unknown }): Promise<{ status: number; body: unknown }> {
    const start = Date.now();
    const server = member.server!;
    try {
      const res = await server.api(pathname, { ...init, token: kind === 'hit' ? undefined : this.t.accessToken, signal: AbortSignal.timeout(20_000) });
      const text = await res.text();
      const ok = res.status < 400;
      this.attempts.push({ kind, slot: member.slot, start, end: Date.now(), outcome: ok ? 'ok' : 'refused', code: res.status, key, note: ok ? undefined : text.slice(0, 200) });
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: res.status, body };
    } catch (e) {
      this.attempts.push({ kind, slot: member.slot, start, end: Date.now(), outcome: 'cut', key, note: String((e as Error).cause ?? e).slice(0, 200) });
      return { status: 0, body: undefined };
    }
  }

  /**
   * One pooled SMTP client per running process. It never resends by itself: a message whose answer
   * was lost is "cut off", and a resend would be a second message the server cannot tell apart.
   */
  private transport(server: RunningServer): Transport {
    let t = this.transports.get(server);
    if (!t) {
      t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: server.smtpPort,
        secure: false,
        requireTLS: true,
        auth: { user: this.t.login.user, pass: this.t.login.pass },
        tls: { ca: fs.readFileSync(devCertFile(server)), servername: 'localhost' },
        pool: true,
        maxConnections: 2,
        maxRequeues: 0,
        connectionTimeout: 5000,
        greetingTimeout: 5000,
        socketTimeout: 20_000,
      } as Parameters<typeof nodemailer.createTransport>[0]);
      this.transports.set(server, t);
    }
    return t;
  }

  private async randomTracked(): Promise<{ urls: TrackerUrls; deliveryId: string } | null> {
    const messages = this.t.sink.messages;
    if (!messages.length) return null;
    const m = messages[Math.floor(Math.random() * messages.length)];
    if (!this.urls.has(m)) this.urls.set(m, await tracked(m));
    return this.urls.get(m) ?? null;
  }
}

/** The tracker URLs of a delivered copy and the delivery they name (null for untracked mail). */
async function tracked(m: SinkMessage): Promise<{ urls: TrackerUrls; deliveryId: string } | null> {
  try {
    const urls = await trackerUrls(m.raw);
    const payload = urls.pixel.split('/t/o/')[1].split('.')[1];
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { r: { d?: string } };
    return claim.r.d ? { urls, deliveryId: claim.r.d } : null;
  } catch {
    return null;
  }
}
