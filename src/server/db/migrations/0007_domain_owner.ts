// Sending domains belong to one account: only that account's mail is DKIM-signed with the domain's
// key, and other accounts may not send From: it. Domains added before this had no owner; each goes to
// the account that sent the most messages from it (by envelope sender), else to the account named
// `default`, else to the oldest account. With no account at all it stays unowned: an unowned domain
// signs nobody's mail until `mailbeacon domain add <domain> --account A` claims it.
import { type Kysely, sql } from 'kysely';

export function domainOwner() {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('sending_domains').addColumn('account_id', 'text', (c) => c.references('accounts.id')).execute();
      await db.schema.createIndex('sending_domains_account').on('sending_domains').column('account_id').execute();
      const domains = await db.selectFrom('sending_domains').select('domain').execute();
      if (!domains.length) return;
      const fallback =
        (await db.selectFrom('accounts').select('id').where('name', '=', 'default').executeTakeFirst()) ??
        (await db.selectFrom('accounts').select('id').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst());
      for (const { domain } of domains as Array<{ domain: string }>) {
        const top = await db
          .selectFrom('messages')
          .select(['account_id', sql<number>`count(*)`.as('n')])
          .where(sql`lower(mail_from)`, 'like', `%@${domain}`)
          .groupBy('account_id')
          .orderBy('n', 'desc')
          .orderBy('account_id')
          .limit(1)
          .executeTakeFirst();
        const owner = (top as { account_id: string } | undefined)?.account_id ?? (fallback as { id: string } | undefined)?.id ?? null;
        await db.updateTable('sending_domains').set({ account_id: owner }).where('domain', '=', domain).execute();
      }
    },
  };
}
