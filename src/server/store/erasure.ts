// Erasing one address from an account (docs/product.md §13; HubSpot's GDPR delete; GDPR Art. 17).
// Every table that can hold the address has one step here, in the order they run inside one
// transaction. A table added later that keeps addresses gets its step in this list, and the erasure
// test (test/lifecycle/erasure.test.ts) scans every table of the catalog, so a missed one fails it.
//
// What stays: campaign counters (the address's events are folded into `event_rollups` under a
// pseudonym first), and a keyed hash of the address (`erased_addresses`), never the address.
// Mail sent to the address together with others stays for them, with the address written over.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../db/schema.js';
import { addRollups, deleteLoggedEmails } from './retention.js';
import { enqueueWebhookEvents } from './webhooks.js';

export interface ErasureScope {
  accountId: string;
  /** Lower-cased address. */
  email: string;
  /** What events, rollups and scrubbed text say instead of the address. */
  pseudonym: string;
  /** Written over the address wherever mail to several people keeps it (`erased@erased.invalid`). */
  replacement: string;
  /** Filled by the steps: the suppression the address had, kept with its hash. */
  suppressed: string | null;
}

export interface ErasureStep {
  /** The table(s) it clears, for the log line. */
  name: string;
  /** Answers how many rows it removed or rewrote. */
  run(trx: Kysely<Schema>, s: ErasureScope): Promise<number>;
}

/** Written over an erased address in mail kept for its other recipients (RFC 2606's reserved `.invalid`). */
export const ERASED_REPLACEMENT = 'erased@erased.invalid';

const n = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint } | undefined) => Number(r?.numDeletedRows ?? r?.numUpdatedRows ?? 0);

/** The address as a pattern matching it in any letter case (ASCII), so `Ann@Acme.com` in a header is found too. */
function addressPattern(email: string): RegExp {
  const body = [...email].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))).join('');
  return new RegExp(body, 'g');
}

/** `text` with every occurrence of the address replaced. */
export function scrubAddress(text: string, email: string, replacement: string): string {
  return text.replace(addressPattern(email), replacement);
}

/** Raw message bytes with the address replaced (as UTF-8 bytes, so 8-bit headers are found as well). */
export function scrubBytes(raw: Buffer, email: string, replacement: string): Buffer {
  const latin = raw.toString('latin1');
  const out = latin.replace(addressPattern(Buffer.from(email, 'utf8').toString('latin1')), replacement);
  return out === latin ? raw : Buffer.from(out, 'latin1');
}

