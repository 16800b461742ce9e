// Request and response shapes of Mailbeacon's own API (`/api/v1`, docs/product.md §6), imported by the backend
// and by the add-in. HubSpot-compatible shapes (docs/product.md §3) are in `hubspot.ts`.

/** HubSpot's error shape, used by every error response (docs/product.md §3). */
export interface ApiErrorBody {
  status: 'error';
  category: string;
  message: string;
  correlationId: string;
  errors?: Array<{ message: string; in?: string; code?: string }>;
  policyName?: string;
}

export interface Paging {
  next?: { after: string };
}

export interface Page<T> {
  results: T[];
  paging?: Paging;
}

// ---- who am I -------------------------------------------------------------------------------

/** GET /api/v1/me */
export interface MeResponse {
  user: { id: string; email: string; name: string | null; createdAt: string; role?: 'admin' | 'member' };
  account: { id: string; name: string };
}

// ---- settings (GET/PUT /api/v1/settings) ------------------------------------------------------

export type PixelPosition = 'bottom' | 'top';

export interface NotificationChoices {
  opens: boolean;
  clicks: boolean;
  /** Only the first counted open of each email notifies. */
  firstOpenOnly: boolean;
}

export interface UserSettings {
  defaultLog: boolean;
  defaultTrack: boolean;
  /** Addresses (`ann@acme.com`) and domains (`acme.com`) never logged, never made contacts. */
  neverLog: string[];
  notifications: NotificationChoices;
  /** IPv4/IPv6 addresses or CIDR ranges whose hits are the user's own (SELF), never notified. */
  blockedIps: string[];
  pixelPosition: PixelPosition;
  /** Personal notification channels (Slack, Teams, a daily email digest). */
  channels: NotificationChannels;
  /** Connected mailbox: a reply to logged or tracked mail is logged too. */
  logReplies: boolean;
  /** Days after which a tracked email with no reply reminds the user; null = off. */
  defaultRemindDays: number | null;
}

/** PUT /api/v1/settings takes any subset; the answer is the whole, saved settings. */
export type UserSettingsUpdate = Partial<Omit<UserSettings, 'notifications' | 'channels'>> & { notifications?: Partial<NotificationChoices>; channels?: Partial<NotificationChannels> };

export const DEFAULT_SETTINGS: UserSettings = {
  defaultLog: true,
  defaultTrack: true,
  neverLog: [],
  notifications: { opens: true, clicks: true, firstOpenOnly: false },
  blockedIps: [],
  pixelPosition: 'bottom',
  channels: { slackWebhookUrl: null, teamsWebhookUrl: null, emailDigest: 'off' },
  logReplies: true,
  defaultRemindDays: null,
};

// ---- contacts and timeline -------------------------------------------------------------------

export interface Contact {
  id: string;
  email: string;
  name: string | null;
  properties: Record<string, string>;
  /** e.g. `LEGITIMATE_INTEREST`, `CONSENT`; null = none recorded. */
  legalBasis: string | null;
  createdAt: string;
  updatedAt: string;
  /** The newest timeline entry, for contact cards ("Opened your email 2 days ago"). */
  lastActivity: { type: TimelineEntryType; at: string; summary: string } | null;
}

/** The legal bases a contact may have (GDPR's lawful bases), as HubSpot names them. */
export const LEGAL_BASES = ['LEGITIMATE_INTEREST', 'CONSENT', 'CONTRACT', 'LEGAL_OBLIGATION', 'VITAL_INTEREST', 'PUBLIC_INTEREST'] as const;

/** POST /api/v1/contacts */
export interface ContactCreate {
  email: string;
  name?: string;
  properties?: Record<string, string>;
  legalBasis?: string | null;
}

/** PATCH /api/v1/contacts/{id} */
export type ContactUpdate = Omit<Partial<ContactCreate>, 'email'>;

/** GET /api/v1/contacts?email= answers a Page<Contact> (empty when unknown). */

/** REPLY: the contact replied to the user's logged or tracked mail (connected mailbox). */
export type TimelineEntryType = 'LOGGED_EMAIL' | 'SENT_EMAIL' | 'OPEN' | 'CLICK' | 'REPLY';

export interface AttachmentRef {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  /** Path of the download, `/api/v1/attachments/{id}` (needs the Bearer token). */
  url: string;
}

export interface TimelineEntry {
  id: string;
  type: TimelineEntryType;
  at: string;
  subject: string | null;
  /** LOGGED_EMAIL: the logged copy. */
  loggedEmail?: { id: string; from: string; to: string[]; cc: string[]; attachments: AttachmentRef[]; snippet: string };
  /** SENT_EMAIL: a transactional send (SMTP API or single send). */
  send?: { emailCampaignId: string | null; emailId: number | null; status: string };
  /** OPEN / CLICK */
  engagement?: { url?: string; verdict: Verdict; counted: boolean; inferred: boolean; trackedEmailId?: string };
}

