// REST fuzzing (docs/product.md §3, §8): every authenticated route gets fast-check generated bodies, queries and
// path parameters. Write routes get only input that is certainly invalid, and must answer 4xx in
// HubSpot's error shape and store nothing; read routes may answer 2xx, but never 5xx, and must not
// change anything either. The spec table must name every route the app registers.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { isAddress, isDomain, cleanNeverLog } from '../../src/shared/addresses.js';
import { cleanBlockedIps } from '../../src/shared/ip-ranges.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { request } from '../security/client.js';
import { isApiRoute, methodOf, registeredRoutes, type RouteKey } from '../security/routes.js';
import { seedAccount, type Seeded } from '../security/seed.js';
import { anyBody, invalidBodies, type BodyInput, type ObjectSpec } from './support/bodies.js';
import { errorShapeProblem } from './support/error-shape.js';
import { absentParam, pct, queryString } from './support/http-input.js';
import { loggedEmailBodies } from './support/logged-email-bodies.js';
import { changedTables, fingerprint, settledFingerprint } from './support/snapshot.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

interface Param {
  /** The seeded value (what exists). */
  valid: (s: Seeded) => string;
}

interface Spec {
  /** A write route: only invalid input is generated, and the answer must be 4xx. */
  write: boolean;
  params?: Record<string, Param>;
  query?: string[];
  /** Schema and a valid body: the base that the invalid bodies break. */
  body?: { spec: ObjectSpec; valid: (s: Seeded) => Record<string, unknown>; semantic?: (s: Seeded) => fc.Arbitrary<Record<string, unknown>> };
  /** Bodies for routes with their own format (multipart). */
  bodies?: (s: Seeded) => fc.Arbitrary<BodyInput>;
  /** The route reads its body but changes nothing whatever it holds. */
  anyBody?: boolean;
}

const str = (o: { req?: boolean; min?: number; max?: number } = {}) => ({ t: 'string' as const, ...o });
const bool = (req = false) => ({ t: 'bool' as const, req });
const arr = (itemMax?: number, maxItems?: number, req = false) => ({ t: 'array' as const, itemMax, maxItems, req });
const obj = (fields: ObjectSpec['fields'], closed = true, req = false) => ({ t: 'object' as const, req, spec: { fields, closed } });

