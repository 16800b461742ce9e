// Addresses we no longer send to: hard bounces (and manual entries). Transactional mail ignores
// subscriptions but never goes to a hard-bounced address (docs/product.md §3).
import type { Kysely } from 'kysely';
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
