// Settings (docs/product.md §6): the signed-in user's (`/api/v1/settings`) and the account's (`/api/v1/account`).
// A saved change is announced to every process before the answer (notify/changes.ts).
import type { FastifyInstance } from 'fastify';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../app.js';
import { invalid } from '../../errors.js';
import type { UserSettings } from '../../../shared/api.js';
import { cleanNeverLog, isDomain } from '../../../shared/addresses.js';
import { cleanBlockedIps } from '../../../shared/ip-ranges.js';
import { RETENTION_DAYS } from '../../lifecycle/retention.js';
import { checkTarget } from '../../webhooks/targets.js';
import { adminOnly } from '../roles.js';
import { getAccountSettings, getUserSettings, updateAccountSettings, updateUserSettings, type AccountSettings } from '../../store/settings.js';

const MAX_LIST = 500;
/**
 * Settings bodies are checked as sent: the app's shared validator coerces types (good for query
 * strings, where everything is text), which would save `"30"` as 30 days or `"false"` as false.
 * TypeBox's own compiler does not coerce a body.
 */
const exactBody = TypeBoxValidatorCompiler;
const NeverLog = Type.Array(Type.String({ maxLength: 320 }), { maxItems: MAX_LIST });

/** The never-log list, normalized, or a 400 naming the first bad entry. */
function neverLogList(list: string[]): string[] {
  const cleaned = cleanNeverLog(list);
  if ('badIndex' in cleaned) throw invalid(`neverLog.${cleaned.badIndex} ${JSON.stringify(list[cleaned.badIndex])} is neither an address (ann@acme.com) nor a domain (acme.com)`, `neverLog.${cleaned.badIndex}`);
  return cleaned.list;
}

function blockedIpList(list: string[]): string[] {
  const cleaned = cleanBlockedIps(list);
  if ('badIndex' in cleaned) throw invalid(`blockedIps.${cleaned.badIndex} ${JSON.stringify(list[cleaned.badIndex])} is neither an IP address nor a CIDR range (203.0.113.0/24, 2001:db8::/32)`, `blockedIps.${cleaned.badIndex}`);
  return cleaned.list;
}

function trackingDomain(value: string | null): string | null {
  const host = value?.trim().toLowerCase().replace(/\.$/, '') || null;
  if (host !== null && !isDomain(host)) throw invalid(`trackingDomain ${JSON.stringify(value)} is not a host name such as track.acme.com`, 'trackingDomain');
  return host;
}

/** Refuses a retention outside what the sweeper takes (lifecycle/retention.ts). */
function retentionDays(days: number): void {
  const { min, max } = RETENTION_DAYS;
  if (!Number.isInteger(days) || days < min || days > max) {
    throw invalid(`retentionDays ${JSON.stringify(days)} must be a whole number of days from ${min} to ${max} (default ${RETENTION_DAYS.default}).`, 'retentionDays');
  }
}

// Personal channels (docs/product.md, Webhooks): incoming-webhook URLs are outbound targets like webhooks.
const ChannelUrl = Type.Union([Type.Null(), Type.String({ maxLength: 2048 })]);
const Channels = Type.Object(
  { slackWebhookUrl: Type.Optional(ChannelUrl), teamsWebhookUrl: Type.Optional(ChannelUrl), emailDigest: Type.Optional(Type.Enum(['off', 'daily'])) },
  { additionalProperties: false },
);

async function channelUrl(value: string | null | undefined, field: string, ctx: AppContext): Promise<string | null | undefined> {
  if (value === undefined || value === null || value.trim() === '') return value === undefined ? undefined : null;
  return checkTarget(value, field, { allowPrivate: ctx.config.webhooks.allowPrivate, dnsServers: ctx.config.webhooks.dnsServers, requireHttps: true });
}

