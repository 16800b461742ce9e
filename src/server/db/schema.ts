// Table shapes as Kysely sees them. Times are epoch milliseconds, booleans 0/1 and JSON is text,
// so the same queries run unchanged on SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  name: string;
  created_at: number;
  /** Host of the account's custom tracking domain (its tracking URLs use it). */
  tracking_domain: Generated<string | null>;
  /** 1: contacts without a legal basis are tracked anonymously (docs/product.md §5, privacy). */
  privacy: Generated<number>;
  /** JSON array of addresses and domains never logged for anyone in the account. */
  never_log: Generated<string>;
  /** 1: logging creates contacts for unknown recipients. */
  create_contacts: Generated<number>;
  /** Days events, bodies, delivery logs and logged emails are kept (docs/product.md §13, retention). */
  retention_days: Generated<number>;
  /** From: of the account's own emails (invitations, password resets); null: no-reply@ PUBLIC_URL's host. */
  sender_address: Generated<string | null>;
}

export interface UsersTable {
  id: string;
  account_id: string;
  email: string;
  name: string | null;
  created_at: number;
  removed_at: number | null;
  role: Generated<'admin' | 'member'>;
  password_hash: Generated<string | null>;
}

export interface AccessTokensTable {
  id: string;
  account_id: string;
  user_id: string;
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
  name: Generated<string | null>;
  last_used_at: Generated<number | null>;
}

