// What a hit needs to know about the mail it belongs to: whose it is, to whom it went, when it was
// sent, the owner's settings (blocked IPs, notification choices) and the privacy rules. Looked up
// once per mail and kept for a few seconds, since hits on one mail come in runs.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { NotificationChoices, UserSettings } from '../../shared/api.js';
import { findContactByEmail } from '../store/contacts.js';
import { deliveryForTracking } from '../store/queue.js';
import { getAccountSettings, getUserSettings } from '../store/settings.js';
import { tokenCreatorId } from '../store/smtp-tokens.js';
import { trackedEmailForTracking } from '../store/tracked-emails.js';
import type { MailRef } from './tokens.js';

export interface MailContext {
  key: string;
  accountId: string;
  ownerUserId: string | null;
  subject: string;
  /** The recipient's address, or '' when several share the pixel. */
  recipient: string;
  /** For notifications: the contact's name or address, or "Someone". */
  who: string;
  /** The id notifications carry: the tracked email's, or the delivery's. */
  emailId: string;
  campaignId: number | null;
  deliveryId: string | null;
  trackedEmailId: string | null;
  sentAt: number | null;
  sentBy: { id: string; created: number };
  selfViewSince: number | null;
  senderIps: string[];
  blockedIps: string[];
  notifications: NotificationChoices | null;
  /** Privacy on and no legal basis (or a shared pixel): no device data, "Someone". */
  anonymous: boolean;
}

// A safety net only: a settings change reaches every process's copy within a second (notify/changes.ts).
const TTL_MS = 2000;

export class MailContexts {
  private cache = new Map<string, { at: number; value: MailContext | undefined }>();
  /** Bumped by every forget: a read that began before one is not kept (it may hold the old value). */
  private generation = 0;

  constructor(private readonly db: Kysely<Schema>) {}

  async get(ref: MailRef): Promise<MailContext | undefined> {
    const key = 'd' in ref ? `d:${ref.d}` : `t:${ref.t}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    const generation = this.generation;
    const value = 'd' in ref ? await this.forDelivery(key, ref.d) : await this.forTracked(key, ref.t);
    if (generation !== this.generation) return value;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }

  /** After a self-view report: the next hit must see it. */
  forget(ref: MailRef): void {
    this.generation++;
    this.cache.delete('d' in ref ? `d:${ref.d}` : `t:${ref.t}`);
  }

  /** The account's or one of its users' settings changed (or, with no account, anything may have). */
  forgetAccount(accountId?: string): void {
    this.generation++;
    for (const [key, entry] of this.cache) if (accountId === undefined || !entry.value || entry.value.accountId === accountId) this.cache.delete(key);
  }

  private async forDelivery(key: string, id: string): Promise<MailContext | undefined> {
    const row = await deliveryForTracking(this.db, id);
    if (!row) return undefined;
    const owner = row.user_id ?? (row.token_id ? await tokenCreatorId(this.db, row.account_id, row.token_id) : null);
    const settings = owner ? await this.settings(row.account_id, owner) : null;
    const contact = await this.contact(row.account_id, row.recipient);
    const anonymous = (await this.privacy(row.account_id)) && !contact?.legal_basis;
    return {
      key,
      accountId: row.account_id,
      ownerUserId: owner,
      subject: row.subject ?? '(no subject)',
      recipient: row.recipient.toLowerCase(),
      who: anonymous ? 'Someone' : (contact?.name ?? row.recipient.toLowerCase()),
      emailId: id,
      campaignId: row.campaign_id === null ? null : Number(row.campaign_id),
      deliveryId: id,
      trackedEmailId: null,
      sentAt: row.sent_at === null ? null : Number(row.sent_at),
      sentBy: { id, created: Number(row.created_at) },
      selfViewSince: null,
      senderIps: [],
      blockedIps: settings?.blockedIps ?? [],
      notifications: settings?.notifications ?? null,
      anonymous,
    };
  }

  private async forTracked(key: string, id: string): Promise<MailContext | undefined> {
    const row = await trackedEmailForTracking(this.db, id);
    if (!row) return undefined;
    const recipients = JSON.parse(row.recipients) as string[];
    const single = recipients.length === 1 ? recipients[0].toLowerCase() : '';
    const contact = single ? await this.contact(row.account_id, single) : undefined;
    const anonymous = !single || ((await this.privacy(row.account_id)) && !contact?.legal_basis);
    const settings = await this.settings(row.account_id, row.user_id);
    return {
      key,
      accountId: row.account_id,
      ownerUserId: row.user_id,
      subject: row.subject || '(no subject)',
      recipient: single,
      who: anonymous ? 'Someone' : (contact?.name ?? single),
      emailId: id,
      campaignId: null,
      deliveryId: null,
      trackedEmailId: id,
      sentAt: Number(row.updated_at),
      sentBy: { id, created: Number(row.created_at) },
      selfViewSince: row.self_view_at === null ? null : Number(row.self_view_at),
      senderIps: JSON.parse(row.sender_ips) as string[],
      blockedIps: settings.blockedIps,
      notifications: settings.notifications,
      anonymous,
    };
  }

  private settings(accountId: string, userId: string): Promise<UserSettings> {
    return getUserSettings(this.db, accountId, userId);
  }

  private async contact(accountId: string, email: string) {
    return findContactByEmail(this.db, accountId, email);
  }

  private async privacy(accountId: string): Promise<boolean> {
    return (await getAccountSettings(this.db, accountId)).privacy;
  }
}