export default async function settings(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** The user's settings: what they saved over the defaults. */
  app.get('/api/v1/settings', async (request): Promise<UserSettings> => getUserSettings(db, request.principal.accountId, request.principal.userId));

  /** Saves any subset of the settings (notifications field by field) and answers the whole. */
  app.put(
    '/api/v1/settings',
    {
      validatorCompiler: exactBody,
      schema: {
        body: Type.Object(
          {
            defaultLog: Type.Optional(Type.Boolean()),
            defaultTrack: Type.Optional(Type.Boolean()),
            neverLog: Type.Optional(NeverLog),
            notifications: Type.Optional(
              Type.Object(
                { opens: Type.Optional(Type.Boolean()), clicks: Type.Optional(Type.Boolean()), firstOpenOnly: Type.Optional(Type.Boolean()) },
                { additionalProperties: false },
              ),
            ),
            blockedIps: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: MAX_LIST })),
            pixelPosition: Type.Optional(Type.Enum(['bottom', 'top'])),
            channels: Type.Optional(Channels),
            logReplies: Type.Optional(Type.Boolean()),
            defaultRemindDays: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 365 })])),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const update = { ...request.body };
      if (update.neverLog) update.neverLog = neverLogList(update.neverLog);
      if (update.blockedIps) update.blockedIps = blockedIpList(update.blockedIps);
      if (update.channels) {
        const { slackWebhookUrl, teamsWebhookUrl, emailDigest } = update.channels;
        const slack = await channelUrl(slackWebhookUrl, 'channels.slackWebhookUrl', ctx);
        const teams = await channelUrl(teamsWebhookUrl, 'channels.teamsWebhookUrl', ctx);
        update.channels = { ...(slack !== undefined ? { slackWebhookUrl: slack } : {}), ...(teams !== undefined ? { teamsWebhookUrl: teams } : {}), ...(emailDigest ? { emailDigest } : {}) };
      }
      const { accountId, userId } = request.principal;
      const saved = await updateUserSettings(db, accountId, userId, update);
      // Tracking keeps copies (blocked IPs, notification choices): the next hit, in any process, sees this.
      await ctx.changes.publish({ type: 'settings-changed', accountId, userId });
      request.log.info({ fields: Object.keys(request.body) }, 'settings saved');
      return saved;
    },
  );

  /** The account's settings; every user of the account may read them. */
  app.get('/api/v1/account', async (request): Promise<AccountSettings> => getAccountSettings(db, request.principal.accountId));

  /** Changes the account's never-log list, contact creation, privacy, tracking domain or retention (the name is the CLI's); admins only. */
  app.put(
    '/api/v1/account',
    {
      preHandler: adminOnly,
      validatorCompiler: exactBody,
      schema: {
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ maxLength: 200 })),
            neverLog: Type.Optional(NeverLog),
            createContacts: Type.Optional(Type.Boolean()),
            privacy: Type.Optional(Type.Boolean()),
            trackingDomain: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 253 })])),
            retentionDays: Type.Optional(Type.Number()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { accountId } = request.principal;
      const { name, ...body } = request.body;
      if (body.retentionDays !== undefined) retentionDays(body.retentionDays);
      // A GET answer may be sent back whole; only a different name is refused.
      if (name !== undefined && name !== (await getAccountSettings(db, accountId)).name) {
        throw invalid('name cannot change here: accounts are named with `mailbeacon user add --account NAME`.', 'name');
      }
      const saved = await updateAccountSettings(db, accountId, {
        ...body,
        ...(body.neverLog ? { neverLog: neverLogList(body.neverLog) } : {}),
        ...(body.trackingDomain !== undefined ? { trackingDomain: trackingDomain(body.trackingDomain) } : {}),
      });
      // Tracking keeps copies (domain, privacy): the next hit or send, in any process, sees this.
      await ctx.changes.publish({ type: 'settings-changed', accountId });
      request.log.info({ fields: Object.keys(request.body) }, 'account settings saved');
      return saved;
    },
  );
}
