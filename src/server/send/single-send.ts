// One single send (docs/product.md §3): what can be decided at request time is answered at once as a COMPLETE
// status with its sendResult and nothing is queued; otherwise the published template is rendered for
// the recipient, built as MIME and queued like SMTP mail (same queue, same tracking), and the status
// completes when the queue settles the To delivery. Every answer is committed before it is given.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { AcceptInput, Acceptor } from '../queue/accept.js';
import type { Enqueued } from '../store/queue.js';
import type { Principal } from '../store/access-tokens.js';
import { type ContactRow, findContactByEmail, mergeContactProperties } from '../store/contacts.js';
import { suppressedAmong } from '../store/suppressions.js';
import { getTemplate, type TemplateRow } from '../store/templates.js';
import { claimSendId, countQueuedTo, findBySendId, insertStatus, type NewSendStatus, type SendStatusRow } from '../store/send-statuses.js';
import type { RenderedEmail, Sandbox } from '../sandbox/sandbox.js';
import { RenderFailure } from '../templates/render.js';
import { invalid } from '../errors.js';
import type { SendResult, SendStatusView, SingleSendInput } from '../../shared/hubspot.js';
import { addressList, checkTo, parseSender, type Sender } from './addresses.js';
import { domainOf } from '../../shared/addresses.js';
import { foreignOwnedDomain } from '../queue/domain-owner.js';
import { type Envelope, messageIdFor } from './compose.js';
import { statusView } from './status-view.js';

/** At most this many single sends queued to one address per window (a runaway loop's brake): THROTTLED. */
export const RECIPIENT_LIMIT = { sends: 30, windowMs: 60_000 };
/** To, Cc and Bcc together, at most (TOO_MANY_RECIPIENTS). */
export const MAX_RECIPIENTS = 50;

export interface SendDeps {
  database: Database;
  acceptor: Acceptor;
  sandbox: Sandbox;
  logger: Logger;
}

type Base = Pick<NewSendStatus, 'id' | 'account_id' | 'user_id' | 'template_id' | 'requested_at'>;

/** What a send that passed every request-time check queues. */
interface Ready {
  to: string;
  from: Sender;
  /** Cc and Bcc addresses (without the To address): their own untracked copies. */
  copies: string[];
  contact: ContactRow | undefined;
  subject: string;
  /** The email as MIME, rendered and composed in the sandbox. */
  raw: Buffer;
}

/** A sendResult known at request time: nothing is queued. */
interface Decided {
  recipient: string;
  result: SendResult;
  message: string;
}

export async function singleSend(deps: SendDeps, principal: Principal, input: SingleSendInput): Promise<SendStatusView> {
  const db = deps.database.db;
  const template = sendable(await getTemplate(db, principal.accountId, input.emailId), input.emailId);
  const lists = { cc: listOrRefuse(input.message.cc, 'message.cc'), bcc: listOrRefuse(input.message.bcc, 'message.bcc'), replyTo: listOrRefuse(input.message.replyTo, 'message.replyTo') };
  const base: Base = { id: randomUUID(), account_id: principal.accountId, user_id: principal.userId, template_id: template.id, requested_at: Date.now() };
  const sendId = input.message.sendId;
  if (sendId !== undefined) {
    const prior = await findBySendId(db, principal.accountId, sendId);
    if (prior) return ignored(db, base, input.message.to, prior);
  }
  const checked = await check(deps, principal, template, input, lists, base);
  if ('result' in checked) return finish(db, base, checked);
  return queue(deps, principal, template, input, base, checked);
}