// ---- logging (POST /api/v1/logged-emails, multipart) -----------------------------------------

/** The JSON of the `email` field; files follow as parts of their own. */
export interface LoggedEmailInput {
  subject: string;
  html: string;
  text: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  sentAt: string;
  internetMessageId: string;
  trackingId?: string;
  /** The Message-ID this email answers (its `In-Reply-To`): a logged reply to a tracked email with
   *  no open yet records an inferred open. */
  inReplyTo?: string;
}

/** `ERASED`: the address was erased (GDPR delete); it is written over as `erased@erased.invalid` in the stored copy. */
export type SkipReason = 'NEVER_LOG' | 'OWN_DOMAIN' | 'NO_CONTACT_CREATION' | 'INVALID_ADDRESS' | 'ERASED';

export interface LoggedEmailResult {
  id: string;
  /** True when this internet message id was logged before: nothing new was stored. */
  duplicate: boolean;
  contacts: Array<{ id: string; email: string; name: string | null; created: boolean }>;
  skipped: Array<{ address: string; reason: SkipReason }>;
  attachments: AttachmentRef[];
}

// ---- one-to-one tracking (POST /api/v1/tracked-emails) ---------------------------------------

export interface TrackedEmailInput {
  /** The add-in's own id for this draft; posting again with it updates the same tracked email. */
  trackingId?: string;
  subject: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  html: string;
  /** false: only rewrite links (the pixel was placed with appendOnSendAsync). Default true. */
  placePixel?: boolean;
  pixelPosition?: PixelPosition;
  /** Remind the sender when nobody replied after this many days (1–365); null/absent = no reminder. */
  remindAfterDays?: number | null;
}

export interface LinkSummary {
  /** Links rewritten to the tracker. */
  tracked: number;
  /** Links left as they were, by reason. */
  skipped: Array<{ url: string; reason: LinkSkipReason }>;
}

export type LinkSkipReason = 'TYPED_URL' | 'OPT_OUT' | 'NOT_HTTP' | 'UNSURE';

export interface TrackedEmailResult {
  id: string;
  html: string;
  pixelUrl: string;
  /** The `<img>` to hand to appendOnSendAsync. */
  pixelHtml: string;
  links: LinkSummary;
  /** More than one recipient share the pixel: opens are reported as "Someone". */
  sharedPixel: boolean;
}

export type Verdict = 'HUMAN' | 'MAIL_PROXY' | 'PRIVACY_PREFETCH' | 'SCANNER' | 'BOT' | 'SELF';

export interface EngagementEvent {
  id: string;
  /** REPLY: a reply noticed in the connected mailbox. */
  type: 'OPEN' | 'CLICK' | 'REPLY';
  at: string;
  /** Contact name or address, or "Someone" for a shared pixel or an anonymous contact. */
  who: string;
  url?: string;
  verdict: Verdict;
  /** Counted events are HUMAN or MAIL_PROXY; the rest are stored but filtered. */
  counted: boolean;
  reasons: string[];
  inferred: boolean;
}

/** GET /api/v1/tracked-emails/{id}; also GET /api/v1/tracked-emails?internetMessageId= (a Page). */
export interface TrackedEmailView {
  id: string;
  subject: string;
  recipients: string[];
  createdAt: string;
  sentAt: string | null;
  internetMessageId: string | null;
  opens: number;
  uniqueOpens: number;
  clicks: number;
  /** Replies noticed in the connected mailbox (always sent by the server; optional for older ones). */
  replies?: number;
  /** The follow-up reminder asked for, if any. */
  remindAfterDays?: number;
  /** Set for a send the person made rather than a one-to-one email from Outlook: the single-send API or the SMTP API (a token they created). */
  sentVia?: 'SINGLE_SEND' | 'SMTP_API';
  events: EngagementEvent[];
}

// ---- notifications ---------------------------------------------------------------------------

/** One counted open or click of the user's mail: an SSE `data:` line and an item of the history. */
export interface NotificationItem {
  id: string;
  /** REPLY and REMINDER come from the connected mailbox (docs/product.md, Connected mailbox). */
  type: 'OPEN' | 'CLICK' | 'REPLY' | 'REMINDER';
  who: string;
  subject: string;
  url?: string;
  at: string;
  /** The tracked one-to-one email id, or the transactional send's id. */
  emailId: string;
  read: boolean;
}

/** POST /api/v1/notifications/read */
export interface NotificationsReadInput {
  ids?: string[];
  all?: boolean;
}

// ---- templates (HubSpot "emails", /api/v1/emails) --------------------------------------------