const TEMPLATE: ObjectSpec = {
  closed: true,
  fields: {
    name: str({ req: true, min: 1, max: 255 }),
    subject: str({ req: true, min: 1, max: 998 }),
    html: str({ req: true, min: 1, max: 500_000 }),
    text: str({ max: 500_000 }),
    subscriptionType: { t: 'enum', req: true, values: ['TRANSACTIONAL', 'MARKETING'] },
    sendMethod: { t: 'enum', req: true, values: ['API', 'REGULAR'] },
    ...Object.fromEntries(['id', 'state', 'hasUnpublishedChanges', 'publishedAt', 'createdAt', 'updatedAt', 'emailCampaignId'].map((k) => [k, { t: 'any' as const }])),
  },
};
const PARTIAL_TEMPLATE: ObjectSpec = { closed: true, fields: Object.fromEntries(Object.entries(TEMPLATE.fields).map(([k, f]) => [k, { ...f, req: false }])) };
const validTemplate = () => ({ name: 'fuzz', subject: 'fuzz', html: '<p>fuzz</p>', subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' });
// Liquid that does not parse: refused when saved.
const brokenLiquid = fc.constantFrom('{% if x %}open', '{{ x', '{% for %}', '{% endfor %}', '{% nosuchtag %}', '{{ "unterminated }}', '{% if %}{% endif %}');
const withBrokenLiquid = (base: Record<string, unknown>) => fc.tuple(fc.constantFrom('subject', 'html', 'text'), brokenLiquid).map(([k, v]) => ({ ...base, [k]: v }));

const CONTACT: ObjectSpec = {
  closed: true,
  fields: { email: str({ req: true, min: 3, max: 320 }), name: str({ max: 256 }), properties: { t: 'record', stringValues: true }, legalBasis: { t: 'enum', values: ['CONSENT', 'CONTRACT'] } },
};
const badPropertyName = fc.string({ maxLength: 120 }).filter((k) => !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/.test(k) && k !== '__proto__');

const SETTINGS: ObjectSpec = {
  closed: true,
  fields: {
    defaultLog: bool(),
    defaultTrack: bool(),
    neverLog: arr(320, 500),
    notifications: obj({ opens: bool(), clicks: bool(), firstOpenOnly: bool() }),
    blockedIps: arr(64, 500),
    pixelPosition: { t: 'enum', values: ['bottom', 'top'] },
  },
};
const ACCOUNT: ObjectSpec = { closed: true, fields: { name: str({ max: 200 }), neverLog: arr(320, 500), createContacts: bool(), privacy: bool(), trackingDomain: str({ max: 253 }) } };
const badNeverLog = fc.string({ maxLength: 320 }).filter((s) => 'badIndex' in cleanNeverLog([s]));
const badIp = fc.string({ maxLength: 64 }).filter((s) => 'badIndex' in cleanBlockedIps([s]));
const badDomain = fc.string({ minLength: 1, maxLength: 253 }).filter((s) => {
  const host = s.trim().toLowerCase().replace(/\.$/, '');
  return host !== '' && !isDomain(host);
});

const TRACKED: ObjectSpec = {
  closed: true,
  fields: {
    trackingId: str({ max: 64 }),
    subject: str({ req: true, max: 2000 }),
    from: str({ req: true, max: 320 }),
    to: arr(320, 500, true),
    cc: arr(320, 500, true),
    bcc: arr(320, 500, true),
    html: str({ req: true, max: 5_000_000 }),
    placePixel: bool(),
    pixelPosition: { t: 'enum', values: ['bottom', 'top'] },
  },
};

const SEND: ObjectSpec = {
  closed: true,
  fields: {
    emailId: { t: 'int', req: true, min: 1 },
    message: obj({ to: str({ req: true, min: 1, max: 320 }), from: str({ min: 1, max: 512 }), sendId: str({ min: 1, max: 255 }), replyTo: arr(512, 1000), cc: arr(512, 1000), bcc: arr(512, 1000) }, true, true),
    contactProperties: { t: 'record', stringValues: true },
    customProperties: { t: 'record' },
  },
};

const PUSH: ObjectSpec = {
  closed: false,
  fields: { endpoint: str({ req: true, max: 2000 }), keys: obj({ p256dh: str({ req: true, min: 20, max: 200 }), auth: str({ req: true, min: 8, max: 100 }) }, false, true) },
};

const PREVIEW: ObjectSpec = {
  closed: true,
  fields: {
    contactProperties: { t: 'record', stringValues: true },
    customProperties: { t: 'record' },
    template: { t: 'object', spec: { closed: true, fields: { subject: { t: 'string', req: true, min: 1, max: 998 }, html: { t: 'string', req: true, min: 1, max: 500_000 }, text: { t: 'string', max: 500_000 } } } },
  },
};
// Webhooks (the server allows private targets here, as the seeded endpoint is on this machine): what is
// refused whatever WEBHOOK_ALLOW_PRIVATE says — URLs that do not parse, other schemes, unknown event types.
const WEBHOOK: ObjectSpec = {
  closed: true,
  fields: { url: str({ req: true, min: 1, max: 2048 }), events: arr(40, 10, true), description: { t: 'any' }, includeFiltered: bool() },
};
const WEBHOOK_PATCH: ObjectSpec = { closed: true, fields: { url: str({ min: 1, max: 2048 }), events: arr(40, 10), description: { t: 'any' }, includeFiltered: bool(), enabled: bool() } };
const unparsable = fc.string({ minLength: 1, maxLength: 60 }).filter((v) => {
  try {
    new URL(v.trim());
    return false;
  } catch {
    return v.trim() !== '';
  }
});
const badChannelUrl = fc.oneof(fc.constantFrom('ftp://hooks.test/', 'gopher://hooks.test/', 'https://', 'javascript:alert(1)', 'https://hooks.test/#frag'), unparsable);
const badWebhook = fc.oneof(
  fc.oneof(fc.constantFrom('gopher://x.test/', 'ftp://x.test/', 'file:///etc/passwd', 'http://', 'https://x.test/#f'), unparsable).map((url) => ({ url, events: ['email.sent'] })),
  fc.string({ maxLength: 40 }).filter((e) => !['email.sent', 'email.delivered', 'email.deferred', 'email.bounced', 'email.dropped', 'email.opened', 'email.clicked', 'email.replied', 'contact.created', 'contact.deleted'].includes(e)).map((e) => ({ url: 'http://127.0.0.1:9/x', events: [e] })),
);

const id = (valid: Param['valid']): Param => ({ valid });
const templateId = { id: id((s) => s.template.id) };
const contactId = { id: id((s) => s.contact.id) };
const tokenId = { tokenId: id((s) => s.smtpToken.id) };
const trackedId = { id: id((s) => s.tracked.id) };
const webhookId = { id: id((s) => s.webhook.id) };

const SPECS: Record<RouteKey, Spec> = {
  'GET /api/v1/me': { write: false },
  'GET /api/v1/users': { write: false },
  'GET /api/v1/users/:id': { write: false, params: { id: id((s) => s.userId) } },
  // People and sign-in (test/people covers what valid input does).
  'POST /api/v1/users': {
    write: true,
    body: {
      spec: { closed: false, fields: { email: str({ req: true, max: 254 }), name: { t: 'any' }, role: { t: 'enum', values: ['admin', 'member'] } } },
      valid: () => ({ email: 'fuzz-invitee@fuzz.test' }),
      semantic: () => fc.string({ maxLength: 60 }).filter((e) => !isAddress(e.trim().toLowerCase())).map((email) => ({ email })),
    },
  },
  'PATCH /api/v1/users/:id': { write: true, params: { id: id((s) => s.userId) }, body: { spec: { closed: true, fields: { name: { t: 'any' }, role: { t: 'enum', values: ['admin', 'member'] } } }, valid: () => ({ name: 'renamed' }) } },
  'DELETE /api/v1/users/:id': { write: true, params: { id: id((s) => s.userId) } },
  'POST /api/v1/users/:id/invitation': { write: true, params: { id: id((s) => s.userId) } },
  'GET /api/v1/sessions': { write: false },
  'DELETE /api/v1/sessions/:id': { write: true, params: { id: id((s) => s.accessToken.slice(3, 19)) } },
  'POST /api/v1/access-tokens': {
    write: true,
    body: { spec: { closed: false, fields: { name: str({ req: true, max: 100 }) } }, valid: () => ({ name: 'fuzz' }), semantic: () => fc.constantFrom(' ', '\t', '   \n').map((name) => ({ name })) },
  },
  'DELETE /api/v1/access-tokens/:id': { write: true, params: { id: id((s) => s.accessToken.slice(3, 19)) } },
  'POST /api/v1/auth/password': {
    write: true,
    body: {
      spec: { closed: false, fields: { currentPassword: str({ req: true, max: 4096 }), newPassword: str({ req: true, max: 4096 }) } },
      valid: () => ({ currentPassword: 'not the password', newPassword: 'a perfectly fine passphrase' }),
      // Nobody here has a password yet: any current password is wrong, and nothing changes.
      semantic: () => fc.record({ currentPassword: fc.string({ maxLength: 40 }), newPassword: fc.string({ maxLength: 40 }) }),
    },
  },
  'GET /api/v1/account/sender-address': { write: false },
  'PUT /api/v1/account/sender-address': {
    write: true,
    body: {
      spec: { closed: false, fields: { address: str({ req: true, max: 254 }) } },
      valid: () => ({ address: 'fuzz@fuzz.test' }),
      semantic: () => fc.string({ minLength: 1, maxLength: 60 }).filter((a) => a.trim() !== '' && !isAddress(a.trim().toLowerCase())).map((address) => ({ address })),
    },
  },
  'GET /api/v1/account': { write: false },
  'PUT /api/v1/account': {
    write: true,
    body: {
      spec: ACCOUNT,
      valid: () => ({ createContacts: true }),
      semantic: () =>
        fc.oneof(
          fc.string({ maxLength: 200 }).filter((n) => n !== 'fuzz').map((name) => ({ name })),
          badDomain.map((trackingDomain) => ({ trackingDomain })),
          badNeverLog.map((v) => ({ neverLog: ['ok.test', v] })),
          fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 3651 }), fc.double({ noInteger: true, noNaN: true })).map((retentionDays) => ({ retentionDays })),
        ),
    },
  },
  'GET /api/v1/settings': { write: false },
  'PUT /api/v1/settings': {
    write: true,
    body: {
      spec: SETTINGS,
      valid: () => ({ defaultLog: true }),
      semantic: () =>
        fc.oneof(
          badNeverLog.map((v) => ({ neverLog: [v] })),
          badIp.map((v) => ({ blockedIps: ['10.0.0.0/8', v] })),
          badChannelUrl.map((v) => ({ channels: { slackWebhookUrl: v } })),
          badChannelUrl.map((v) => ({ channels: { teamsWebhookUrl: v, emailDigest: 'daily' } })),
        ),
    },
  },
  'GET /api/v1/emails': { write: false, query: ['after', 'limit', 'state'] },
  'POST /api/v1/emails': { write: true, body: { spec: TEMPLATE, valid: validTemplate, semantic: () => withBrokenLiquid(validTemplate()) } },
  'GET /api/v1/emails/:id': { write: false, params: templateId },
  'PATCH /api/v1/emails/:id': { write: true, params: templateId, body: { spec: PARTIAL_TEMPLATE, valid: () => ({ name: 'renamed' }), semantic: () => withBrokenLiquid({}) } },
  'PUT /api/v1/emails/:id': { write: true, params: templateId, body: { spec: TEMPLATE, valid: validTemplate, semantic: () => withBrokenLiquid(validTemplate()) } },
  'DELETE /api/v1/emails/:id': { write: true, params: templateId },
  'POST /api/v1/emails/:id/publish': { write: true, params: templateId },
  'POST /api/v1/emails/:id/preview': { write: false, params: templateId, anyBody: true },
  'GET /api/v1/contacts': { write: false, query: ['email', 'q', 'after', 'limit'] },
  'POST /api/v1/contacts': {
    write: true,
    body: {
      spec: CONTACT,
      valid: () => ({ email: 'brand-new@fuzz.test', name: 'New' }),
      semantic: (s) =>
        fc.oneof(
          fc.string({ minLength: 3, maxLength: 320 }).filter((e) => !isAddress(e)).map((email) => ({ email })),
          fc.constantFrom(s.contact.email, s.contact.email.toUpperCase(), ` ${s.contact.email} `).map((email) => ({ email })),
          badPropertyName.map((k) => ({ email: 'brand-new@fuzz.test', properties: { [k]: 'v' } })),
        ),
    },
  },
  'GET /api/v1/contacts/:id': { write: false, params: contactId },
  'PATCH /api/v1/contacts/:id': {
    write: true,
    params: contactId,
    body: { spec: CONTACT_PATCH(), valid: () => ({ name: 'Renamed' }), semantic: () => badPropertyName.map((k) => ({ properties: { [k]: 'v' } })) },
  },
  'GET /api/v1/contacts/:id/timeline': { write: false, params: contactId, query: ['after', 'limit'] },
  'GET /crm/v3/objects/contacts/:contactId': { write: false, params: { contactId: id((s) => s.contact.id) }, query: ['properties', 'idProperty', 'archived'] },
  'GET /api/v1/logged-emails': { write: false, query: ['internetMessageId'] },
  'POST /api/v1/logged-emails': { write: true, bodies: (s) => loggedEmailBodies(s.email) },
  'GET /api/v1/logged-emails/:id': { write: false, params: { id: id((s) => s.loggedEmail.id) } },
  'GET /api/v1/attachments/:id': { write: false, params: { id: id((s) => s.loggedEmail.attachmentId) } },
  'GET /api/v1/tracked-emails': { write: false, query: ['internetMessageId', 'q', 'after', 'limit'] },
  'POST /api/v1/tracked-emails': {
    write: true,
    body: {
      spec: TRACKED,
      valid: (s) => ({ subject: 'fuzz', from: s.email, to: ['t@fuzz.test'], cc: [], bcc: [], html: '<p>fuzz</p>' }),
      semantic: (s) =>
        fc
          .string({ maxLength: 80 })
          .filter((t) => !/^[A-Za-z0-9_-]{8,64}$/.test(t))
          .map((trackingId) => ({ trackingId, subject: 'fuzz', from: s.email, to: [], cc: [], bcc: [], html: '' })),
    },
  },
  'GET /api/v1/tracked-emails/:id': { write: false, params: trackedId },
  'POST /api/v1/tracked-emails/:id/self-view': { write: true, params: trackedId },
  'GET /api/v1/notifications': { write: false, query: ['unread', 'after', 'limit'] },
  'GET /api/v1/notifications/stream': { write: false, query: ['access_token', 'lastEventId'] },
  'POST /crm/v3/objects/contacts/gdpr-delete': {
    write: true,
    body: {
      spec: { closed: true, fields: { objectId: str({ req: true, min: 1, max: 320 }), idProperty: str({ max: 100 }) } },
      valid: () => ({ objectId: 'no-such-contact' }),
      semantic: () =>
        fc.oneof(
          fc.string({ maxLength: 100 }).filter((p) => !['email', 'hs_object_id', 'id'].includes(p)).map((idProperty) => ({ objectId: 'x', idProperty })),
          fc.string({ minLength: 1, maxLength: 320 }).filter((e) => !/^[^\s@]+@[^\s@]+$/u.test(e.trim().toLowerCase())).map((objectId) => ({ objectId, idProperty: 'email' })),
        ),
    },
  },
  'POST /api/v1/notifications/read': {
    write: true,
    body: {
      spec: { closed: true, fields: { ids: arr(64, 1000), all: bool() } },
      valid: () => ({ ids: ['no-such-notification'] }),
      semantic: () => fc.constantFrom({}, { ids: [] }, { all: false }, { all: false, ids: [] }),
    },
  },
  'GET /api/v1/push/key': { write: false },
  // The connected mailbox: a well-formed body logs in to 127.0.0.1:9 (nothing listens), so even
  // that is refused (422) and saves nothing.
  'GET /api/v1/mailbox': { write: false },
  'PUT /api/v1/mailbox': {
    write: true,
    body: {
      spec: {
        closed: true,
        fields: {
          host: str({ req: true, min: 1, max: 253 }),
          port: { t: 'int', req: true, min: 1 },
          security: { t: 'enum', values: ['tls', 'starttls'] },
          username: str({ req: true, min: 1, max: 320 }),
          password: str({ min: 1, max: 1024 }),
          accessToken: str({ min: 1, max: 8192 }),
          sentFolder: str({ min: 1, max: 500 }),
          inboxFolder: str({ min: 1, max: 500 }),
        },
      },
      valid: () => ({ host: '127.0.0.1', port: 9, security: 'tls', username: 'fuzz@mycorp.test', password: 'x' }),
    },
  },
  // No mailbox is connected: whatever comes with it, 404.
  'DELETE /api/v1/mailbox': { write: true, bodies: () => anyBody },
  'POST /api/v1/push/subscriptions': {
    write: true,
    body: {
      spec: PUSH,
      valid: () => ({ endpoint: 'http://127.0.0.1:9/push/fuzz-new', keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) } }),
      semantic: () =>
        fc
          .oneof(fc.webUrl().map((u) => u.replace(/^https:/, 'http:')).filter((u) => !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(u)), fc.constantFrom('http://', 'https://', 'ftp://x.test/', 'http://exa mple.test/'))
          .map((endpoint) => ({ endpoint, keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) } })),
    },
  },
  'DELETE /api/v1/push/subscriptions': { write: true, body: { spec: { closed: false, fields: { endpoint: str({ req: true, max: 2000 }) } }, valid: () => ({ endpoint: 'http://127.0.0.1:9/none' }) } },
  'POST /marketing/v3/transactional/smtp-tokens': {
    write: true,
    body: { spec: { closed: true, fields: { campaignName: str({ req: true, min: 1, max: 255 }), createContact: bool(true) } }, valid: () => ({ campaignName: 'fuzz', createContact: true }) },
  },
  'GET /marketing/v3/transactional/smtp-tokens': { write: false, query: ['campaignName', 'emailCampaignId', 'after', 'limit'] },
  'GET /marketing/v3/transactional/smtp-tokens/:tokenId': { write: false, params: tokenId },
  'DELETE /marketing/v3/transactional/smtp-tokens/:tokenId': { write: true, params: tokenId },
  'POST /marketing/v3/transactional/smtp-tokens/:tokenId/password-reset': { write: true, params: tokenId },
  'POST /marketing/v3/transactional/single-email/send': {
    write: true,
    body: {
      spec: SEND,
      valid: (s) => ({ emailId: Number(s.template.id), message: { to: 'fuzz-to@fuzz.test' } }),
      semantic: () =>
        fc
          .oneof(fc.integer({ min: 100_000, max: 2 ** 31 }), fc.constantFrom(2 ** 53, 2 ** 63, 1e20, 1e300))
          .map((emailId) => ({ emailId, message: { to: 'fuzz-to@fuzz.test' } })),
    },
  },
  'GET /marketing/v3/email/send-statuses/:statusId': { write: false, params: { statusId: id((s) => s.sendStatusId) } },
  'GET /email/public/v1/events': {
    write: false,
    query: ['recipient', 'campaignId', 'eventType', 'startTimestamp', 'endTimestamp', 'offset', 'limit', 'excludeFilteredEvents'],
  },
  'GET /email/public/v1/campaigns/:campaignId': { write: false, params: { campaignId: id((s) => s.smtpToken.campaignId) } },
  'POST /api/v1/emails/:id/send-test': { write: true, params: templateId, body: { spec: PREVIEW, valid: () => ({}) } },
  'GET /api/v1/messages': { write: false, query: ['status', 'recipient', 'after', 'limit'] },
  'GET /api/v1/messages/:id': { write: false, params: { id: id((s) => s.messageId) } },
  'GET /api/v1/suppressions': { write: false, query: ['email', 'after', 'limit'] },
  'POST /api/v1/suppressions': {
    write: true,
    body: {
      spec: { closed: true, fields: { email: str({ req: true, min: 3, max: 320 }), detail: str({ max: 500 }) } },
      valid: () => ({ email: 'fuzz-suppressed@fuzz.test' }),
      semantic: () => fc.string({ minLength: 3, maxLength: 320 }).filter((e) => !isAddress(e.trim().toLowerCase())).map((email) => ({ email })),
    },
  },
  'DELETE /api/v1/suppressions/:email': { write: true, params: { email: id((s) => s.suppressedEmail) } },
  'GET /api/v1/server': { write: false },
  'GET /api/v1/activity': { write: false, query: ['filtered', 'after', 'limit'] },
  'GET /api/v1/domains': { write: false },
  'POST /api/v1/domains': {
    write: true,
    body: {
      spec: { closed: true, fields: { domain: str({ req: true, min: 1, max: 253 }), selector: str({ min: 1, max: 63 }) } },
      valid: () => ({ domain: 'fuzz-new.test' }),
      // Unicode names are taken (as punycode), so the generated non-domains are not used here.
      semantic: () => fc.constantFrom('not a domain', 'ex ample.com', '-a.test', 'a..b.test', 'localhost', '.', 'a.1', `${'x'.repeat(250)}.test`, 'a_b.test').map((domain) => ({ domain })),
    },
  },
  'GET /api/v1/domains/:domain': { write: false, params: { domain: id((s) => s.domain) } },
  'DELETE /api/v1/domains/:domain': { write: true, params: { domain: id((s) => s.domain) } },
  // webhooks
  'GET /api/v1/webhooks': { write: false },
  'POST /api/v1/webhooks': { write: true, body: { spec: WEBHOOK, valid: () => ({ url: 'http://127.0.0.1:9/fuzz', events: ['email.sent'] }), semantic: () => badWebhook } },
  'GET /api/v1/webhooks/:id': { write: false, params: webhookId },
  'PATCH /api/v1/webhooks/:id': { write: true, params: webhookId, body: { spec: WEBHOOK_PATCH, valid: () => ({ url: 'http://127.0.0.1:9/moved' }), semantic: () => badWebhook } },
  'DELETE /api/v1/webhooks/:id': { write: true, params: webhookId },
  'POST /api/v1/webhooks/:id/rotate-secret': { write: true, params: webhookId },
  'POST /api/v1/webhooks/:id/test': { write: true, params: webhookId },
  'GET /api/v1/webhooks/:id/deliveries': { write: false, params: webhookId, query: ['status', 'after', 'limit'] },
  'GET /api/v1/webhooks/:id/deliveries/:deliveryId': { write: false, params: { ...webhookId, deliveryId: id((s) => s.webhook.deliveryId) } },
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/retry': { write: true, params: { ...webhookId, deliveryId: id((s) => s.webhook.deliveryId) } },
};


