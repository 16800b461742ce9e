// Campaigns group sends for statistics: one per SMTP token, one per template (HubSpot's emailCampaignId).
import type { Kysely } from 'kysely';
import type { CampaignsTable, Schema } from '../db/schema.js';

export async function createCampaign(db: Kysely<Schema>, accountId: string, name: string, kind: CampaignsTable['kind']): Promise<number> {
  const row = await db
    .insertInto('campaigns')
    .values({ account_id: accountId, name, kind, created_at: Date.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function getCampaign(db: Kysely<Schema>, accountId: string, id: number) {
  return db.selectFrom('campaigns').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
}