/** Browser sessions (the `mb_session` cookie): `<id>.<secret>`, the secret kept as SHA-256. */
export interface SessionsTable {
  id: string;
  account_id: string;
  user_id: string;
  secret_hash: string;
  name: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** One-use links: an invitation (set your first password) or a password reset; tokens kept as SHA-256. */
export interface UserLinksTable {
  id: string;
  account_id: string;
  user_id: string;
  kind: 'invite' | 'reset';
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface CampaignsTable {
  id: Generated<number>;
  account_id: string;
  name: string;
  kind: 'SMTP_TOKEN' | 'TEMPLATE';
  created_at: number;
}

export interface SmtpTokensTable {
  id: string;
  account_id: string;
  campaign_id: number;
  /** The creator's email address, as HubSpot's `createdBy` shows it. */
  created_by: string;
  /** The creating user (null for a token whose creator was gone before migration 0014). */
  created_by_user_id: string | null;
  create_contact: number;
  password_hash: string;
  created_at: number;
  deleted_at: number | null;
}

export interface ContactsTable {
  id: string;
  account_id: string;
  email: string;
  name: string | null;
  properties: string;
  legal_basis: string | null;
  created_at: number;
  updated_at: number;
}

export type MessageSource = 'SMTP' | 'API' | 'ADDIN';

export interface MessagesTable {
  id: string;
  account_id: string;
  source: MessageSource;
  campaign_id: number | null;
  token_id: string | null;
  user_id: string | null;
  mail_from: string;
  message_id_header: string | null;
  subject: string | null;
  raw: Buffer;
  size: number;
  track: number;
  pixel_position: Generated<string | null>;
  created_at: number;
}

export type DeliveryStatus = 'QUEUED' | 'SENT' | 'BOUNCED' | 'DROPPED';

export interface DeliveriesTable {
  id: string;
  account_id: string;
  message_id: string;
  campaign_id: number | null;
  recipient: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  give_up_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  recoveries: Generated<number>;
  last_response: string | null;
  created_at: number;
  sent_at: number | null;
  /** Set when the recipient had been erased at accept: events name this instead, and the row keeps it once delivered (no tracking). */
  pseudonym: Generated<string | null>;
}

export interface SuppressionsTable {
  account_id: string;
  email: string;
  reason: 'HARD_BOUNCE' | 'MANUAL';
  detail: string | null;
  created_at: number;
}

export interface EmailEventsTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  type: string;
  recipient: string;
  campaign_id: number | null;
  delivery_id: string | null;
  created: number;
  sent_by_id: string;
  sent_by_created: number;
  filtered: Generated<number>;
  details: string;
  tracked_email_id: Generated<string | null>;
  user_id: Generated<string | null>;
  link_index: Generated<number | null>;
}

export interface ServerKeysTable {
  name: string;
  value: string;
  created_at: number;
}

export interface SendingDomainsTable {
  domain: string;
  /** The owning account; null only for a domain migrated while no account existed (it signs nothing). */
  account_id: string | null;
  selector: string;
  private_key: string;
  public_key: string;
  created_at: number;
}

export interface TemplatesTable {
  id: Generated<number>;
  account_id: string;
  campaign_id: number;
  name: string;
  subject: string;
  html: string;
  text: string | null;
  subscription_type: 'TRANSACTIONAL' | 'MARKETING';
  send_method: 'API' | 'REGULAR';
  published_subject: string | null;
  published_html: string | null;
  published_text: string | null;
  published_at: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface SendStatusesTable {
  id: string;
  account_id: string;
  user_id: string | null;
  template_id: number | null;
  send_id: string | null;
  recipient: string;
  status: 'PENDING' | 'PROCESSING' | 'CANCELED' | 'COMPLETE';
  send_result: string | null;
  message: string | null;
  queued: Generated<number>;
  message_id: string | null;
  delivery_id: string | null;
  event_id: string | null;
  event_created: number | null;
  requested_at: number;
  started_at: number | null;
  completed_at: number | null;
}

export interface RateWindowsTable {
  account_id: string;
  second: number;
  count: number;
}

/** One failed SMTP login (the login throttle's shared count). */
export interface LoginFailuresTable {
  address: string;
  token: string;
  at: number;
}

export interface TrackedEmailsTable {
  id: string;
  account_id: string;
  user_id: string;
  subject: string;
  from_address: string;
  recipients: string;
  internet_message_id: string | null;
  sender_ips: Generated<string>;
  self_view_at: number | null;
  created_at: number;
  updated_at: number;
  /** Follow-up reminder (migration 0011): due time, days asked for, first reply, sweeper's claim. */
  remind_at: Generated<number | null>;
  remind_after_days: Generated<number | null>;
  replied_at: Generated<number | null>;
  reminder_lease: Generated<number | null>;
}

export interface NotificationsTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  user_id: string;
  event_id: string;
  type: 'OPEN' | 'CLICK' | 'REPLY' | 'REMINDER';
  who: string;
  subject: string;
  url: string | null;
  email_id: string;
  at: number;
  read_at: number | null;
}

/** A change every process must apply (SQLite's way of telling them; see migrations/0006_changes.ts). */
export interface ChangesTable {
  seq: Generated<number>;
  origin: string;
  change: string;
  at: number;
}

export interface PushSubscriptionsTable {
  endpoint: string;
  account_id: string;
  user_id: string;
  p256dh: string;
  auth: string;
  created_at: number;
}

export interface LoggedEmailsTable {
  id: string;
  account_id: string;
  user_id: string;
  internet_message_id: string;
  subject: string;
  from_address: string;
  to_addresses: string;
  cc_addresses: string;
  bcc_addresses: string;
  html: string;
  text: string;
  sent_at: number;
  tracking_id: string | null;
  /** JSON: [{address, reason}] of the recipients not logged. */
  skipped: Generated<string>;
  created_at: number;
}

export interface LoggedEmailContactsTable {
  account_id: string;
  logged_email_id: string;
  contact_id: string;
  at: number;
  created: Generated<number>;
}

export interface BlobsTable {
  account_id: string;
  sha256: string;
  size: number;
  created_at: number;
}

export interface BlobChunksTable {
  account_id: string;
  sha256: string;
  seq: number;
  data: Buffer;
}

export interface AttachmentsTable {
  id: string;
  account_id: string;
  logged_email_id: string;
  sha256: string;
  filename: string;
  content_type: string;
  size: number;
  position: number;
}

export interface UserSettingsTable {
  user_id: string;
  account_id: string;
  settings: string;
  updated_at: number;
}

// ---- data lifecycle (migrations/0012_lifecycle.ts) ----

export interface ErasedAddressesTable {
  account_id: string;
  hash: string;
  suppressed: string | null;
  created_at: number;
}

export interface EventRollupsTable {
  account_id: string;
  campaign_id: number;
  type: string;
  filtered: number;
  recipient: string;
  total: number;
}

export interface LeasesTable {
  name: string;
  owner: string;
  until: number;
}

/** A user's connected IMAP mailbox (migration 0011). */
export interface MailboxesTable {
  user_id: string;
  account_id: string;
  host: string;
  port: number;
  security: 'tls' | 'starttls';
  username: string;
  auth: 'password' | 'xoauth2';
  secret: string;
  sent_folder: string;
  inbox_folder: string;
  status: 'CONNECTED' | 'CONNECTING' | 'ERROR';
  last_error: string | null;
  last_sync_at: number | null;
  failures: Generated<number>;
  retry_at: Generated<number>;
  lease_owner: string | null;
  lease_until: number | null;
  generation: Generated<number>;
  connected_at: number;
}

/** Sync state of one folder of a connected mailbox. */
export interface MailboxFoldersTable {
  user_id: string;
  account_id: string;
  role: 'sent' | 'inbox';
  uidvalidity: string;
  last_uid: number;
}

export interface Schema {
  accounts: AccountsTable;
  users: UsersTable;
  access_tokens: AccessTokensTable;
  campaigns: CampaignsTable;
  smtp_tokens: SmtpTokensTable;
  contacts: ContactsTable;
  messages: MessagesTable;
  deliveries: DeliveriesTable;
  suppressions: SuppressionsTable;
  email_events: EmailEventsTable;
  server_keys: ServerKeysTable;
  sending_domains: SendingDomainsTable;
  templates: TemplatesTable;
  send_statuses: SendStatusesTable;
  rate_windows: RateWindowsTable;
  login_failures: LoginFailuresTable;
  tracked_emails: TrackedEmailsTable;
  notifications: NotificationsTable;
  push_subscriptions: PushSubscriptionsTable;
  logged_emails: LoggedEmailsTable;
  logged_email_contacts: LoggedEmailContactsTable;
  blobs: BlobsTable;
  blob_chunks: BlobChunksTable;
  attachments: AttachmentsTable;
  user_settings: UserSettingsTable;
  changes: ChangesTable;
  erased_addresses: ErasedAddressesTable;
  event_rollups: EventRollupsTable;
  leases: LeasesTable;
  // people and sign-in (0009_people)
  sessions: SessionsTable;
  user_links: UserLinksTable;
  // webhooks (0010_webhooks)
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  channel_digests: ChannelDigestsTable;
  // connected mailbox (0011_mailbox)
  mailboxes: MailboxesTable;
  mailbox_folders: MailboxFoldersTable;
}

// ---- webhooks (0010_webhooks) ----

export interface WebhookEndpointsTable {
  id: string;
  account_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types. */
  events: string;
  include_filtered: number;
  enabled: number;
  disabled_reason: string | null;
  secret: string;
  created_at: number;
  updated_at: number;
}

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface WebhookDeliveriesTable {
  /** The `webhook-id` header (msg_…), the same on every attempt. */
  id: string;
  account_id: string;
  /** An endpoint's id, or for a rep's channel post `slack:<userId>` / `teams:<userId>`. */
  endpoint_id: string;
  channel: 'slack' | 'teams' | null;
  target_url: string | null;
  event_type: string;
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  account_id: string;
  endpoint_id: string;
  at: number;
  status_code: number | null;
  duration_ms: number;
  response: string | null;
  error: string | null;
}

export interface ChannelDigestsTable {
  user_id: string;
  day: string;
  account_id: string;
  sent_at: number;
}

/** Tables that hold no account's data; every other table carries `account_id`. */
export const GLOBAL_TABLES = ['accounts', 'server_keys', 'sending_domains', 'changes', 'login_failures', 'leases', 'kysely_migration', 'kysely_migration_lock'];

export type { Generated };
