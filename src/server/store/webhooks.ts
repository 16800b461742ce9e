// Webhook endpoints, the outbox of events waiting for them, and the history of attempts
// (docs/product.md, Webhooks). Event sources call `enqueueWebhookEvent` (or, for email events,
// `enqueueEmailEvents` through store/events.ts) inside their own transaction, so an event and its
// deliveries commit together: nothing recorded is ever left unsent. Claims are leases like the
// queue's (store/queue.ts): a process that dies mid-request leaves the row to any other process.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Schema, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../db/schema.js';
import { newId, sortableId } from '../secrets.js';
import type { StoredNotification } from './notifications.js';
import { DEFAULT_SETTINGS, type NotificationChannels, type WebhookEventType } from '../../shared/api.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;

/** One event as a source hands it over: the body's `type` and `data`, and when it happened. */
export interface WebhookEvent {
  type: WebhookEventType | 'webhook.test';
  /** Epoch ms; now when absent. */
  at?: number;
  data: Record<string, unknown>;
  /** A filtered (not counted) open or click: only endpoints with includeFiltered get it. */
  filtered?: boolean;
}

// ---- endpoints -------------------------------------------------------------------------------

export interface NewEndpoint {
  url: string;
  events: string[];
  description: string | null;
  includeFiltered: boolean;
  secret: string;
}

export async function createEndpoint(db: Kysely<Schema>, accountId: string, e: NewEndpoint): Promise<EndpointRow> {
  const now = Date.now();
  const row: EndpointRow = {
    id: `ep_${newId(20)}`,
    account_id: accountId,
    url: e.url,
    description: e.description,
    events: JSON.stringify(e.events),
    include_filtered: e.includeFiltered ? 1 : 0,
    enabled: 1,
    disabled_reason: null,
    secret: e.secret,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('webhook_endpoints').values(row).execute();
  return row;
}

export async function listEndpoints(db: Kysely<Schema>, accountId: string): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
}

export async function countEndpoints(db: Kysely<Schema>, accountId: string): Promise<number> {
  const r = await db.selectFrom('webhook_endpoints').select(sql<number>`count(*)`.as('n')).where('account_id', '=', accountId).executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function getEndpoint(db: Kysely<Schema>, accountId: string, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}

export interface EndpointChange {
  url?: string;
  events?: string[];
  description?: string | null;
  includeFiltered?: boolean;
  enabled?: boolean;
  secret?: string;
}

/** Applies the change; answers the updated endpoint, or undefined when the account has no such id. */
export async function updateEndpoint(db: Kysely<Schema>, accountId: string, id: string, c: EndpointChange): Promise<EndpointRow | undefined> {
  const set = {
    updated_at: Date.now(),
    ...(c.url !== undefined ? { url: c.url } : {}),
    ...(c.events !== undefined ? { events: JSON.stringify(c.events) } : {}),
    ...(c.description !== undefined ? { description: c.description } : {}),
    ...(c.includeFiltered !== undefined ? { include_filtered: c.includeFiltered ? 1 : 0 } : {}),
    // Turned on again by an admin: the reason it was turned off no longer holds.
    ...(c.enabled !== undefined ? { enabled: c.enabled ? 1 : 0, disabled_reason: null } : {}),
    ...(c.secret !== undefined ? { secret: c.secret } : {}),
  };
  const res = await db.updateTable('webhook_endpoints').set(set).where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  if (!Number(res.numUpdatedRows)) return undefined;
  return getEndpoint(db, accountId, id);
}

/** Removes the endpoint with its outbox and history. */
export async function deleteEndpoint(db: Kysely<Schema>, accountId: string, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx.deleteFrom('webhook_endpoints').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    if (!Number(res.numDeletedRows)) return false;
    await trx.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
    await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
    return true;
  });
}

/** The receiver said 410 Gone: no more requests until an admin turns the endpoint on again. */
export async function disableEndpoint(db: Kysely<Schema>, id: string, reason: string): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ enabled: 0, disabled_reason: reason, updated_at: Date.now() }).where('id', '=', id).execute();
}