function CONTACT_PATCH(): ObjectSpec {
  const { email: _e, ...fields } = CONTACT.fields;
  return { closed: true, fields };
}

interface Call {
  path: string;
  query: string;
  body?: BodyInput;
}

function pathWith(key: RouteKey, values: Record<string, string>): string {
  return key.slice(key.indexOf(' ') + 1).replace(/:(\w+)/g, (_, name: string) => values[name]);
}

/** Path parameters: the seeded ones (encoded), ones that exist nowhere, or seeded ones mangled. */
function paramsArb(spec: Spec, s: Seeded, allIds: string[], mode: 'valid' | 'absent' | 'any'): fc.Arbitrary<Record<string, string>> {
  const names = Object.keys(spec.params ?? {});
  if (!names.length) return fc.constant({});
  const valid = Object.fromEntries(names.map((n) => [n, pct(spec.params![n].valid(s))]));
  const absent = fc.tuple(...names.map(() => absentParam(allIds))).map((vs) => Object.fromEntries(names.map((n, i) => [n, vs[i]])));
  if (mode === 'valid') return fc.constant(valid);
  if (mode === 'absent') return absent;
  const mangled = fc.tuple(fc.constantFrom(...Object.values(valid)), fc.constantFrom('x', '%00', '/', '.', '%20', '0', '-')).map(([v, suffix]) => Object.fromEntries(names.map((n) => [n, v + suffix])));
  return fc.oneof(fc.constant(valid), absent, mangled);
}

