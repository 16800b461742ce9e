// Addresses we no longer send to: hard bounces (and manual entries). Transactional mail ignores
// subscriptions but never goes to a hard-bounced address (docs/product.md §3).
import type { Kysely, Selectable } from 'kysely';
import type { Schema, SuppressionsTable } from '../db/schema.js';

export async function suppress(db: Kysely<Schema>, accountId: string, email: string, reason: SuppressionsTable['reason'], detail: string | null): Promise<void> {
  await db
    .insertInto('suppressions')
    .values({ account_id: accountId, email: email.toLowerCase(), reason, detail, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['account_id', 'email']).doNothing())
    .execute();
}

/** The subset of `emails` that is suppressed for the account. */
export async function suppressedAmong(db: Kysely<Schema>, accountId: string, emails: string[]): Promise<Set<string>> {
  const lower = [...new Set(emails.map((e) => e.toLowerCase()))];
  if (!lower.length) return new Set();
  const rows = await db.selectFrom('suppressions').select('email').where('account_id', '=', accountId).where('email', 'in', lower).execute();
  return new Set(rows.map((r) => r.email));
}

export type SuppressionRow = Selectable<SuppressionsTable>;

/** Newest first, paged by (created_at, email) descending; reads `limit` rows. */
export async function listSuppressions(
  db: Kysely<Schema>,
  accountId: string,
  f: { before?: { createdAt: number; email: string }; email?: string; limit: number },
): Promise<SuppressionRow[]> {
  let q = db.selectFrom('suppressions').selectAll().where('account_id', '=', accountId);
  if (f.email !== undefined) q = q.where('email', '=', f.email.trim().toLowerCase());
  if (f.before) {
    const { createdAt, email } = f.before;
    q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('email', '<', email)])]));
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('email', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({ ...r, created_at: Number(r.created_at) }));
}

/** Sends to the address again; false when it was not suppressed in this account. */
export async function unsuppress(db: Kysely<Schema>, accountId: string, email: string): Promise<boolean> {
  const res = await db.deleteFrom('suppressions').where('account_id', '=', accountId).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function getSuppression(db: Kysely<Schema>, accountId: string, email: string): Promise<SuppressionRow | undefined> {
  const r = await db.selectFrom('suppressions').selectAll().where('account_id', '=', accountId).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  return r && { ...r, created_at: Number(r.created_at) };
}
