// Configuration comes only from the environment (docs/product.md §2), read once at start and validated here,
// so a bad value stops the process with one line that names the variable and what it accepts.
import { isIP } from 'node:net';
import path from 'node:path';

export interface TrackingKey {
  id: string;
  secret: string;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  httpsPort: number;
  addinUrl: string;
  smtpPort: number;
  smtpHost: string;
  smtpTlsPort: number | undefined;
  smtpMaxBytes: number;
  /** PROXY protocol on the SMTP listeners: from every peer (true), from these balancer addresses, or off. */
  smtpProxyProtocol: boolean | string[];
  dataDir: string;
  databaseUrl: string | undefined;
  relayUrl: string | undefined;
  relaySourceIp: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  trackingKeys: TrackingKey[] | undefined;
  apiRateLimit: number;
  logLevel: string;
  trustProxy: boolean;
  /** Serve the add-in's source maps and build-info.json (off: they describe our code to anyone). */
  serveSourceMaps: boolean;
  queue: QueueTiming;
  relayPoolSize: number;
  /** Retention sweeps (docs/product.md §13): how often, and rows per batch (each batch one short transaction). */
  retention: { every: number; batch: number };
  /** Webhooks and channel posts (docs/product.md, Webhooks). */
  webhooks: WebhookConfig;
  /** Connected mailboxes (IMAP) and follow-up reminders. */
  mailbox: MailboxTiming;
  /** 32 bytes (hex or base64) that encrypt stored mailbox secrets; unset: one generated and kept in the database. */
  secretKey: Buffer | undefined;
}

/** How webhooks are sent (times in milliseconds). */
export interface WebhookConfig {
  /** WEBHOOK_ALLOW_PRIVATE: targets on loopback and private networks are allowed (development, tests). */
  allowPrivate: boolean;
  /** An answer (headers and body) slower than this is a failed attempt. */
  timeout: number;
  /** The wait before each retry; after the last one the delivery is FAILED. */
  retrySchedule: number[];
  /** How long a claimed delivery is this process's: after a crash, others take it over once it ran out. */
  lease: number;
  /** Requests in flight to one endpoint from one process. */
  concurrency: number;
  /** How often the outbox is looked at for due deliveries. */
  poll: number;
  /** Delivery history older than this is deleted. */
  retention: number;
  /** DNS servers to resolve targets with instead of the system's (WEBHOOK_DNS_SERVERS). */
  dnsServers: string[] | undefined;
  /** The daily digest: the hour (UTC) it goes out, its From:, and how often the due ones are looked for. */
  digestHour: number;
  digestFrom: string;
  digestCheck: number;
}

/** Connected-mailbox sync and reminders (all in milliseconds). */
export interface MailboxTiming {
  /** How far back the first connection logs sent mail. */
  backfill: number;
  /** How often a folder is checked when the server has no IDLE (and the inbox, which is not idled on). */
  poll: number;
  /** A syncing process's claim; a dead one's mailboxes are taken over after this. */
  lease: number;
  retryBase: number;
  retryMax: number;
  /** How often due reminders are looked for. */
  reminderCheck: number;
  /** Added to the clock reminders use (tests move time forward; 0 in production). */
  clockOffset: number;
  /** A server silent this long (or a sync pass taking this long) ends the session, retried with back-off. */
  timeout: number;
  /** Allow mail servers on loopback and private addresses (off: a user could make the server probe the internal network). */
  allowPrivate: boolean;
  /** PEM file of extra certificate authorities trusted for IMAP TLS (a private CA); unset: the system's. */
  tlsCa: string | undefined;
}