// ---- the outbox: writing -----------------------------------------------------------------------

const newDeliveryId = () => `msg_${sortableId()}`;

type Subscriber = Pick<EndpointRow, 'id' | 'account_id' | 'events' | 'include_filtered'>;

/** Whether any of these accounts has an enabled webhook endpoint. */
export async function hasWebhooks(db: Kysely<Schema>, accountIds: string[]): Promise<boolean> {
  return (await subscribers(db, accountIds)).length > 0;
}

async function subscribers(db: Kysely<Schema>, accountIds: string[]): Promise<Subscriber[]> {
  if (!accountIds.length) return [];
  return db.selectFrom('webhook_endpoints').select(['id', 'account_id', 'events', 'include_filtered']).where('account_id', 'in', accountIds).where('enabled', '=', 1).execute();
}

function wants(s: Subscriber, e: WebhookEvent): boolean {
  if (e.filtered && !s.include_filtered) return false;
  return e.type === 'webhook.test' || (JSON.parse(s.events) as string[]).includes(e.type);
}

async function insertDeliveries(db: Kysely<Schema>, subs: Subscriber[], events: Array<{ accountId: string; event: WebhookEvent }>): Promise<number> {
  const now = Date.now();
  const rows = [];
  for (const { accountId, event } of events) {
    for (const s of subs) {
      if (s.account_id !== accountId || !wants(s, event)) continue;
      const payload = JSON.stringify({ type: event.type, timestamp: new Date(event.at ?? now).toISOString(), data: event.data });
      rows.push({ id: newDeliveryId(), account_id: accountId, endpoint_id: s.id, channel: null, target_url: null, event_type: event.type, payload, status: 'PENDING' as const, attempts: 0, next_attempt_at: now, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: now, updated_at: now });
    }
  }
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('webhook_deliveries').values(rows.slice(i, i + 200)).execute();
  return rows.length;
}

/**
 * THE entry point for event sources (docs/architecture.md): queues `event` for every enabled
 * endpoint of the account subscribed to its type, in the caller's transaction `trx`. Answers how
 * many deliveries were queued (0 when no endpoint wants it).
 */
export async function enqueueWebhookEvent(trx: Kysely<Schema>, accountId: string, event: WebhookEvent): Promise<number> {
  return enqueueWebhookEvents(trx, accountId, [event]);
}

/** The same for several events of one account (one look at its endpoints). */
export async function enqueueWebhookEvents(trx: Kysely<Schema>, accountId: string, events: WebhookEvent[]): Promise<number> {
  if (!events.length) return 0;
  return insertDeliveries(trx, await subscribers(trx, [accountId]), events.map((event) => ({ accountId, event })));
}

/** A test event for one endpoint, whatever it subscribes to. */
export async function enqueueTestEvent(db: Kysely<Schema>, endpoint: EndpointRow): Promise<string> {
  const now = Date.now();
  const id = newDeliveryId();
  const payload = JSON.stringify({ type: 'webhook.test', timestamp: new Date(now).toISOString(), data: { endpointId: endpoint.id, message: 'This is a test event from Mailbeacon.' } });
  await db
    .insertInto('webhook_deliveries')
    .values({ id, account_id: endpoint.account_id, endpoint_id: endpoint.id, channel: null, target_url: null, event_type: 'webhook.test', payload, status: 'PENDING', attempts: 0, next_attempt_at: now, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: now, updated_at: now })
    .execute();
  return id;
}

/** Email event types (the Events API's) and the webhook event each one is. */
const EMAIL_EVENT_TYPES: Record<string, WebhookEventType> = {
  SENT: 'email.sent',
  DELIVERED: 'email.delivered',
  DEFERRED: 'email.deferred',
  BOUNCE: 'email.bounced',
  DROPPED: 'email.dropped',
  OPEN: 'email.opened',
  CLICK: 'email.clicked',
  REPLY: 'email.replied',
};

