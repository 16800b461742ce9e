// `mailbeacon domain add|list|remove`: DKIM keys for sending domains.
import type { Config } from '../config.js';
import { migrate, openDatabase } from '../db/index.js';
import { dnsRecord, newDkimKey } from '../queue/dkim.js';
import { addSendingDomain, listSendingDomains, removeSendingDomain } from '../store/sending-domains.js';
import { parse, UsageError } from './args.js';

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export async function domainCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database);
    switch (sub) {
      case 'add': {
        const { values, positionals } = parse(rest, { selector: { type: 'string' } });
        const domain = (positionals[0] ?? '').toLowerCase();
        if (!DOMAIN.test(domain)) throw new UsageError(`"${positionals[0] ?? ''}" is not a domain name (e.g. mail.example.com).`);
        const selector = (values.selector as string | undefined) ?? `mb${new Date().getFullYear()}`;
        if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(selector)) throw new UsageError('--selector takes letters, digits and dashes.');
        const key = newDkimKey(domain, selector);
        await addSendingDomain(database.db, key);
        const record = dnsRecord(key);
        process.stderr.write(`Publish this DNS TXT record; mail From: *@${domain} is DKIM-signed from now on:\n`);
        process.stdout.write(`${record.name}. IN TXT "${record.value}"\n`);
        return 0;
      }
      case 'list':
        for (const d of await listSendingDomains(database.db)) {
          const record = dnsRecord(d);
          process.stdout.write(JSON.stringify({ domain: d.domain, selector: d.selector, dnsName: record.name, dnsValue: record.value }) + '\n');
        }
        return 0;
      case 'remove': {
        const domain = (rest[0] ?? '').toLowerCase();
        if (!(await removeSendingDomain(database.db, domain))) {
          process.stderr.write(`No sending domain ${domain}; run \`mailbeacon domain list\`.\n`);
          return 1;
        }
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