/** How the outbound queue retries (all in milliseconds). */
export interface QueueTiming {
  /** First retry delay; each further one doubles, with jitter. */
  retryBase: number;
  retryMax: number;
  /** A delivery still failing this long after it was accepted is DROPPED. */
  giveUpAfter: number;
  /** How long a claim lasts without renewal: a crashed process's work is taken over after this. */
  lease: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly accepts: string,
    readonly got: string,
  ) {
    super(`Invalid configuration: ${variable} must be ${accepts} (got ${JSON.stringify(got)}).`);
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates every variable of docs/product.md §2; throws ConfigError on the first bad one. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const read = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const port = (name: string, fallback: number) => {
    const v = read(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new ConfigError(name, 'a port number from 1 to 65535', v);
    return n;
  };
  const positive = (name: string, fallback: number) => {
    const v = read(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new ConfigError(name, 'a whole number of at least 1', v);
    return Number(v);
  };
  const url = (name: string, schemes: string[], fallback?: string) => {
    const v = read(name);
    if (v === undefined) return fallback;
    const bad = () => new ConfigError(name, `a URL starting with ${schemes.map((s) => s + '//').join(' or ')}`, hidePassword(v));
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw bad();
    }
    if (!schemes.includes(u.protocol) || !u.hostname) throw bad();
    return v;
  };
  const baseUrl = (name: string, schemes: string[], fallback: string) => {
    const v = url(name, schemes, fallback)!;
    const u = new URL(v);
    if (u.search || u.hash) throw new ConfigError(name, 'a base URL without query or fragment', v);
    return v.replace(/\/+$/, '');
  };

  const httpPort = port('PORT', 3000);
  const httpsPort = port('HTTPS_PORT', 3443);
  const host = read('HOST') ?? '127.0.0.1';
  const smtpHost = read('SMTP_HOST') ?? '127.0.0.1';

  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, logLevel);

  const tlsCert = read('TLS_CERT');
  const tlsKey = read('TLS_KEY');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    const missing = tlsCert === undefined ? 'TLS_CERT' : 'TLS_KEY';
    throw new ConfigError(missing, 'set together with ' + (missing === 'TLS_CERT' ? 'TLS_KEY' : 'TLS_CERT') + ' (a PEM file path)', '');
  }

  const relaySourceIp = read('RELAY_SOURCE_IP');
  if (relaySourceIp !== undefined && !/^[0-9a-fA-F:.]+$/.test(relaySourceIp)) {
    throw new ConfigError('RELAY_SOURCE_IP', 'an IPv4 or IPv6 address of this machine', relaySourceIp);
  }

  const smtpTls = read('SMTP_TLS_PORT');
  const duration = (name: string, fallback: number) => {
    const v = read(name);
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    if (ms === undefined) throw new ConfigError(name, 'a duration such as 500ms, 30s, 10m or 72h', v);
    return ms;
  };

  return {
    port: httpPort,
    host,
    publicUrl: baseUrl('PUBLIC_URL', ['http:', 'https:'], `http://localhost:${httpPort}`),
    httpsPort,
    addinUrl: baseUrl('ADDIN_URL', ['https:'], `https://localhost:${httpsPort}`),
    smtpPort: port('SMTP_PORT', 2525),
    smtpHost,
    smtpTlsPort: smtpTls === undefined ? undefined : port('SMTP_TLS_PORT', 465),
    smtpMaxBytes: positive('SMTP_MAX_BYTES', 25 * 1024 * 1024),
    smtpProxyProtocol: parseProxyProtocol(read('SMTP_PROXY_PROTOCOL')),
    dataDir: path.resolve(cwd, read('DATA_DIR') ?? './data'),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    relayUrl: url('RELAY_URL', ['smtp:', 'smtps:']),
    relaySourceIp,
    tlsCert: tlsCert && path.resolve(cwd, tlsCert),
    tlsKey: tlsKey && path.resolve(cwd, tlsKey),
    trackingKeys: parseTrackingKeys(read('TRACKING_KEYS')),
    apiRateLimit: positive('API_RATE_LIMIT', 5000),
    logLevel,
    trustProxy: parseBool('TRUST_PROXY', read('TRUST_PROXY'), false),
    serveSourceMaps: parseBool('SERVE_SOURCE_MAPS', read('SERVE_SOURCE_MAPS'), false),
    queue: {
      retryBase: duration('QUEUE_RETRY_BASE', 30_000),
      retryMax: duration('QUEUE_RETRY_MAX', 3600_000),
      giveUpAfter: duration('QUEUE_GIVE_UP', 72 * 3600_000),
      lease: duration('QUEUE_LEASE', 30_000),
    },
    relayPoolSize: positive('RELAY_POOL_SIZE', 5),
    retention: { every: duration('RETENTION_SWEEP_EVERY', 3600_000), batch: positive('RETENTION_BATCH', 500) },
    webhooks: {
      allowPrivate: parseBool('WEBHOOK_ALLOW_PRIVATE', read('WEBHOOK_ALLOW_PRIVATE'), false),
      timeout: duration('WEBHOOK_TIMEOUT', 10_000),
      retrySchedule: durationList('WEBHOOK_RETRY_SCHEDULE', read('WEBHOOK_RETRY_SCHEDULE'), '5s,5m,30m,2h,5h,10h,10h'),
      lease: duration('WEBHOOK_LEASE', duration('WEBHOOK_TIMEOUT', 10_000) + 30_000),
      concurrency: positive('WEBHOOK_CONCURRENCY', 16),
      poll: duration('WEBHOOK_POLL', 100),
      retention: duration('WEBHOOK_RETENTION', 30 * 86_400_000),
      dnsServers: parseDnsServers(read('WEBHOOK_DNS_SERVERS')),
      digestHour: hourOfDay(read('DIGEST_HOUR')),
      digestFrom: read('DIGEST_FROM') ?? `Mailbeacon <digest@${new URL(baseUrl('PUBLIC_URL', ['http:', 'https:'], `http://localhost:${httpPort}`)).hostname}>`,
      digestCheck: duration('DIGEST_CHECK', 5 * 60_000),
    },
    mailbox: {
      backfill: duration('MAILBOX_BACKFILL', 7 * 86_400_000),
      poll: duration('MAILBOX_POLL', 5_000),
      lease: duration('MAILBOX_LEASE', 60_000),
      retryBase: duration('MAILBOX_RETRY_BASE', 30_000),
      retryMax: duration('MAILBOX_RETRY_MAX', 30 * 60_000),
      reminderCheck: duration('REMINDER_CHECK', 60_000),
      clockOffset: duration('REMINDER_CLOCK_OFFSET', 0),
      timeout: duration('MAILBOX_TIMEOUT', 120_000),
      allowPrivate: parseBool('MAILBOX_ALLOW_PRIVATE', read('MAILBOX_ALLOW_PRIVATE'), false),
      tlsCa: read('MAILBOX_TLS_CA') && path.resolve(cwd, read('MAILBOX_TLS_CA')!),
    },
    secretKey: parseSecretKey(read('SECRET_KEY')),
  };
}

