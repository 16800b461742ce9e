// HubSpot-compatible shapes (docs/product.md §3): what `@hubspot/api-client` sends and expects.

/** `SmtpApiTokenView`; `password` only in the answers to create and password-reset. */
export interface SmtpToken {
  id: string;
  createdBy: string;
  createdAt: string;
  emailCampaignId: string;
  campaignName: string;
  createContact: boolean;
  password?: string;
}

export interface SmtpTokenInput {
  campaignName: string;
  createContact: boolean;
}

/** `PublicSingleSendRequestEgg` */
export interface SingleSendInput {
  emailId: number;
  message: {
    to: string;
    from?: string;
    sendId?: string;
    replyTo?: string[];
    cc?: string[];
    bcc?: string[];
  };
  contactProperties?: Record<string, string>;
  customProperties?: Record<string, unknown>;
}

export type SendStatus = 'PENDING' | 'PROCESSING' | 'CANCELED' | 'COMPLETE';

/** HubSpot's names; the ones Mailbeacon produces. */
export type SendResult =
  | 'SENT'
  | 'QUEUED'
  | 'IDEMPOTENT_IGNORE'
  | 'IDEMPOTENT_FAIL'
  | 'THROTTLED'
  | 'EMAIL_DISABLED'
  | 'INVALID_TO_ADDRESS'
  | 'INVALID_FROM_ADDRESS'
  | 'PREVIOUSLY_BOUNCED'
  | 'MISSING_TEMPLATE_PROPERTIES'
  | 'MISSING_CONTENT'
  | 'TEMPLATE_RENDER_EXCEPTION'
  | 'BLOCKED_ADDRESS'
  | 'TOO_MANY_RECIPIENTS'
  | 'UNDELIVERABLE';

/** `EmailSendStatusView` */
export interface SendStatusView {
  statusId: string;
  status: SendStatus;
  sendResult?: SendResult;
  requestedAt: string;
  startedAt?: string;
  completedAt?: string;
  eventId?: { id: string; created: string };
  message?: string;
}

export type EmailEventType =
  | 'PROCESSED'
  | 'SENT'
  | 'DELIVERED'
  | 'DEFERRED'
  | 'BOUNCE'
  | 'DROPPED'
  | 'OPEN'
  | 'CLICK'
  | 'SPAMREPORT'
  | 'STATUSCHANGE'
  // a reply noticed in the connected mailbox
  | 'REPLY';

/** An event of the Email Events API (`/email/public/v1/events`). */
export interface EmailEvent {
  id: string;
  type: EmailEventType;
  recipient: string;
  emailCampaignId: string | null;
  created: number;
  sentBy: { id: string; created: number };
  url?: string;
  userAgent?: string;
  browser?: { name: string; family: string; producer?: string; version?: string[] };
  deviceType?: string;
  filteredEvent: boolean;
  filterReason?: string;
  inferred?: boolean;
  smtpId?: string;
  response?: string;
  attempt?: number;
  category?: string;
  dropReason?: string;
}

export interface EmailEventsPage {
  events: EmailEvent[];
  hasMore: boolean;
  offset: string;
}

export interface CampaignCounters {
  processed: number;
  sent: number;
  delivered: number;
  deferred: number;
  bounce: number;
  dropped: number;
  open: number;
  click: number;
  spamreport: number;
}

export interface CampaignView {
  id: string;
  name: string;
  counters: CampaignCounters;
  uniqueCounters: Pick<CampaignCounters, 'open' | 'click'>;
  filteredCounters: Pick<CampaignCounters, 'open' | 'click'>;
}

/** `SimplePublicObjectWithAssociations`, as `GET /crm/v3/objects/contacts/{contactId}` answers it. */
export interface CrmObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}
