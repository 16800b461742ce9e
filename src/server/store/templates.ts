// Templates (HubSpot's transactional "emails"): a draft that is edited, and the version captured at
// the last publish, which is what single send sends. Deleting keeps the row (its campaign's
// statistics and the send statuses still name it) but hides it everywhere.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Schema, TemplatesTable } from '../db/schema.js';
import { createCampaign } from './campaigns.js';

export type TemplateRow = Selectable<TemplatesTable>;

export interface TemplateDraft {
  name: string;
  subject: string;
  html: string;
  text: string | null;
  subscriptionType: TemplatesTable['subscription_type'];
  sendMethod: TemplatesTable['send_method'];
}

/** Creates the template with its own campaign (its statistics), in one transaction. */
export async function createTemplate(db: Kysely<Schema>, accountId: string, draft: TemplateDraft): Promise<TemplateRow> {
  return db.transaction().execute(async (trx) => {
    const campaignId = await createCampaign(trx, accountId, draft.name, 'TEMPLATE');
    const now = Date.now();
    return trx
      .insertInto('templates')
      .values({
        account_id: accountId,
        campaign_id: campaignId,
        name: draft.name,
        subject: draft.subject,
        html: draft.html,
        text: draft.text,
        subscription_type: draft.subscriptionType,
        send_method: draft.sendMethod,
        published_subject: null,
        published_html: null,
        published_text: null,
        published_at: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** A live (not deleted) template of the account. */
export async function getTemplate(db: Kysely<Schema>, accountId: string, id: number): Promise<TemplateRow | undefined> {
  return db.selectFrom('templates').selectAll().where('account_id', '=', accountId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Live templates in id order, after `afterId`; one more than `limit` is read to know whether there is more. */
export async function listTemplates(
  db: Kysely<Schema>,
  accountId: string,
  opts: { afterId?: number; limit: number; state?: 'DRAFT' | 'PUBLISHED' },
): Promise<TemplateRow[]> {
  let q = db.selectFrom('templates').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
  if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
  if (opts.state === 'DRAFT') q = q.where('published_at', 'is', null);
  if (opts.state === 'PUBLISHED') q = q.where('published_at', 'is not', null);
  return q.orderBy('id').limit(opts.limit + 1).execute();
}

/** Changes the draft (the published version stays until the next publish); the campaign follows a rename. */
export async function updateTemplate(db: Kysely<Schema>, accountId: string, id: number, draft: Partial<TemplateDraft>): Promise<TemplateRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('templates')
      .set({
        ...(draft.name !== undefined ? { name: draft.name } : {}),
        ...(draft.subject !== undefined ? { subject: draft.subject } : {}),
        ...(draft.html !== undefined ? { html: draft.html } : {}),
        ...(draft.text !== undefined ? { text: draft.text } : {}),
        ...(draft.subscriptionType !== undefined ? { subscription_type: draft.subscriptionType } : {}),
        ...(draft.sendMethod !== undefined ? { send_method: draft.sendMethod } : {}),
        updated_at: Date.now(),
      })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row && draft.name !== undefined) await trx.updateTable('campaigns').set({ name: draft.name }).where('id', '=', row.campaign_id).execute();
    return row;
  });
}

/** Captures the draft as the version that is sent, in one statement (an edit racing it is either in or out). */
export async function publishTemplate(db: Kysely<Schema>, accountId: string, id: number): Promise<TemplateRow | undefined> {
  const now = Date.now();
  return db
    .updateTable('templates')
    .set((eb) => ({
      published_subject: eb.ref('subject'),
      published_html: eb.ref('html'),
      published_text: eb.ref('text'),
      // Strictly increasing per template: it keys the compiled-template cache.
      published_at: sql<number>`case when published_at is not null and published_at >= ${now} then published_at + 1 else ${now} end`,
    }))
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteTemplate(db: Kysely<Schema>, accountId: string, id: number): Promise<boolean> {
  const now = Date.now();
  const res = await db.updateTable('templates').set({ deleted_at: now, updated_at: now }).where('account_id', '=', accountId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