/** `5s,5m,30m` → [5000, 300000, 1800000]: the wait before each webhook retry (about a day in all by default). */
function durationList(name: string, v: string | undefined, fallback: string): number[] {
  const list = (v ?? fallback).split(',').map((d) => parseDuration(d));
  if (!list.length || list.some((d) => d === undefined)) throw new ConfigError(name, 'a comma-separated list of durations such as 5s,5m,30m,2h', v ?? '');
  return list as number[];
}

/** DIGEST_HOUR: 0–23, the hour (UTC) the daily digest goes out; 7 by default. */
function hourOfDay(v: string | undefined): number {
  if (v === undefined) return 7;
  if (!/^\d{1,2}$/.test(v) || Number(v) > 23) throw new ConfigError('DIGEST_HOUR', 'an hour of the day from 0 to 23 (UTC)', v);
  return Number(v);
}

/** `127.0.0.1:5353,8.8.8.8`: addresses (with an optional port) of DNS servers. */
function parseDnsServers(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const list = v.split(',').map((s) => s.trim());
  const bad = list.find((s) => !isIP(s) && !isIP(s.replace(/:\d+$/, '')) && !/^\[[0-9a-f:]+\]:\d+$/i.test(s));
  if (bad !== undefined) throw new ConfigError('WEBHOOK_DNS_SERVERS', 'a comma-separated list of DNS server addresses (127.0.0.1:5353, 8.8.8.8)', bad);
  return list;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** `500ms`, `30s`, `10m`, `72h`, `2d` → milliseconds; undefined when it is not one. */
export function parseDuration(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]];
  return ms > 0 ? Math.round(ms) : undefined;
}

/** SECRET_KEY: 32 bytes as 64 hex digits or base64. */
function parseSecretKey(v: string | undefined): Buffer | undefined {
  if (v === undefined) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (key.length !== 32) throw new ConfigError('SECRET_KEY', '32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)', '***');
  return key;
}

/** Error messages and logs may show a URL, never the password inside it. */
export function hidePassword(url: string): string {
  return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@');
}

function parseBool(name: string, v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, 'true or false', v);
}

/** `true`, `false`, or the balancers' addresses (`10.0.0.5,10.0.0.6`): only they then send the header. */
function parseProxyProtocol(v: string | undefined): boolean | string[] {
  if (v === undefined || /^(0|false|no|off|1|true|yes|on)$/i.test(v)) return parseBool('SMTP_PROXY_PROTOCOL', v, false);
  const addresses = v.split(',').map((a) => a.trim());
  const bad = addresses.find((a) => !isIP(a));
  if (bad !== undefined) throw new ConfigError('SMTP_PROXY_PROTOCOL', 'true, false or a comma-separated list of the balancers\' IP addresses', bad);
  return addresses;
}

/** `id:secret,id:secret`, newest first: the first key signs, every key verifies. */
export function parseTrackingKeys(v: string | undefined): TrackingKey[] | undefined {
  if (v === undefined) return undefined;
  const accepts = 'a comma-separated list of id:secret pairs (id of letters, digits, - or _; secret of at least 32 characters)';
  const keys = v.split(',').map((pair) => {
    const at = pair.indexOf(':');
    const id = pair.slice(0, at).trim();
    const secret = pair.slice(at + 1).trim();
    if (at < 1 || !/^[A-Za-z0-9_-]{1,16}$/.test(id) || secret.length < 32) {
      // Never the value itself: an entry without `id:` is most likely a bare secret.
      throw new ConfigError('TRACKING_KEYS', accepts, at < 1 ? 'an entry without id:' : `${id}:…`);
    }
    return { id, secret };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new ConfigError('TRACKING_KEYS', accepts + ' with unique ids', 'duplicate id');
  return keys;
}