export type SubscriptionType = 'TRANSACTIONAL' | 'MARKETING';
export type SendMethod = 'API' | 'REGULAR';

export interface Template {
  id: number;
  name: string;
  subject: string;
  html: string;
  text: string | null;
  subscriptionType: SubscriptionType;
  sendMethod: SendMethod;
  state: 'DRAFT' | 'PUBLISHED';
  /** An edit after publishing waits for the next publish; until then the published version is sent. */
  hasUnpublishedChanges: boolean;
  publishedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** The template's campaign: `GET /email/public/v1/campaigns/{emailCampaignId}` is its statistics. */
  emailCampaignId?: string;
}

export interface TemplateInput {
  name: string;
  subject: string;
  html: string;
  text?: string | null;
  subscriptionType: SubscriptionType;
  sendMethod: SendMethod;
}

/** POST /api/v1/emails/{id}/preview */
export interface PreviewInput {
  contactProperties?: Record<string, string>;
  customProperties?: Record<string, unknown>;
  /** The editor's unsaved parts, rendered instead of the stored draft (also for a test send). */
  template?: { subject: string; html: string; text?: string | null };
}

export interface PreviewResult {
  subject: string;
  html: string;
  text: string;
  /** Tokens the template uses that have no value and no default. */
  missing: string[];
  /** Every personalization token the template uses (`contact.firstname`, `custom.order_id`), in order
   *  of first use, read from the parsed template: the web app shows a field for each. */
  tokens: string[];
}

// ---- Web Push for the web app's service worker (/app/sw.js) ----------------------------------------

/** GET /api/v1/push/key: the VAPID public key (base64url) for PushManager.subscribe. */
export interface PushKey {
  publicKey: string;
}

/** POST /api/v1/push/subscriptions (201); DELETE /api/v1/push/subscriptions with `{endpoint}` (204).
 *  Each push message's payload is one NotificationItem as JSON. */
export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

// ---- the web app's transactional views (docs/product.md §10) ----------------------------------

/** Where a sent message stands for one recipient: HubSpot's event names for the outcomes. */
export type MessageStatus = 'QUEUED' | 'SENT' | 'DEFERRED' | 'BOUNCE' | 'DROPPED';
export const MESSAGE_STATUSES: MessageStatus[] = ['QUEUED', 'SENT', 'DEFERRED', 'BOUNCE', 'DROPPED'];

/** GET /api/v1/messages: one row per recipient of a message sent with an SMTP token or single send. */
export interface MessageSummary {
  /** The recipient's delivery (each recipient has their own copy). */
  id: string;
  source: 'SMTP' | 'API';
  from: string;
  recipient: string;
  subject: string | null;
  status: MessageStatus;
  /** The relay's last answer (or why it was dropped); null before the first attempt. */
  lastResponse: string | null;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  /** When a DEFERRED message is tried again. */
  nextAttemptAt: string | null;
  emailCampaignId: string | null;
  /** The SMTP token it was sent with. */
  tokenId: string | null;
}

/** One try at handing the message to the relay. */
export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: 'DELIVERED' | 'DEFERRED' | 'BOUNCE' | 'DROPPED';
  response: string;
}

/** GET /api/v1/messages/{id} */
export interface MessageDetail extends MessageSummary {
  deliveryAttempts: DeliveryAttempt[];
  /** Every event of this copy, oldest first: PROCESSED, DELIVERED, OPEN, CLICK… */
  events: Array<{ id: string; type: string; at: string; filtered: boolean; url?: string; verdict?: Verdict; reasons?: string[] }>;
}

export type SuppressionReason = 'HARD_BOUNCE' | 'MANUAL';

/** GET /api/v1/suppressions */
export interface Suppression {
  email: string;
  reason: SuppressionReason;
  /** The relay's answer for a bounce, or the note given when added by hand. */
  detail: string | null;
  createdAt: string;
}

/** POST /api/v1/suppressions */
export interface SuppressionInput {
  email: string;
  detail?: string;
}

/** GET/POST/DELETE /api/v1/domains: a sending domain of the account, with the DKIM record to publish. */
export interface SendingDomain {
  domain: string;
  selector: string;
  dnsRecord: { type: 'TXT'; name: string; value: string };
  createdAt: string;
}

/** POST /api/v1/domains */
export interface SendingDomainInput {
  domain: string;
  selector?: string;
}

/** POST /api/v1/emails/{id}/send-test: the draft rendered with these values, to the caller's own address. */
export interface SendTestResult {
  to: string;
  subject: string;
  /** Tokens that had no value (rendered empty in the test). */
  missing: string[];
}