/** The request-time checks, in HubSpot's order of concern, then the rendering. */
async function check(
  deps: SendDeps,
  principal: Principal,
  template: SendableTemplate,
  input: SingleSendInput,
  lists: { cc: Sender[]; bcc: Sender[]; replyTo: Sender[] },
  base: Base,
): Promise<Ready | Decided> {
  const db = deps.database.db;
  const now = base.requested_at;
  const m = input.message;
  const to = checkTo(m.to);
  if (!to.ok) return { recipient: m.to, result: 'INVALID_TO_ADDRESS', message: to.reason };
  const decided = (result: SendResult, message: string): Decided => ({ recipient: to.address, result, message });
  const from = m.from === undefined ? { name: '', address: principal.email } : parseSender(m.from);
  if (!from) return decided('INVALID_FROM_ADDRESS', `"${m.from}" is not a valid sender; use "Name <address>" or an address.`);
  const foreign = await foreignOwnedDomain(db, principal.accountId, domainOf(from.address));
  if (foreign) return decided('INVALID_FROM_ADDRESS', `${from.address}: the domain ${foreign} belongs to another Mailbeacon account; send from a domain of your own.`);
  const copies = [...new Set([...lists.cc, ...lists.bcc].map((s) => s.address))].filter((a) => a !== to.address);
  if (1 + copies.length > MAX_RECIPIENTS) return decided('TOO_MANY_RECIPIENTS', `A single send goes to at most ${MAX_RECIPIENTS} addresses (to, cc and bcc together).`);

  const [suppressed, recent, contact] = await Promise.all([
    suppressedAmong(db, principal.accountId, [to.address]),
    countQueuedTo(db, principal.accountId, to.address, now - RECIPIENT_LIMIT.windowMs),
    findContactByEmail(db, principal.accountId, to.address),
  ]);
  if (suppressed.size) return decided('PREVIOUSLY_BOUNCED', `${to.address} bounced before; email to it is not sent.`);
  if (recent >= RECIPIENT_LIMIT.sends) return decided('THROTTLED', `${to.address} already got ${recent} single sends in the last ${RECIPIENT_LIMIT.windowMs / 1000} s; try again later.`);

  let rendered: RenderedEmail;
  try {
    rendered = await renderFor(deps.sandbox, template, contact, input, { statusId: base.id, from, to: to.address, cc: lists.cc, replyTo: lists.replyTo });
  } catch (err) {
    if (!(err instanceof RenderFailure)) throw err;
    return decided('TEMPLATE_RENDER_EXCEPTION', `Template ${template.id}: ${err.message}`);
  }
  if (!rendered.raw) {
    return decided('MISSING_TEMPLATE_PROPERTIES', `The template uses ${rendered.missing.join(', ')} with no value and no default; pass them in contactProperties or customProperties.`);
  }
  return { to: to.address, from, copies, contact, subject: rendered.subject, raw: rendered.raw };
}

/** Claims the sendId, writes the contact's properties and queues the email; answers once all is committed. */
async function queue(deps: SendDeps, principal: Principal, template: SendableTemplate, input: SingleSendInput, base: Base, ready: Ready): Promise<SendStatusView> {
  const db = deps.database.db;
  const { to, from, raw } = ready;
  const message = {
    accountId: principal.accountId,
    source: 'API' as const,
    campaignId: template.campaign_id,
    userId: principal.userId,
    mailFrom: from.address,
    raw,
    subject: ready.subject,
    messageIdHeader: messageIdFor(base.id, from), // as composed: the queue's outcome finds this status by it
  };
  // The sendId is claimed in the transaction that queues the email, so that a claim never exists
  // without its email (a crash or an outage in between would make every retry IDEMPOTENT_IGNORE with
  // nothing sent). Of concurrent repeats exactly one commits; on PostgreSQL the others wait on the
  // unique index, find the sendId taken and roll back.
  const claim = (trx: Database['db'], queued: Enqueued) =>
    claimSendId(trx, { ...base, send_id: input.message.sendId ?? null, recipient: to, status: 'PENDING', queued: 1, message_id: queued.messageId, delivery_id: queued.deliveries[0].id });
  try {
    await deps.acceptor.accept({
      ...message,
      recipients: [to],
      createContacts: true,
      track: true,
      within: async (trx, queued) => {
        if (!(await claim(trx, queued))) throw new SendIdTaken();
        if (changesContact(ready.contact, input.contactProperties)) await mergeContactProperties(trx, principal.accountId, to, ready.contact, input.contactProperties!);
      },
    });
  } catch (err) {
    if (!(err instanceof SendIdTaken)) throw err;
    return ignored(db, base, to, await findBySendId(db, principal.accountId, input.message.sendId!));
  }
  await queueCopies(deps, message, ready.copies);
  return { statusId: base.id, status: 'PENDING', requestedAt: new Date(base.requested_at).toISOString() };
}

/** A concurrent repeat committed the same sendId first: this request sends nothing. */
class SendIdTaken extends Error {}

/**
 * Cc and Bcc get their own copies, as a second message: like HubSpot, they are not tracked and do not
 * become contacts (only the To recipient is the send's contact), but they count in the template's campaign.
 */
