// `mailbeacon domain add|list|remove`: DKIM keys for sending domains, each owned by one account.
import type { Config } from '../config.js';
import { migrate, openDatabase } from '../db/index.js';
import { dnsRecord, newDkimKey } from '../queue/dkim.js';
import { conflictingDomain, normalizeDomain } from '../queue/domain-owner.js';
import { announce } from '../notify/changes.js';
import { ensureAccount } from '../store/accounts.js';
import { addSendingDomain, listSendingDomains, removeSendingDomain } from '../store/sending-domains.js';
import { accountFilter, accountNameArg, parse, UsageError } from './args.js';

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export async function domainCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database);
    const db = database.db;
    switch (sub) {
      case 'add': {
        const { values, positionals } = parse(rest, { selector: { type: 'string' }, account: { type: 'string' } });
        const domain = normalizeDomain(positionals[0] ?? '');
        if (!DOMAIN.test(domain)) throw new UsageError(`"${positionals[0] ?? ''}" is not a domain name (e.g. mail.example.com).`);
        const selector = (values.selector as string | undefined) ?? `mb${new Date().getFullYear()}`;
        if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(selector)) throw new UsageError('--selector takes letters, digits and dashes.');
        const account = await ensureAccount(db, accountNameArg(values.account));
        const taken = await conflictingDomain(db, account.id, domain);
        if (taken) throw new UsageError(`${taken} belongs to another account; a domain, its parents and the names below it belong to one account. Remove it there first (\`mailbeacon domain remove ${taken}\`).`);
        const key = newDkimKey(domain, selector);
        const added = await addSendingDomain(db, { ...key, account_id: account.id });
        if (added.ownedBy) throw new UsageError(`${domain} belongs to another account.`);
        await announce(db, database.dialect, { type: 'domains-changed' }); // running servers re-read keys at once
        const record = dnsRecord(key);
        process.stderr.write(`Publish this DNS TXT record; mail From: *@${domain} sent by account "${account.name}" is DKIM-signed from now on, and other accounts can no longer send From: it:\n`);
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
