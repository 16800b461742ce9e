// The web app's calls to the backend (docs/product.md §10), on the same requester as the add-in's client
// (one axios setup, one error type). Pages reach it with useAppApi(); by default it talks to the page's
// own origin with the session cookie, and a test or the add-in's dialog may provide one with a token.
import { createContext, useContext } from 'react';
import type { AxiosRequestConfig } from 'axios';
import { createApi, createRequester, type Requester } from '../ui/api/client.js';
import { routes } from '../ui/api/routes.js';
import type {
  AccountSettings,
  AccountUser,
  InvitedUser,
  Role,
  Webhook,
  WebhookCreate,
  WebhookDelivery,
  ActivityItem,
  Contact,
  ContactUpdate,
  MeResponse,
  MessageDetail,
  MessageStatus,
  MessageSummary,
  NotificationItem,
  Page,
  PreviewInput,
  PreviewResult,
  PushKey,
  PushSubscriptionInput,
  SendingDomain,
  SendTestResult,
  ServerInfo,
  Suppression,
  Template,
  TemplateInput,
  TimelineEntry,
  TrackedEmailView,
  UserSettings,
  UserSettingsUpdate,
} from '../shared/api.js';
import type { CampaignView, SmtpToken, SmtpTokenInput } from '../shared/hubspot.js';

const e = encodeURIComponent;
const TOKENS = '/marketing/v3/transactional/smtp-tokens';
const WEBHOOKS = '/api/v1/webhooks';