/** An email event as store/events.ts writes it. */
export interface EmailEventRow {
  id: string;
  account_id: string;
  type: string;
  recipient: string;
  campaign_id: number | null;
  delivery_id: string | null;
  tracked_email_id?: string | null;
  created: number;
  filtered: number;
  details: string;
}

// A single send's Message-ID names its send status (send/compose.ts messageIdFor).
const STATUS_MESSAGE_ID = /^<([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.ss@[^>]+>$/;

/**
 * Queues the webhook events these email events are (sent, delivered, deferred, bounced, dropped,
 * opened, clicked, replied), in the caller's transaction. Costs one indexed read when the accounts
 * have no endpoint.
 */
export async function enqueueEmailEvents(db: Kysely<Schema>, rows: EmailEventRow[]): Promise<void> {
  const mapped = rows.filter((r) => EMAIL_EVENT_TYPES[r.type]);
  if (!mapped.length) return;
  const subs = await subscribers(db, [...new Set(mapped.map((r) => r.account_id))]);
  const relevant = mapped.filter((r) => subs.some((s) => s.account_id === r.account_id && wants(s, { type: EMAIL_EVENT_TYPES[r.type], data: {}, filtered: !!r.filtered })));
  if (!relevant.length) return;

  const deliveryIds = [...new Set(relevant.map((r) => r.delivery_id).filter((d): d is string => !!d))];
  const trackedIds = [...new Set(relevant.map((r) => r.tracked_email_id).filter((d): d is string => !!d))];
  const messages = deliveryIds.length
    ? await db
        .selectFrom('deliveries')
        .innerJoin('messages', 'messages.id', 'deliveries.message_id')
        .select(['deliveries.id as delivery_id', 'messages.subject', 'messages.message_id_header', 'messages.source'])
        .where('deliveries.id', 'in', deliveryIds)
        .execute()
    : [];
  const byDelivery = new Map(messages.map((m) => [m.delivery_id, m]));
  const statusIds = [...new Set(messages.map((m) => (m.source === 'API' ? STATUS_MESSAGE_ID.exec(m.message_id_header ?? '')?.[1] : undefined)).filter((s): s is string => !!s))];
  const templates = statusIds.length ? await db.selectFrom('send_statuses').select(['id', 'template_id']).where('id', 'in', statusIds).execute() : [];
  const templateOf = new Map(templates.map((t) => [t.id, t.template_id]));
  const tracked = trackedIds.length ? await db.selectFrom('tracked_emails').select(['id', 'subject', 'internet_message_id']).where('id', 'in', trackedIds).execute() : [];
  const byTracked = new Map(tracked.map((t) => [t.id, t]));

  const events = relevant.map((r) => {
    const d = JSON.parse(r.details) as Record<string, unknown>;
    const m = r.delivery_id ? byDelivery.get(r.delivery_id) : undefined;
    const t = r.tracked_email_id ? byTracked.get(r.tracked_email_id) : undefined;
    const statusId = m?.source === 'API' ? STATUS_MESSAGE_ID.exec(m.message_id_header ?? '')?.[1] : undefined;
    const templateId = statusId ? templateOf.get(statusId) : undefined;
    const type = EMAIL_EVENT_TYPES[r.type];
    const response = typeof d.response === 'string' ? d.response : typeof d.dropMessage === 'string' ? d.dropMessage : undefined;
    const data: Record<string, unknown> = {
      eventId: r.id,
      recipient: r.recipient || null,
      subject: m?.subject ?? t?.subject ?? null,
      messageId: m?.message_id_header ?? t?.internet_message_id ?? null,
      ...(statusId ? { statusId } : {}),
      ...(templateId != null ? { emailId: Number(templateId) } : {}),
      ...(r.tracked_email_id ? { trackedEmailId: r.tracked_email_id } : {}),
      campaignId: r.campaign_id === null ? null : String(r.campaign_id),
      ...(response !== undefined ? { smtpResponse: response } : {}),
      ...(type === 'email.bounced' ? { bounceType: (response ?? '').startsWith('4') ? 'SOFT' : 'HARD' } : {}),
      ...(type === 'email.dropped' && typeof d.dropReason === 'string' ? { dropReason: d.dropReason } : {}),
      ...(type === 'email.deferred' && typeof d.attempt === 'number' ? { attempt: d.attempt } : {}),
      ...(type === 'email.clicked' && typeof d.url === 'string' ? { url: d.url } : {}),
      ...(type === 'email.opened' || type === 'email.clicked' ? { verdict: d.verdict ?? null, reasons: d.reasons ?? [], filtered: !!r.filtered, ...(d.inferred ? { inferred: true } : {}) } : {}),
    };
    return { accountId: r.account_id, event: { type, at: Number(r.created), data, filtered: !!r.filtered } satisfies WebhookEvent };
  });
  await insertDeliveries(db, subs, events);
}

/** A notification a rep gets (store/notifications.ts), as their Slack/Teams channels receive it. */
export interface ChannelNotice {
  account_id: string;
  user_id: string;
  type: 'OPEN' | 'CLICK' | 'REPLY' | 'REMINDER';
  who: string;
  subject: string;
  url: string | null;
  email_id: string;
  at: number;
}

/** What a channel post is recorded as in the delivery history. */
const CHANNEL_EVENT_TYPE: Record<ChannelNotice['type'], string> = { OPEN: 'email.opened', CLICK: 'email.clicked', REPLY: 'email.replied', REMINDER: 'reminder' };

/**
 * Queues a post to each Slack/Teams channel the reps of these just-stored notifications set up, in the
 * caller's transaction; `accountOf` names each rep's account.
 */
export async function enqueueChannelPosts(db: Kysely<Schema>, notified: StoredNotification[], accountOf: (userId: string) => string): Promise<void> {
  if (!notified.length) return;
  const notices: ChannelNotice[] = notified.map((n) => ({ account_id: accountOf(n.userId), user_id: n.userId, type: n.type, who: n.who, subject: n.subject, url: n.url ?? null, email_id: n.emailId, at: Date.parse(n.at) }));
  const rows = await db.selectFrom('user_settings').select(['user_id', 'settings']).where('user_id', 'in', [...new Set(notices.map((n) => n.user_id))]).execute();
  const channels = new Map(rows.map((r) => [r.user_id, channelsOf(r.settings)]));
  const now = Date.now();
  const out = [];
  for (const n of notices) {
    const c = channels.get(n.user_id);
    if (!c) continue;
    const payload = JSON.stringify({ type: n.type, who: n.who, subject: n.subject, url: n.url, emailId: n.email_id, at: n.at });
    for (const [channel, url] of [['slack', c.slackWebhookUrl], ['teams', c.teamsWebhookUrl]] as const) {
      if (!url) continue;
      out.push({ id: newDeliveryId(), account_id: n.account_id, endpoint_id: `${channel}:${n.user_id}`, channel, target_url: url, event_type: CHANNEL_EVENT_TYPE[n.type], payload, status: 'PENDING' as const, attempts: 0, next_attempt_at: now, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: now, updated_at: now });
    }
  }
  if (out.length) await db.insertInto('webhook_deliveries').values(out).execute();
}

function channelsOf(settings: string): NotificationChannels {
  try {
    const v = JSON.parse(settings) as { channels?: Partial<NotificationChannels> };
    return { ...DEFAULT_SETTINGS.channels, ...v.channels };
  } catch {
    return DEFAULT_SETTINGS.channels;
  }
}

// ---- the outbox: sending -----------------------------------------------------------------------

/** Endpoints (and channel targets) with deliveries due now that no live lease holds, oldest first. */
export async function dueTargets(db: Kysely<Schema>, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select('endpoint_id')
    .distinct()
    .where('status', '=', 'PENDING')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    // A turned-off endpoint's deliveries wait (for it to be turned on again) without taking a place here.
    .where('endpoint_id', 'not in', db.selectFrom('webhook_endpoints').select('id').where('enabled', '=', 0))
    .limit(limit)
    .execute();
  return rows.map((r) => r.endpoint_id);
}

export interface ClaimedWebhook {
  id: string;
  account_id: string;
  endpoint_id: string;
  channel: 'slack' | 'teams' | null;
  target_url: string | null;
  payload: string;
  attempts: number;
  created_at: number;
}

/**
 * Leases up to `limit` due deliveries of one target to `owner` until `leaseUntil` (the caller checked
 * that an endpoint is enabled). On PostgreSQL rows another process is claiming are skipped.
 */
export async function claimWebhookDeliveries(db: Kysely<Schema>, dialect: 'sqlite' | 'postgres', target: string, owner: string, limit: number, now: number, leaseUntil: number): Promise<ClaimedWebhook[]> {
  let due = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('endpoint_id', '=', target)
    .where('status', '=', 'PENDING')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit);
  if (dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: owner, lease_until: leaseUntil })
    .where('id', 'in', due)
    .returning(['id', 'account_id', 'endpoint_id', 'channel', 'target_url', 'payload', 'attempts', 'created_at'])
    .execute();
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts), created_at: Number(r.created_at) }));
}