/** GET/PUT /api/v1/account: the account's options (admins change them). */
export interface AccountSettings {
  name: string;
  /** Addresses and domains never logged for anyone in the account. */
  neverLog: string[];
  /** Logging creates contacts for unknown recipients. */
  createContacts: boolean;
  /** Contacts without a legal basis are tracked anonymously (docs/product.md §5). */
  privacy: boolean;
  trackingDomain: string | null;
  /** Days events, bodies, delivery logs and logged emails are kept (docs/product.md §13). */
  retentionDays: number;
}

/** GET /api/v1/server: what people need to point their tools at this server. */
export interface ServerInfo {
  /** SMTP API: the host (from PUBLIC_URL), the submission port (STARTTLS) and the implicit-TLS port, if any. */
  smtp: { host: string; port: number; tlsPort: number | null };
  /** The Outlook add-in's manifest, to sideload or deploy. */
  addin: { manifestUrl: string };
  publicUrl: string;
}

/** GET /api/v1/activity: an open or click of the person's mail, counted or filtered, with its verdict. */
export type ActivityItem = NotificationItem & { verdict: Verdict; counted: boolean; reasons: string[] };
// ---- webhooks and notification channels (docs/product.md, Webhooks) --------------------------

/** A rep's personal channels: each counted open and click they are notified of is also posted to
 *  Slack and Teams incoming webhooks; `daily` mails a morning digest of yesterday's activity. */
export interface NotificationChannels {
  slackWebhookUrl: string | null;
  teamsWebhookUrl: string | null;
  emailDigest: 'off' | 'daily';
}

export const WEBHOOK_EVENT_TYPES = [
  'email.sent',
  'email.delivered',
  'email.deferred',
  'email.bounced',
  'email.dropped',
  'email.opened',
  'email.clicked',
  'email.replied',
  'contact.created',
  'contact.deleted',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What every webhook request carries as its JSON body. */
export interface WebhookPayload {
  type: WebhookEventType | 'webhook.test';
  /** ISO 8601: when the event happened. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** POST /api/v1/webhooks */
export interface WebhookCreate {
  url: string;
  events: WebhookEventType[];
  description?: string | null;
  includeFiltered?: boolean;
}

/** GET /api/v1/webhooks/{id}; `secret` (whsec_…) only in the answers to create and rotate-secret. */
export interface Webhook {
  id: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  includeFiltered: boolean;
  enabled: boolean;
  /** Why Mailbeacon turned it off (the receiver answered 410 Gone), when it did. */
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
  secret?: string;
}

/** One event sent (or being sent) to an endpoint, with its attempts. */
export interface WebhookDelivery {
  /** The `webhook-id` header, the same on every attempt. */
  id: string;
  eventType: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  payload: WebhookPayload;
  history: WebhookAttempt[];
}

export interface WebhookAttempt {
  at: string;
  /** null when no answer came (timeout, connection refused). */
  statusCode: number | null;
  durationMs: number;
  /** The first 2 KB of the answer's body. */
  response: string | null;
  error: string | null;
}

// ---- people and sign-in (docs/product.md, "People and sign-in") ---------------------------------

export type Role = 'admin' | 'member';

/** The signed-in person as the sign-in routes answer it. */
export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

/** A user of the account (`GET /api/v1/users`); `invited` until they set a password. */
export interface AccountUser extends SignedInUser {
  status: 'active' | 'invited';
  createdAt: string;
}

/** `POST /api/v1/users` and `POST /api/v1/users/{id}/invitation`. */
export interface InvitedUser extends AccountUser {
  inviteUrl: string;
}

/** One entry of `GET /api/v1/sessions`: a browser session or an access token. */
export interface Device {
  id: string;
  kind: 'session' | 'token';
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  current: boolean;
}

/** `POST /api/v1/access-tokens`: the token is shown this once. */
export interface NewAccessToken {
  id: string;
  name: string;
  accessToken: string;
}

/** What the add-in's sign-in dialog hands to the pane (`messageParent`). */
export interface DialogSignIn {
  backendUrl: string;
  accessToken: string;
}

// ---- connected mailbox (PUT/GET/DELETE /api/v1/mailbox) -------------------------------------

export type MailboxSecurity = 'tls' | 'starttls';

/** PUT /api/v1/mailbox: logs in first; `password` (or app password) or `accessToken` (XOAUTH2). */
export interface MailboxInput {
  host: string;
  port: number;
  security: MailboxSecurity;
  username: string;
  password?: string;
  accessToken?: string;
  sentFolder?: string;
  inboxFolder?: string;
}

export type MailboxStatus = 'CONNECTED' | 'CONNECTING' | 'ERROR';

/** GET /api/v1/mailbox (never the secret). */
export interface MailboxView {
  host: string;
  port: number;
  security: MailboxSecurity;
  username: string;
  status: MailboxStatus;
  lastError?: string;
  lastSyncAt?: string;
  sentFolder: string;
  inboxFolder: string;
}