export function createAppApi(config: { backendUrl: string; accessToken?: string }) {
  const request: Requester = createRequester({ backendUrl: config.backendUrl, accessToken: config.accessToken ?? '', timeoutMs: 20_000 });
  const get = <T>(url: string, params?: Record<string, unknown>) => request<T>({ method: 'GET', url, params });
  // A POST with no body still sends `{}`: the server takes JSON only, and axios would label an empty body otherwise.
  const call = <T>(method: AxiosRequestConfig['method'], url: string, data?: unknown) => request<T>({ method, url, data: data ?? (method === 'POST' ? {} : undefined) });
  const base = config.backendUrl.replace(/\/+$/, '');
  // The calls the add-in makes too (its shared Settings components take them), made once, in the shared client.
  const shared = createApi({ backendUrl: config.backendUrl, accessToken: config.accessToken ?? '', timeoutMs: 20_000 });
  return {
    backendUrl: base,
    me: () => get<MeResponse>(routes.me),
    // users and invitations (admins change them)
    users: () => get<Page<AccountUser>>('/api/v1/users'),
    invite: (input: { email: string; name?: string | null; role: Role }) => call<InvitedUser>('POST', '/api/v1/users', input),
    reinvite: (id: string) => call<InvitedUser>('POST', `/api/v1/users/${e(id)}/invitation`),
    changeUser: (id: string, change: { name?: string | null; role?: Role }) => call<AccountUser>('PATCH', `/api/v1/users/${e(id)}`, change),
    removeUser: (id: string) => call<void>('DELETE', `/api/v1/users/${e(id)}`),
    // webhooks (admins)
    webhooks: () => get<Page<Webhook>>(WEBHOOKS),
    createWebhook: (input: WebhookCreate) => call<Webhook>('POST', WEBHOOKS, input),
    changeWebhook: (id: string, change: Partial<WebhookCreate> & { enabled?: boolean }) => call<Webhook>('PATCH', `${WEBHOOKS}/${e(id)}`, change),
    deleteWebhook: (id: string) => call<void>('DELETE', `${WEBHOOKS}/${e(id)}`),
    rotateWebhookSecret: (id: string) => call<Webhook>('POST', `${WEBHOOKS}/${e(id)}/rotate-secret`),
    testWebhook: (id: string) => call<{ deliveryId: string }>('POST', `${WEBHOOKS}/${e(id)}/test`),
    webhookDeliveries: (id: string, after?: string) => get<Page<WebhookDelivery>>(`${WEBHOOKS}/${e(id)}/deliveries`, { after, limit: 10 }),
    retryWebhookDelivery: (id: string, deliveryId: string) => call<WebhookDelivery>('POST', `${WEBHOOKS}/${e(id)}/deliveries/${e(deliveryId)}/retry`),
    /** The connected mailbox (docs/product.md §11); a 404 means none. */
    mailbox: () => get<{ status: string }>('/api/v1/mailbox'),
    server: () => get<ServerInfo>('/api/v1/server'),
    // templates
    templates: (after?: string) => get<Page<Template>>(routes.templates, { after, limit: 25 }),
    template: (id: number) => get<Template>(`${routes.templates}/${id}`),
    createTemplate: (input: TemplateInput) => call<Template>('POST', routes.templates, input),
    saveTemplate: (id: number, input: TemplateInput) => call<Template>('PUT', `${routes.templates}/${id}`, input),
    publishTemplate: (id: number) => call<Template>('POST', `${routes.templates}/${id}/publish`),
    deleteTemplate: (id: number) => call<void>('DELETE', `${routes.templates}/${id}`),
    previewTemplate: (id: number, input: PreviewInput, signal?: AbortSignal) => request<PreviewResult>({ method: 'POST', url: routes.preview(id), data: input, signal }),
    sendTest: (id: number, input: PreviewInput) => call<SendTestResult>('POST', `${routes.templates}/${id}/send-test`, input),
    campaign: (campaignId: string) => get<CampaignView>(`/email/public/v1/campaigns/${e(campaignId)}`),
    // SMTP tokens
    tokens: (after?: string) => get<Page<SmtpToken>>(TOKENS, { after, limit: 25 }),
    createToken: (input: SmtpTokenInput) => call<SmtpToken>('POST', TOKENS, input),
    resetToken: (id: string) => call<SmtpToken>('POST', `${TOKENS}/${e(id)}/password-reset`),
    deleteToken: (id: string) => call<void>('DELETE', `${TOKENS}/${e(id)}`),
    // messages and suppressions
    messages: (q: { status?: MessageStatus; recipient?: string; after?: string }) => get<Page<MessageSummary>>('/api/v1/messages', { ...q, limit: 25 }),
    message: (id: string) => get<MessageDetail>(`/api/v1/messages/${e(id)}`),
    suppressions: (after?: string) => get<Page<Suppression>>('/api/v1/suppressions', { after, limit: 25 }),
    removeSuppression: (email: string) => call<void>('DELETE', `/api/v1/suppressions/${e(email)}`),
    // sending domains
    domains: () => get<Page<SendingDomain>>('/api/v1/domains'),
    addDomain: (domain: string) => call<SendingDomain>('POST', '/api/v1/domains', { domain }),
    removeDomain: (domain: string) => call<void>('DELETE', `/api/v1/domains/${e(domain)}`),
    // contacts and tracked email
    contacts: (q: string, after?: string) => get<Page<Contact>>(routes.contacts, { q: q || undefined, after, limit: 25 }),
    contact: (id: string) => get<Contact>(`${routes.contacts}/${e(id)}`),
    /** Erasure (docs/product.md §13), HubSpot's GDPR delete; admins only. */
    eraseContact: (id: string) => call<void>('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: id }),
    updateContact: (id: string, update: Omit<ContactUpdate, 'properties' | 'name'> & { name?: string | null; properties?: Record<string, string | null> }) => call<Contact>('PATCH', `${routes.contacts}/${e(id)}`, update),
    timeline: (contactId: string, after?: string) => get<Page<TimelineEntry>>(routes.timeline(contactId), { after, limit: 20 }),
    attachmentUrl: (id: string) => `${base}/api/v1/attachments/${e(id)}`,
    tracked: (q: string, after?: string) => get<Page<TrackedEmailView>>(routes.trackedEmails, { q: q || undefined, after, limit: 25 }),
    trackedEmail: (id: string) => get<TrackedEmailView>(routes.trackedEmail(id)),
    // activity and notifications
    activity: (q: { filtered?: 'include' | 'only'; after?: string }) => get<Page<ActivityItem>>('/api/v1/activity', { ...q, limit: 50 }),
    notifications: async () => {
      const answer = await get<Page<NotificationItem> | NotificationItem[]>(routes.notifications);
      return Array.isArray(answer) ? answer : answer.results;
    },
    streamUrl: () => `${base}${routes.notificationStream}${config.accessToken ? `?access_token=${e(config.accessToken)}` : ''}`,
    pushKey: () => get<PushKey>(routes.pushKey),
    subscribePush: (input: PushSubscriptionInput) => call<unknown>('POST', routes.pushSubscriptions, input),
    // settings
    settings: () => get<UserSettings>(routes.settings),
    saveSettings: (update: UserSettingsUpdate) => call<UserSettings>('PUT', routes.settings, update),
    getMailbox: shared.getMailbox,
    connectMailbox: shared.connectMailbox,
    disconnectMailbox: shared.disconnectMailbox,
    account: () => get<AccountSettings>('/api/v1/account'),
    saveAccount: (update: Partial<AccountSettings>) => call<AccountSettings>('PUT', '/api/v1/account', update),
    senderAddress: () => get<SenderAddress>('/api/v1/account/sender-address'),
    saveSenderAddress: (address: string | null) => call<SenderAddress>('PUT', '/api/v1/account/sender-address', { address }),
  };
}

/** Where invitations and password resets come from (`isDefault`: no-reply@ the public host). */
export interface SenderAddress {
  address: string;
  isDefault: boolean;
}

export type AppApi = ReturnType<typeof createAppApi>;

let sameOrigin: AppApi | undefined;

export const AppApiContext = createContext<AppApi | null>(null);

/** The page's own origin, signed in by cookie: the app's API wherever none is provided. */
export function sameOriginApi(): AppApi {
  sameOrigin ??= createAppApi({ backendUrl: window.location.origin });
  return sameOrigin;
}

/** The API for the page: the provided one, or the page's own origin signed in by cookie. */
export function useAppApi(): AppApi {
  return useContext(AppApiContext) ?? sameOriginApi();
}