/** What sending needs of an endpoint: where, and the key to sign with. */
export async function endpointTarget(db: Kysely<Schema>, id: string): Promise<{ url: string; secret: string; enabled: boolean } | undefined> {
  const r = await db.selectFrom('webhook_endpoints').select(['url', 'secret', 'enabled']).where('id', '=', id).executeTakeFirst();
  return r && { url: r.url, secret: r.secret, enabled: !!Number(r.enabled) };
}

export interface AttemptResult {
  at: number;
  statusCode: number | null;
  durationMs: number;
  response: string | null;
  error: string | null;
}

/** What becomes of the delivery after an attempt. */
export type AttemptOutcome = { status: 'DELIVERED' } | { status: 'FAILED' } | { status: 'PENDING'; retryAt: number };

/** One attempt of a claimed delivery and what becomes of it. */
export interface SettledAttempt {
  delivery: ClaimedWebhook;
  attempt: AttemptResult;
  outcome: AttemptOutcome;
}

/**
 * Records attempts and their outcomes in one transaction, each only if `owner` still holds its lease;
 * answers the ids recorded (a missing one went out, but the delivery is another process's now and it
 * records its own).
 */
export async function recordWebhookAttempts(db: Kysely<Schema>, owner: string, settled: SettledAttempt[]): Promise<Set<string>> {
  if (!settled.length) return new Set();
  return db.transaction().execute(async (trx) => {
    const recorded = new Set<string>();
    for (const { delivery: d, attempt: a, outcome } of settled) {
      const res = await trx
        .updateTable('webhook_deliveries')
        .set({
          status: outcome.status,
          attempts: d.attempts + 1,
          next_attempt_at: outcome.status === 'PENDING' ? outcome.retryAt : a.at,
          lease_owner: null,
          lease_until: null,
          last_status_code: a.statusCode,
          last_error: a.error,
          updated_at: a.at,
        })
        .where('id', '=', d.id)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows)) recorded.add(d.id);
    }
    const rows = settled
      .filter((s) => recorded.has(s.delivery.id))
      .map(({ delivery: d, attempt: a }) => ({ delivery_id: d.id, account_id: d.account_id, endpoint_id: d.endpoint_id, at: a.at, status_code: a.statusCode, duration_ms: a.durationMs, response: a.response, error: a.error }));
    for (let i = 0; i < rows.length; i += 200) await trx.insertInto('webhook_attempts').values(rows.slice(i, i + 200)).execute();
    return recorded;
  });
}