/** Calls for a write route: something is always wrong (the params name nothing, or the body is invalid). */
function writeCalls(key: RouteKey, spec: Spec, s: Seeded, allIds: string[]): fc.Arbitrary<Call> {
  const q = queryString([]);
  const options: Array<fc.Arbitrary<Call>> = [];
  const bodies = spec.bodies?.(s) ?? (spec.body ? invalidBodyFor(spec.body, s) : undefined);
  if (bodies) options.push(fc.record({ params: paramsArb(spec, s, allIds, 'valid'), query: q, body: bodies }).map(toCall(key)));
  if (spec.params) {
    const validBody = spec.body ? fc.constant<BodyInput>({ contentType: 'application/json', payload: JSON.stringify(spec.body.valid(s)), how: 'valid body' }) : fc.constant(undefined);
    const body = fc.oneof(validBody, anyBody, fc.constant(undefined));
    options.push(fc.record({ params: paramsArb(spec, s, allIds, 'absent'), query: q, body }).map(toCall(key)));
  }
  return fc.oneof(...options);
}

function invalidBodyFor(b: NonNullable<Spec['body']>, s: Seeded): fc.Arbitrary<BodyInput> {
  const valid = b.valid(s);
  const invalid = invalidBodies(b.spec, valid);
  if (!b.semantic) return invalid;
  const semantic = b.semantic(s).map((v): BodyInput => ({ contentType: 'application/json', payload: JSON.stringify(v), how: 'semantically invalid' }));
  return fc.oneof({ weight: 3, arbitrary: invalid }, { weight: 1, arbitrary: semantic });
}