async function queueCopies(deps: SendDeps, queue: Omit<AcceptInput, 'recipients' | 'createContacts' | 'track'>, copies: string[]) {
  if (!copies.length) return;
  try {
    await deps.acceptor.accept({ ...queue, recipients: copies, createContacts: false, track: false });
  } catch (err) {
    // The To email is queued already; failing the request now would only make a retry skip it.
    deps.logger.error({ err, recipients: copies.length }, 'could not queue the cc/bcc copies of a single send');
  }
}

type SendableTemplate = TemplateRow & { published_at: number };

function sendable(template: TemplateRow | undefined, emailId: number): SendableTemplate {
  const refuse = (message: string) => invalid(message, 'emailId');
  if (!template) throw refuse(`emailId ${emailId} is not a template of this account; create one with POST /api/v1/emails.`);
  if (template.published_at === null) throw refuse(`Template ${emailId} is a draft; publish it (POST /api/v1/emails/${emailId}/publish) before sending it.`);
  if (template.subscription_type !== 'TRANSACTIONAL') throw refuse(`Template ${emailId} is a ${template.subscription_type} template; single send sends only TRANSACTIONAL templates.`);
  if (template.send_method !== 'API') throw refuse(`Template ${emailId} has sendMethod ${template.send_method}; single send needs sendMethod API.`);
  return template as SendableTemplate;
}

function listOrRefuse(list: string[] | undefined, field: string): Sender[] {
  const parsed = addressList(list ?? []);
  if (!parsed.ok) throw invalid(`${field}[${parsed.index}] is not a valid email address.`, `${field}[${parsed.index}]`);
  return parsed.entries;
}

/** Whether writing `given` onto the contact would change it (no contact yet: it would create one). */
function changesContact(contact: ContactRow | undefined, given: Record<string, string> | undefined): boolean {
  if (!given || !Object.keys(given).length) return false;
  if (!contact) return true;
  const stored = JSON.parse(contact.properties) as Record<string, unknown>;
  return Object.entries(given).some(([k, v]) => stored[k] !== v);
}

/** `{{ contact.* }}`: what the address and the contact's name imply, its stored properties, then the request's. */
export function contactScope(contact: ContactRow | undefined, email: string, given: Record<string, string> = {}): Record<string, unknown> {
  const implied: Record<string, string> = { email };
  const name = contact?.name?.trim();
  if (name) {
    const [first, ...rest] = name.split(/\s+/);
    implied.firstname = first;
    if (rest.length) implied.lastname = rest.join(' ');
  }
  return { ...implied, ...(contact ? (JSON.parse(contact.properties) as Record<string, unknown>) : {}), ...given };
}

/** The published version rendered for the recipient and composed as MIME, in the sandbox (it may take long or fail). */
function renderFor(sandbox: Sandbox, template: SendableTemplate, contact: ContactRow | undefined, input: SingleSendInput, envelope: Envelope): Promise<RenderedEmail> {
  const source = { subject: template.published_subject!, html: template.published_html!, text: template.published_text };
  const scope = { contact: contactScope(contact, envelope.to, input.contactProperties), custom: input.customProperties ?? {} };
  return sandbox.renderEmail({ templateId: Number(template.id), publishedAt: Number(template.published_at), source }, scope, envelope);
}

/** A status decided at request time: stored (so it can be read back) and answered; nothing is queued. */
async function finish(db: Database['db'], base: Base, { recipient, result, message }: Decided): Promise<SendStatusView> {
  const row: SendStatusRow = {
    ...base,
    user_id: base.user_id ?? null,
    template_id: base.template_id ?? null,
    send_id: null, // nothing was sent: the sendId stays free for a corrected request
    recipient: recipient.trim().toLowerCase().slice(0, 320),
    status: 'COMPLETE',
    send_result: result,
    message,
    queued: 0,
    message_id: null,
    delivery_id: null,
    event_id: null,
    event_created: null,
    started_at: base.requested_at,
    completed_at: base.requested_at,
  };
  await insertStatus(db, row);
  return statusView(row);
}

/** A repeat of a sendId that already sent: its own COMPLETE status, naming the original. */
function ignored(db: Database['db'], base: Base, recipient: string, prior: SendStatusRow | undefined): Promise<SendStatusView> {
  const original = prior ? ` (statusId ${prior.id})` : '';
  return finish(db, base, { recipient, result: 'IDEMPOTENT_IGNORE', message: `An email with this sendId was already sent${original}; nothing was sent again.` });
}