/**
 * The endpoint answers again: its deliveries waiting for a retry are due now, rather than after the
 * rest of their back-off (which can be hours), so a receiver that was down gets its backlog at once.
 */
export async function hurryBacklog(db: Kysely<Schema>, endpointId: string, now: number): Promise<number> {
  const res = await db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: now })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'PENDING')
    .where('attempts', '>', 0)
    .where('next_attempt_at', '>', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

// ---- history -----------------------------------------------------------------------------------

/** An endpoint's deliveries, newest first, before the (created_at, id) of the last one seen. */
export async function listWebhookDeliveries(db: Kysely<Schema>, accountId: string, endpointId: string, page: { before?: { createdAt: number; id: string }; limit: number; status?: string }): Promise<WebhookDeliveryRow[]> {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('account_id', '=', accountId).where('endpoint_id', '=', endpointId);
  if (page.status) q = q.where('status', '=', page.status as WebhookDeliveryRow['status']);
  if (page.before) {
    const { createdAt, id } = page.before;
    q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export async function attemptsOf(db: Kysely<Schema>, deliveryIds: string[]): Promise<WebhookAttemptRow[]> {
  if (!deliveryIds.length) return [];
  return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('at').orderBy('id').execute();
}

export async function getWebhookDelivery(db: Kysely<Schema>, accountId: string, endpointId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('account_id', '=', accountId).where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
}

/** Sends the delivery again as soon as possible, with the same `webhook-id` and body. */
export async function retryWebhookDelivery(db: Kysely<Schema>, accountId: string, endpointId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
  const now = Date.now();
  const res = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'PENDING', next_attempt_at: now, updated_at: now })
    .where('account_id', '=', accountId)
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!Number(res.numUpdatedRows)) return undefined;
  return getWebhookDelivery(db, accountId, endpointId, id);
}

