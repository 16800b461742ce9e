// The backend client, shared by the task pane, the event handlers and the web app. axios with
// the fetch adapter: the JS-only event runtime of classic Outlook on Windows has fetch but no
// dependable XMLHttpRequest. URLs are absolute (that runtime has no page origin to resolve against).
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import type {
  ApiErrorBody,
  Contact,
  LoggedEmailInput,
  LoggedEmailResult,
  MeResponse,
  NotificationItem,
  Page,
  PreviewInput,
  PreviewResult,
  PushKey,
  PushSubscriptionInput,
  Template,
  TimelineEntry,
  TrackedEmailInput,
  TrackedEmailResult,
  TrackedEmailView,
  UserSettings,
  UserSettingsUpdate,
  MailboxInput,
  MailboxView,
} from '../../shared/api.js';
import type { SendStatusView, SingleSendInput } from '../../shared/hubspot.js';
import { encodeMultipart, type FilePart } from '../helpers/multipart.js';
import { routes } from './routes.js';

/** `offline`: no answer (down, unreachable, timed out); `unauthorized`: 401; `http`: any other error status. */
export type ApiErrorKind = 'offline' | 'unauthorized' | 'http';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: ApiErrorKind,
    readonly status: number | null = null,
    readonly correlationId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiConfig {
  backendUrl: string;
  accessToken: string;
  /** Per request; the send handler keeps it short so Outlook never waits on us. */
  timeoutMs?: number;
}

export interface MailbeaconApi {
  readonly backendUrl: string;
  me(): Promise<MeResponse>;
  getSettings(): Promise<UserSettings>;
  updateSettings(update: UserSettingsUpdate): Promise<UserSettings>;
  /** The connected mailbox (null when none is connected). */
  getMailbox(): Promise<MailboxView | null>;
  /** Logs in to the mailbox and saves it; the server's own refusal comes back as the error message. */
  connectMailbox(input: MailboxInput): Promise<MailboxView>;
  disconnectMailbox(): Promise<void>;
  /** null when the address is not a contact yet. */
  findContact(email: string): Promise<Contact | null>;
  timeline(contactId: string, after?: string, limit?: number): Promise<Page<TimelineEntry>>;
  listTemplates(): Promise<Template[]>;
  previewTemplate(id: number, input: PreviewInput): Promise<PreviewResult>;
  singleSend(input: SingleSendInput): Promise<SendStatusView>;
  registerTracked(input: TrackedEmailInput): Promise<TrackedEmailResult>;
  /** By tracked-email id or by the add-in's trackingId; null when unknown. */
  getTracked(id: string): Promise<TrackedEmailView | null>;
  findTrackedByMessageId(internetMessageId: string): Promise<TrackedEmailView | null>;
  reportSelfView(id: string): Promise<void>;
  logEmail(email: LoggedEmailInput, files: FilePart[]): Promise<LoggedEmailResult>;
  notifications(): Promise<NotificationItem[]>;
  /** For EventSource, which cannot send an Authorization header. */
  streamUrl(): string;
  pushKey(): Promise<PushKey>;
  subscribePush(input: PushSubscriptionInput): Promise<void>;
  /** Revokes the access token this client uses (the add-in's sign-out). */
  revokeOwnToken(): Promise<void>;
}

export const normalizeBackendUrl = (url: string) => url.trim().replace(/\/+$/, '');

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (!axios.isAxiosError(e)) return new ApiError(e instanceof Error ? e.message : String(e), 'offline');
  const status = e.response?.status ?? null;
  if (status === null) {
    const timedOut = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT';
    return new ApiError(timedOut ? 'The server took too long to answer.' : 'The server cannot be reached.', 'offline');
  }
  const body = e.response?.data as Partial<ApiErrorBody> | undefined;
  const message = typeof body?.message === 'string' ? body.message : `The server answered ${status}.`;
  return new ApiError(message, status === 401 ? 'unauthorized' : 'http', status, body?.correlationId);
}

/** One authenticated request, its failure as an ApiError. The web app (src/app/api.ts) builds its calls on it too. */
export type Requester = <T>(options: AxiosRequestConfig) => Promise<T>;

/** Requests to the backend with the access token; without one (the web app signed in by cookie) none is sent. */
export function createRequester(config: ApiConfig): Requester {
  const http: AxiosInstance = axios.create({
    baseURL: normalizeBackendUrl(config.backendUrl),
    adapter: 'fetch',
    timeout: config.timeoutMs ?? 10_000,
    headers: config.accessToken ? { Authorization: `Bearer ${config.accessToken}` } : {},
  });
  return async <T>(options: AxiosRequestConfig): Promise<T> => {
    try {
      return (await http.request<T>(options)).data;
    } catch (e) {
      throw toApiError(e);
    }
  };
}

export function createApi(config: ApiConfig): MailbeaconApi {
  const backendUrl = normalizeBackendUrl(config.backendUrl);
  const request = createRequester(config);
  const get = <T>(url: string, params?: Record<string, unknown>) => request<T>({ method: 'GET', url, params });
  const send = <T>(method: 'POST' | 'PUT', url: string, data?: unknown) => request<T>({ method, url, data });
  async function orNull<T>(p: Promise<T>): Promise<T | null> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }

  return {
    backendUrl,
    me: () => get<MeResponse>(routes.me),
    getSettings: () => get<UserSettings>(routes.settings),
    updateSettings: (update) => send<UserSettings>('PUT', routes.settings, update),
    getMailbox: () => orNull(get<MailboxView>(routes.mailbox)),
    connectMailbox: (input) => send<MailboxView>('PUT', routes.mailbox, input),
    disconnectMailbox: async () => {
      await orNull(request<unknown>({ method: 'DELETE', url: routes.mailbox }));
    },
    findContact: async (email) => (await get<Page<Contact>>(routes.contacts, { email })).results[0] ?? null,
    timeline: (contactId, after, limit = 20) => get<Page<TimelineEntry>>(routes.timeline(contactId), { after, limit }),
    listTemplates: async () => (await get<{ results: Template[] }>(routes.templates)).results,
    previewTemplate: (id, input) => send<PreviewResult>('POST', routes.preview(id), input),
    singleSend: (input) => send<SendStatusView>('POST', routes.singleSend, input),
    registerTracked: (input) => send<TrackedEmailResult>('POST', routes.trackedEmails, input),
    getTracked: (id) => orNull(get<TrackedEmailView>(routes.trackedEmail(id))),
    findTrackedByMessageId: async (internetMessageId) => (await get<Page<TrackedEmailView>>(routes.trackedEmails, { internetMessageId })).results[0] ?? null,
    reportSelfView: async (id) => {
      await send<unknown>('POST', routes.selfView(id), {});
    },
    logEmail(email, files) {
      const { body, contentType } = encodeMultipart([{ name: 'email', value: JSON.stringify(email), contentType: 'application/json' }], files);
      return request<LoggedEmailResult>({ method: 'POST', url: routes.loggedEmails, data: body, headers: { 'Content-Type': contentType } });
    },
    notifications: async () => {
      const answer = await get<Page<NotificationItem> | NotificationItem[]>(routes.notifications);
      return Array.isArray(answer) ? answer : answer.results;
    },
    streamUrl: () => `${backendUrl}${routes.notificationStream}?access_token=${encodeURIComponent(config.accessToken)}`,
    pushKey: () => get<PushKey>(routes.pushKey),
    subscribePush: async (input) => {
      await send<unknown>('POST', routes.pushSubscriptions, input);
    },
    revokeOwnToken: async () => {
      await request<unknown>({ method: 'DELETE', url: routes.accessToken('current') });
    },
  };
}