/** `%…%` for LIKE with the address's own `%`, `_` and `\` taken literally. */
const containing = (email: string) => `%${email.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const likeAddress = (col: string, email: string) => sql<boolean>`lower(${sql.ref(col)}) like ${containing(email)} escape '\\'`;

/** Events of the address: their notifications, their counts folded into rollups, then the events. */
const events: ErasureStep[] = [
  {
    name: 'notifications',
    async run(trx, s) {
      const ofAddress = trx.selectFrom('email_events').select('id').where('account_id', '=', s.accountId).where('recipient', '=', s.email);
      return n(await trx.deleteFrom('notifications').where('account_id', '=', s.accountId).where((eb) => eb.or([eb('event_id', 'in', ofAddress), eb('who', '=', s.email)])).executeTakeFirst());
    },
  },
  {
    name: 'event_rollups',
    async run(trx, s) {
      const counted = await trx
        .selectFrom('email_events')
        .select(['campaign_id', 'type', 'filtered', sql<number>`count(*)`.as('total')])
        .where('account_id', '=', s.accountId)
        .where('recipient', '=', s.email)
        .groupBy(['campaign_id', 'type', 'filtered'])
        .execute();
      const kept = await trx.selectFrom('event_rollups').selectAll().where('account_id', '=', s.accountId).where('recipient', '=', s.email).execute();
      const rows = [
        ...counted.map((r) => ({ account_id: s.accountId, campaign_id: Number(r.campaign_id ?? 0), type: r.type, filtered: Number(r.filtered), recipient: s.pseudonym, total: Number(r.total) })),
        ...kept.map((r) => ({ ...r, recipient: s.pseudonym })),
      ];
      await addRollups(trx, rows);
      await trx.deleteFrom('event_rollups').where('account_id', '=', s.accountId).where('recipient', '=', s.email).execute();
      return rows.length;
    },
  },
  {
    name: 'email_events',
    run: async (trx, s) => n(await trx.deleteFrom('email_events').where('account_id', '=', s.accountId).where('recipient', '=', s.email).executeTakeFirst()),
  },
];

/** Single-send statuses, the queue's deliveries, and messages sent to no one else. */
const sending: ErasureStep[] = [
  {
    name: 'send_statuses',
    run: async (trx, s) => n(await trx.deleteFrom('send_statuses').where('account_id', '=', s.accountId).where(sql`lower(recipient)`, '=', s.email).executeTakeFirst()),
  },
  {
    name: 'deliveries, messages',
    async run(trx, s) {
      // Not copies accepted after an earlier erasure (they carry a pseudonym): those are delivered, then forget the address.
      const ours = await trx.selectFrom('deliveries').select(['id', 'message_id']).where('account_id', '=', s.accountId).where(sql`lower(recipient)`, '=', s.email).where('pseudonym', 'is', null).execute();
      const messageIds = [...new Set(ours.map((d) => d.message_id))];
      // Events of these copies that name someone else (none should) go with them: they point at a delivery that is gone.
      for (let i = 0; i < ours.length; i += 500) {
        const ids = ours.slice(i, i + 500).map((d) => d.id);
        await trx.deleteFrom('notifications').where('event_id', 'in', trx.selectFrom('email_events').select('id').where('delivery_id', 'in', ids)).execute();
        await trx.deleteFrom('email_events').where('delivery_id', 'in', ids).execute();
        await trx.deleteFrom('deliveries').where('id', 'in', ids).execute();
      }
      for (const id of messageIds) {
        const others = await trx.selectFrom('deliveries').select('id').where('message_id', '=', id).limit(1).executeTakeFirst();
        if (!others) {
          await trx.deleteFrom('messages').where('id', '=', id).execute();
          continue;
        }
        const m = await trx.selectFrom('messages').select(['raw', 'subject']).where('id', '=', id).executeTakeFirst();
        if (!m) continue;
        const raw = scrubBytes(Buffer.from(m.raw), s.email, s.replacement);
        await trx
          .updateTable('messages')
          .set({ raw, size: raw.length, subject: m.subject === null ? null : scrubAddress(m.subject, s.email, s.replacement) })
          .where('id', '=', id)
          .execute();
      }
      return ours.length;
    },
  },
  {
    name: 'suppressions',
    async run(trx, s) {
      const row = await trx.selectFrom('suppressions').select('reason').where('account_id', '=', s.accountId).where('email', '=', s.email).executeTakeFirst();
      s.suppressed = row?.reason ?? null;
      const done = n(await trx.deleteFrom('suppressions').where('account_id', '=', s.accountId).where('email', '=', s.email).executeTakeFirst());
      // A hard-bounced address stays suppressed under its pseudonym: later mail to it is dropped, not sent.
      if (row) await trx.insertInto('suppressions').values({ account_id: s.accountId, email: s.pseudonym, reason: row.reason, detail: null, created_at: Date.now() }).onConflict((oc) => oc.columns(['account_id', 'email']).doNothing()).execute();
      return done;
    },
  },
];

/** Logged email: copies only this contact had go with their attachments; shared ones lose the address. */
const logging: ErasureStep[] = [
  {
    name: 'logged_emails, attachments, blobs',
    async run(trx, s) {
      const contact = await trx.selectFrom('contacts').select('id').where('account_id', '=', s.accountId).where('email', '=', s.email).executeTakeFirst();
      const linked = contact ? (await trx.selectFrom('logged_email_contacts').select('logged_email_id').where('contact_id', '=', contact.id).execute()).map((r) => r.logged_email_id) : [];
      if (contact) await trx.deleteFrom('logged_email_contacts').where('contact_id', '=', contact.id).execute();
      // Also copies that name the address without being on its timeline (skipped, or logged for others).
      const named = await trx
        .selectFrom('logged_emails')
        .select('id')
        .where('account_id', '=', s.accountId)
        .where((eb) =>
          eb.or(['from_address', 'to_addresses', 'cc_addresses', 'bcc_addresses', 'skipped', 'subject', 'html', 'text'].map((c) => likeAddress(`logged_emails.${c}`, s.email) as never)),
        )
        .execute();
      const ids = [...new Set([...linked, ...named.map((r) => r.id)])];
      const gone: string[] = [];
      for (const id of ids) {
        const others = await trx.selectFrom('logged_email_contacts').select('contact_id').where('logged_email_id', '=', id).limit(1).executeTakeFirst();
        if (!others && linked.includes(id)) {
          gone.push(id);
          continue;
        }
        const e = await trx.selectFrom('logged_emails').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        const scrub = (v: string) => scrubAddress(v, s.email, s.replacement);
        await trx
          .updateTable('logged_emails')
          .set({
            from_address: scrub(e.from_address),
            to_addresses: scrub(e.to_addresses),
            cc_addresses: scrub(e.cc_addresses),
            bcc_addresses: scrub(e.bcc_addresses),
            skipped: scrub(e.skipped),
            subject: scrub(e.subject),
            html: scrub(e.html),
            text: scrub(e.text),
          })
          .where('id', '=', id)
          .execute();
      }
      await deleteLoggedEmails(trx, s.accountId, gone);
      return ids.length;
    },
  },
];

/** The add-in's tracked mail: sent to this address alone, it goes with its events; shared, it loses the address. */
const tracked: ErasureStep[] = [
  {
    name: 'tracked_emails',
    async run(trx, s) {
      const rows = await trx.selectFrom('tracked_emails').select(['id', 'recipients', 'subject']).where('account_id', '=', s.accountId).where(likeAddress('recipients', s.email) as never).execute();
      for (const t of rows) {
        const recipients = (JSON.parse(t.recipients) as string[]).filter((r) => r.toLowerCase() !== s.email);
        if (!recipients.length) {
          await trx.deleteFrom('notifications').where('event_id', 'in', trx.selectFrom('email_events').select('id').where('tracked_email_id', '=', t.id)).execute();
          await trx.deleteFrom('email_events').where('tracked_email_id', '=', t.id).execute();
          await trx.deleteFrom('tracked_emails').where('id', '=', t.id).execute();
        } else {
          await trx
            .updateTable('tracked_emails')
            .set({ recipients: JSON.stringify(recipients), subject: scrubAddress(t.subject, s.email, s.replacement) })
            .where('id', '=', t.id)
            .execute();
        }
      }
      return rows.length;
    },
  },
];

/**
 * Text that names the address in what others keep: a link with it in the query in another recipient's
 * click, a notification's subject, a relay's answer, another contact's properties. Written over.
 */
const MENTIONS: Array<{ table: keyof Schema; columns: string[] }> = [
  { table: 'email_events', columns: ['details'] },
  { table: 'notifications', columns: ['who', 'subject', 'url'] },
  { table: 'deliveries', columns: ['last_response'] },
  { table: 'send_statuses', columns: ['message'] },
  { table: 'tracked_emails', columns: ['subject', 'from_address'] },
  { table: 'contacts', columns: ['name', 'properties'] },
];

const mentions: ErasureStep[] = MENTIONS.map(({ table, columns }) => ({
  name: `${table} (mentions)`,
  async run(trx, s) {
    const { rows } = await sql<Record<string, string | null>>`select id, ${sql.join(columns.map((c) => sql.ref(c)))} from ${sql.table(table)}
      where account_id = ${s.accountId} and (${sql.join(columns.map((c) => likeAddress(c, s.email)), sql` or `)})`.execute(trx);
    for (const row of rows) {
      const set = columns.map((c) => sql`${sql.ref(c)} = ${row[c] === null ? null : scrubAddress(row[c]!, s.email, s.replacement)}`);
      await sql`update ${sql.table(table)} set ${sql.join(set)} where id = ${row.id}`.execute(trx);
    }
    return rows.length;
  },
}));

/** Last, once nothing points at it: the contact with its properties. */
const contact: ErasureStep[] = [
  {
    name: 'contacts',
    async run(trx, s) {
      const gone = await trx.selectFrom('contacts').select('id').where('account_id', '=', s.accountId).where('email', '=', s.email).execute();
      if (!gone.length) return 0;
      await trx.deleteFrom('contacts').where('account_id', '=', s.accountId).where('email', '=', s.email).execute();
      // Receivers learn of it by id only: the address itself is what is being erased.
      await enqueueWebhookEvents(trx, s.accountId, gone.map((c) => ({ type: 'contact.deleted' as const, data: { contactId: c.id } })));
      return gone.length;
    },
  },
];

/**
 * Webhook and channel posts that name the address (an event's `recipient`, a created contact), queued
 * or already sent, with their attempts (a receiver's answer may echo it): deleted, not sent on. What
 * a receiver already got is theirs to erase; the `contact.deleted` event is how they learn of it.
 */
const webhooks: ErasureStep[] = [
  {
    name: 'webhook_deliveries',
    async run(trx, s) {
      const named = trx.selectFrom('webhook_deliveries').select('id').where('account_id', '=', s.accountId).where(likeAddress('payload', s.email));
      await trx.deleteFrom('webhook_attempts').where('account_id', '=', s.accountId).where((eb) => eb.or([eb('delivery_id', 'in', named), likeAddress('response', s.email)])).execute();
      return n(await trx.deleteFrom('webhook_deliveries').where('account_id', '=', s.accountId).where(likeAddress('payload', s.email)).executeTakeFirst());
    },
  },
];

/** Every step, in order. Add a table that keeps addresses here. */
export const ERASURE_STEPS: ErasureStep[] = [...events, ...sending, ...logging, ...tracked, ...contact, ...mentions, ...webhooks];

/** Runs every step in the caller's transaction; answers the rows each touched. */
export async function eraseAddress(trx: Kysely<Schema>, scope: ErasureScope): Promise<Record<string, number>> {
  const done: Record<string, number> = {};
  for (const step of ERASURE_STEPS) done[step.name] = await step.run(trx, scope);
  return done;
}