/** Deletes up to `limit` attempts and finished deliveries older than `before`; answers how many went. */
export async function pruneWebhookHistory(db: Kysely<Schema>, before: number, limit: number): Promise<number> {
  const attempts = db.selectFrom('webhook_attempts').select('id').where('at', '<', before).limit(limit);
  const a = await db.deleteFrom('webhook_attempts').where('id', 'in', attempts).executeTakeFirst();
  const finished = db.selectFrom('webhook_deliveries').select('id').where('status', 'in', ['DELIVERED', 'FAILED']).where('updated_at', '<', before).limit(limit);
  const d = await db.deleteFrom('webhook_deliveries').where('id', 'in', finished).executeTakeFirst();
  return Number(a.numDeletedRows) + Number(d.numDeletedRows);
}

// ---- the daily digest ------------------------------------------------------------------------

/** Reps who asked for the daily digest (their settings say `"emailDigest":"daily"`), still in their account. */
export async function digestSubscribers(db: Kysely<Schema>): Promise<Array<{ userId: string; accountId: string; email: string; name: string | null; settings: string }>> {
  const rows = await db
    .selectFrom('user_settings')
    .innerJoin('users', 'users.id', 'user_settings.user_id')
    .select(['users.id as userId', 'users.account_id as accountId', 'users.email', 'users.name', 'user_settings.settings'])
    .where('user_settings.settings', 'like', '%"emailDigest":"daily"%')
    .where('users.removed_at', 'is', null)
    .execute();
  return rows.filter((r) => channelsOf(r.settings).emailDigest === 'daily');
}

/** When the rep's last digest went out (undefined: never), and whether today's did. */
export async function lastDigest(db: Kysely<Schema>, userId: string): Promise<{ day: string; sentAt: number } | undefined> {
  const r = await db.selectFrom('channel_digests').select(['day', 'sent_at']).where('user_id', '=', userId).orderBy('day', 'desc').limit(1).executeTakeFirst();
  return r && { day: r.day, sentAt: Number(r.sent_at) };
}

/** Marks the day's digest as sent, in the transaction that queues it; throws when another process already did. */
export async function claimDigest(trx: Kysely<Schema>, userId: string, accountId: string, day: string, at: number): Promise<void> {
  await trx.insertInto('channel_digests').values({ user_id: userId, account_id: accountId, day, sent_at: at }).execute();
}

/** The rep's notifications (counted opens and clicks they asked to hear about) between two times, oldest first. */
export async function notificationsBetween(db: Kysely<Schema>, userId: string, from: number, to: number, limit: number) {
  return db
    .selectFrom('notifications')
    .select(['type', 'who', 'subject', 'url', 'email_id', 'at'])
    .where('user_id', '=', userId)
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at')
    .limit(limit)
    .execute();
}
