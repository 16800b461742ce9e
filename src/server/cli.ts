// `mailbeacon <command>`: the package's bin. Reads the same variables as the server (docs/product.md §2).
import { ConfigError, loadConfig } from './config.js';
import { UsageError } from './commands/args.js';

const USAGE = `Usage: mailbeacon <command>

  serve                                   start the server (what npm start runs)
  migrate                                 bring the database schema up to date
  user add <email> [--name N] [--account A] [--role admin|member]
                                          add a user; prints its access token and an invite link
                                          (the account's first user is its admin)
  user list [--account A]                 list users, one JSON line each
  user remove <email>                     remove a user and revoke its access tokens
  user token <email>                      issue a new access token (earlier ones stop working)
  user invite <email>                     a fresh link to set a password (7 days, one use)
  domain add <domain> [--selector S]      make a DKIM key; prints the DNS TXT record to publish
  domain list | domain remove <domain>    the sending domains whose mail is DKIM-signed
  demo                                    send a sample tracked email into the dev mailbox (server running)
  backup <file> [--force]                 copy the SQLite database, consistent while the server runs
  restore <file>                          put a backup in place of the SQLite database (server stopped)

Configuration is read from the environment and ./.env; see README.md.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  try {
    const config = loadConfig();
    switch (command) {
      // Each command loads only what it needs, so a CLI call stays quick.
      case 'serve':
        return await (await import('./commands/serve.js')).serve(config);
      case 'migrate':
        return await (await import('./commands/migrate.js')).migrateCommand(config);
      case 'user':
        return await (await import('./commands/user.js')).userCommand(config, rest);
      case 'domain':
        return await (await import('./commands/domain.js')).domainCommand(config, rest);
      case 'demo':
        return await (await import('./commands/demo.js')).demoCommand(config);
      case 'backup':
        return await (await import('./commands/backup.js')).backupCommand(config, rest);
      case 'restore':
        return await (await import('./commands/backup.js')).restoreCommand(config, rest);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message} Run \`mailbeacon help\` for the commands.\n`);
      return 2;
    }
    throw e;
  }
}
