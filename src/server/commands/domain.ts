// `mailbeacon domain add|list|remove`: DKIM keys for sending domains, each owned by one account.
import type { Config } from '../config.js';
import { migrate, openDatabase } from '../db/index.js';
import { dnsRecord } from '../queue/dkim.js';
import { addDomain, defaultSelector, normalizeDomain } from '../queue/domain-owner.js';
import { announce } from '../notify/changes.js';
import { ensureAccount } from '../store/accounts.js';
import { listSendingDomains, removeSendingDomain } from '../store/sending-domains.js';
import { accountFilter, accountNameArg, parse, UsageError } from './args.js';

export async function domainCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database);
    const db = database.db;
    switch (sub) {
      case 'add': {
        const { values, positionals } = parse(rest, { selector: { type: 'string' }, account: { type: 'string' } });
        const account = await ensureAccount(db, accountNameArg(values.account));
        const outcome = await addDomain(db, account.id, positionals[0] ?? '', (values.selector as string | undefined) ?? defaultSelector());
        if ('invalid' in outcome) throw new UsageError(outcome.field === 'selector' ? '--selector takes letters, digits and dashes.' : outcome.invalid);
        if ('takenBy' in outcome) {
          const taken = outcome.takenBy;
          throw new UsageError(`${taken} belongs to another account; a domain, its parents and the names below it belong to one account. Remove it there first (\`mailbeacon domain remove ${taken}\`).`);
        }
        await announce(db, database.dialect, { type: 'domains-changed' }); // running servers re-read keys at once
        const record = dnsRecord(outcome.added);
        process.stderr.write(`Publish this DNS TXT record; mail From: *@${outcome.added.domain} sent by account "${account.name}" is DKIM-signed from now on, and other accounts can no longer send From: it:\n`);
        process.stdout.write(`${record.name}. IN TXT "${record.value}"\n`);
        return 0;
      }
      case 'list': {
        const { values } = parse(rest, { account: { type: 'string' } });
        const accountId = await accountFilter(db, values.account);
        for (const d of await listSendingDomains(db, accountId)) {
          const record = dnsRecord(d);
          process.stdout.write(JSON.stringify({ domain: d.domain, account: d.account_name, selector: d.selector, dnsName: record.name, dnsValue: record.value }) + '\n');
        }
        return 0;
      }
      case 'remove': {
        const domain = normalizeDomain(rest[0] ?? '');
        if (!(await removeSendingDomain(db, domain))) {
          process.stderr.write(`No sending domain ${domain}; run \`mailbeacon domain list\`.\n`);
          return 1;
        }
        await announce(db, database.dialect, { type: 'domains-changed' });
        process.stdout.write(JSON.stringify({ removed: domain }) + '\n');
        return 0;
      }
      default:
        throw new UsageError(sub ? `Unknown domain command "${sub}".` : '`mailbeacon domain` needs add, list or remove.');
    }
  } finally {
    await database.close();
  }
}
