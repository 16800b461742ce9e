// SMTP API tokens: the token id is the SMTP username; the password is shown once and kept as scrypt.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { newId, newSecret, slowHash } from '../secrets.js';
import { createCampaign } from './campaigns.js';

export interface SmtpTokenRow {
  id: string;
  accountId: string;
  campaignId: number;
  campaignName: string;
  createdBy: string;
  createContact: boolean;
  createdAt: number;
  passwordHash: string;
}

const columns = [
  'smtp_tokens.id',
  'smtp_tokens.account_id',
  'smtp_tokens.campaign_id',
  'campaigns.name as campaign_name',
  'smtp_tokens.created_by',
  'smtp_tokens.create_contact',
  'smtp_tokens.created_at',
  'smtp_tokens.password_hash',
] as const;

type Row = { id: string; account_id: string; campaign_id: number; campaign_name: string; created_by: string; create_contact: number; created_at: number; password_hash: string };

const toToken = (r: Row): SmtpTokenRow => ({
  id: r.id,
  accountId: r.account_id,
  campaignId: Number(r.campaign_id),
  campaignName: r.campaign_name,
  createdBy: r.created_by,
  createContact: !!r.create_contact,
  createdAt: Number(r.created_at),
  passwordHash: r.password_hash,
});

function live(db: Kysely<Schema>) {
  return db.selectFrom('smtp_tokens').innerJoin('campaigns', 'campaigns.id', 'smtp_tokens.campaign_id').select(columns).where('smtp_tokens.deleted_at', 'is', null);
}

/** Creates the token and its campaign; answers the token with its password (the only time it is known). */
export async function createSmtpToken(
  db: Kysely<Schema>,
  accountId: string,
  input: { campaignName: string; createContact: boolean; createdBy: { email: string; userId: string } },
): Promise<{ token: SmtpTokenRow; password: string }> {
  const password = newSecret(24); // 192 bits
  const passwordHash = await slowHash(password);
  const id = newId();
  await db.transaction().execute(async (trx) => {
    const campaignId = await createCampaign(trx, accountId, input.campaignName, 'SMTP_TOKEN');
    await trx
      .insertInto('smtp_tokens')
      .values({
        id,
        account_id: accountId,
        campaign_id: campaignId,
        created_by: input.createdBy.email,
        created_by_user_id: input.createdBy.userId,
        create_contact: input.createContact ? 1 : 0,
        password_hash: passwordHash,
        created_at: Date.now(),
        deleted_at: null,
      })
      .execute();
  });
  return { token: (await getSmtpToken(db, accountId, id))!, password };
}

export async function getSmtpToken(db: Kysely<Schema>, accountId: string, id: string): Promise<SmtpTokenRow | undefined> {
  const row = await live(db).where('smtp_tokens.account_id', '=', accountId).where('smtp_tokens.id', '=', id).executeTakeFirst();
  return row && toToken(row);
}

/** The live token behind an SMTP login, whatever its account. */
export async function findSmtpToken(db: Kysely<Schema>, id: string): Promise<SmtpTokenRow | undefined> {
  const row = await live(db).where('smtp_tokens.id', '=', id).executeTakeFirst();
  return row && toToken(row);
}

/** The current password hash of a live token (a reset changes it), or undefined once deleted. */
export async function currentPasswordHash(db: Kysely<Schema>, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('smtp_tokens').select('password_hash').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return row?.password_hash;
}

/** Tokens of the account, oldest first, paged by the id of the last one seen. */
export async function listSmtpTokens(
  db: Kysely<Schema>,
  accountId: string,
  filter: { campaignName?: string; emailCampaignId?: number; after?: { createdAt: number; id: string }; limit: number },
): Promise<SmtpTokenRow[]> {
  let q = live(db).where('smtp_tokens.account_id', '=', accountId);
  if (filter.campaignName !== undefined) q = q.where('campaigns.name', '=', filter.campaignName);
  if (filter.emailCampaignId !== undefined) q = q.where('smtp_tokens.campaign_id', '=', filter.emailCampaignId);
  if (filter.after) {
    const { createdAt, id } = filter.after;
    q = q.where((eb) =>
      eb.or([eb('smtp_tokens.created_at', '>', createdAt), eb.and([eb('smtp_tokens.created_at', '=', createdAt), eb('smtp_tokens.id', '>', id)])]),
    );
  }
  const rows = await q.orderBy('smtp_tokens.created_at').orderBy('smtp_tokens.id').limit(filter.limit).execute();
  return rows.map(toToken);
}

/** Replaces the password; the old one stops working at once (also on open SMTP sessions). */
export async function resetSmtpPassword(db: Kysely<Schema>, accountId: string, id: string): Promise<{ token: SmtpTokenRow; password: string } | undefined> {
  const password = newSecret(24);
  const passwordHash = await slowHash(password);
  const res = await db
    .updateTable('smtp_tokens')
    .set({ password_hash: passwordHash })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!Number(res.numUpdatedRows)) return undefined;
  return { token: (await getSmtpToken(db, accountId, id))!, password };
}

/** Archives the token: SMTP logins with it fail from now on; its campaign keeps its statistics. */
export async function deleteSmtpToken(db: Kysely<Schema>, accountId: string, id: string): Promise<boolean> {
  const res = await db
    .updateTable('smtp_tokens')
    .set({ deleted_at: Date.now() })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** The live user who created the token (its mail's owner for notifications), if still there. */
export async function tokenCreatorId(db: Kysely<Schema>, accountId: string, tokenId: string): Promise<string | null> {
  const row = await db
    .selectFrom('smtp_tokens')
    .innerJoin('users', (j) => j.onRef('users.id', '=', 'smtp_tokens.created_by_user_id').onRef('users.account_id', '=', 'smtp_tokens.account_id'))
    .select('users.id')
    .where('smtp_tokens.id', '=', tokenId)
    .where('smtp_tokens.account_id', '=', accountId)
    .where('users.removed_at', 'is', null)
    .executeTakeFirst();
  return row?.id ?? null;
}