/** Calls for a read route: any params, any query, any body where it takes one. */
function readCalls(key: RouteKey, spec: Spec, s: Seeded, allIds: string[]): fc.Arbitrary<Call> {
  const body = spec.anyBody ? fc.oneof(anyBody, fc.constant(undefined)) : fc.constant(undefined);
  return fc.record({ params: paramsArb(spec, s, allIds, 'any'), query: queryString(spec.query ?? []), body }).map(toCall(key));
}

const toCall = (key: RouteKey) => (r: { params: Record<string, string>; query: string; body?: BodyInput }): Call => ({ path: pathWith(key, r.params), query: r.query, body: r.body });

function describeCall(key: RouteKey, c: Call): string {
  const body = c.body ? ` [${c.body.how}; ${c.body.contentType ?? 'no type'}] ${c.body.payload.slice(0, 300)}` : '';
  return `${methodOf(key)} ${(c.path + c.query).slice(0, 300)}${body}`;
}

describe.each(BACKENDS)('REST fuzzing on %s', (backend) => {
  let tdb: TestDatabase;
  let sink: Sink;
  let server: RunningServer;
  let database: Database;
  let seeded: Seeded;
  let routes: RouteKey[];
  let allIds: string[];

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    sink = await startSink();
    server = await startServer(tdb, { RELAY_URL: sink.url, API_RATE_LIMIT: '1000000', WEBHOOK_ALLOW_PRIVATE: 'true' });
    [routes, seeded] = await Promise.all([registeredRoutes(), seedAccount(server, sink, 'fuzz')]);
    database = await tdb.open();
    allIds = [seeded.messageId, seeded.suppressedEmail, seeded.domain, seeded.userId, seeded.template.id, seeded.template.campaignId, seeded.smtpToken.id, seeded.smtpToken.campaignId, seeded.sendStatusId, seeded.contact.id, seeded.loggedEmail.id, seeded.loggedEmail.attachmentId, seeded.tracked.id, seeded.notificationId, seeded.webhook.id, seeded.webhook.deliveryId];
    await settledFingerprint(database);
  }, 90_000);
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await sink?.close();
    await tdb?.drop();
  });

  async function send(key: RouteKey, c: Call) {
    const headers: Record<string, string> = { authorization: `Bearer ${seeded.accessToken}` };
    if (c.body?.contentType) headers['content-type'] = c.body.contentType;
    return request(server.url + c.path + c.query, { method: methodOf(key), headers, body: c.body?.payload });
  }

  it('has a spec for every authenticated route', () => {
    expect(Object.keys(SPECS).sort()).toEqual(routes.filter(isApiRoute));
  });

  for (const [key, spec] of Object.entries(SPECS)) {
    it(`${key}: ${spec.write ? 'invalid input is refused with 4xx' : 'any input answers without 5xx'}, in the error shape, changing nothing`, async () => {
      const before = await fingerprint(database);
      const calls = spec.write ? writeCalls(key, spec, seeded, allIds) : readCalls(key, spec, seeded, allIds);
      await fc.assert(
        fc.asyncProperty(calls, async (c) => {
          const res = await send(key, c);
          const what = `${describeCall(key, c)} → ${res.status} ${res.text.slice(0, 300)}`;
          if (spec.write) expect(res.status >= 400 && res.status < 500, what).toBe(true);
          else expect(res.status, what).toBeLessThan(500);
          if (res.status >= 400) expect(errorShapeProblem(res), what).toBeUndefined();
        }),
        { numRuns: RUNS },
      );
      expect(changedTables(before, await fingerprint(database)), key).toEqual([]);
      expect(server.process.exitCode).toBeNull();
    });
  }

  /** Sends each call and expects that status in the error shape, and the database unchanged after all of them. */
  async function expectRefused(calls: Array<{ method: string; path: string; body?: string; type?: string; status: number }>) {
    const before = await fingerprint(database);
    for (const c of calls) {
      const res = await send(`${c.method} /`, { path: c.path, query: '', body: c.body === undefined ? undefined : { contentType: c.type ?? 'application/json', payload: c.body, how: 'regression' } });
      const what = `${c.method} ${c.path.slice(0, 120)} ${c.body?.slice(0, 80) ?? ''} → ${res.status} ${res.text.slice(0, 200)}`;
      expect(res.status, what).toBe(c.status);
      expect(errorShapeProblem(res), what).toBeUndefined();
    }
    expect(changedTables(before, await fingerprint(database))).toEqual([]);
  }
  const cursor = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

  it('regression: a malformed escape, an over-long path parameter or an over-long URL is refused in the error shape (was Fastify\'s own body)', async () => {
    await expectRefused([
      { method: 'GET', path: '/api/v1/users/%', status: 400 },
      { method: 'DELETE', path: '/marketing/v3/transactional/smtp-tokens/%E0%A4%A', status: 400 },
      { method: 'PATCH', path: `/api/v1/contacts/${'p'.repeat(9000)}`, body: '{"name":"x"}', status: 414 },
      { method: 'GET', path: `/api/v1/contacts?email=${'q'.repeat(20_000)}`, status: 431 },
    ]);
  });

  it('regression: U+0000 in a path parameter, query or body is refused with 400 and stores nothing (was a 500 on PostgreSQL)', async () => {
    const form = (email: Record<string, unknown>) => {
      const boundary = 'nulBoundary';
      return { type: `multipart/form-data; boundary=${boundary}`, body: `--${boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n${JSON.stringify(email)}\r\n--${boundary}--\r\n` };
    };
    const logged = { subject: 'a\u0000b', html: '', text: '', from: seeded.email, to: [], cc: [], bcc: [], sentAt: '2026-05-01T09:30:00Z', internetMessageId: '<nul@fuzz.test>' };
    await expectRefused([
      { method: 'GET', path: `/api/v1/contacts/${seeded.contact.id}%00/timeline`, status: 400 },
      { method: 'GET', path: '/api/v1/logged-emails/a%00', status: 400 },
      { method: 'GET', path: '/api/v1/contacts?email=a%00@x.test', status: 400 },
      { method: 'POST', path: '/api/v1/contacts', body: JSON.stringify({ email: 'nul@fuzz.test', name: 'a\u0000b' }), status: 400 },
      { method: 'PATCH', path: `/api/v1/contacts/${seeded.contact.id}`, body: JSON.stringify({ properties: { 'k\u0000': 'v' } }), status: 400 },
      { method: 'POST', path: '/api/v1/tracked-emails', body: JSON.stringify({ subject: '\u0000', from: seeded.email, to: [], cc: [], bcc: [], html: '' }), status: 400 },
      { method: 'POST', path: '/api/v1/logged-emails', ...form(logged), status: 400 },
      { method: 'POST', path: '/api/v1/logged-emails', body: JSON.stringify(logged), status: 400 },
    ]);
  });

  it('regression: numbers past what the database holds are refused with 400 (Infinity, 1e300, bigint overflow, cursors with odd positions)', async () => {
    await expectRefused([
      { method: 'GET', path: '/email/public/v1/events?endTimestamp=9223372036854776000', status: 400 },
      { method: 'GET', path: '/email/public/v1/events?limit=Infinity', status: 400 },
      { method: 'GET', path: '/marketing/v3/transactional/smtp-tokens?limit=1e400', status: 400 },
      { method: 'GET', path: '/api/v1/emails?limit=-Infinity', status: 400 },
      { method: 'POST', path: '/marketing/v3/transactional/single-email/send', body: '{"emailId":1e300,"message":{"to":"a@fuzz.test"}}', status: 400 },
      { method: 'POST', path: '/marketing/v3/transactional/single-email/send', body: '{"emailId":1e400,"message":{"to":"a@fuzz.test"}}', status: 400 },
      { method: 'GET', path: `/api/v1/emails?after=${cursor(['09223372100000000000'])}`, status: 400 },
      { method: 'GET', path: `/marketing/v3/transactional/smtp-tokens?after=${cursor([])}`, status: 400 },
      { method: 'GET', path: `/api/v1/tracked-emails?after=${cursor(['x', 'y'])}`, status: 400 },
      { method: 'GET', path: `/email/public/v1/events?offset=${cursor(['abc'])}`, status: 400 },
    ]);
  });

  it('regression: a push endpoint that does not parse as a URL is refused with 400 (was a 500)', async () => {
    await expectRefused([{ method: 'POST', path: '/api/v1/push/subscriptions', body: JSON.stringify({ endpoint: 'http://', keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) } }), status: 400 }]);
  });

  it('is still up and logged no server error', async () => {
    expect((await fetch(server.url + '/health')).status).toBe(200);
    const errors = server.logs().filter((l) => l.level === 'error' || l.level === 'fatal');
    expect(errors.map((l) => JSON.stringify(l).slice(0, 400))).toEqual([]);
  });
});
