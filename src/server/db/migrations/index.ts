// Every migration, in order. Names are sortable and never change once released.
import type { Migration } from 'kysely';
import type { Dialect } from '../index.js';
import { columnTypes } from './types.js';
import { foundation } from './0001_foundation.js';
import { sending } from './0002_sending.js';
import { templates } from './0003_templates.js';
import { tracking } from './0004_tracking.js';
import { logging } from './0005_logging.js';
import { changes } from './0006_changes.js';
import { domainOwner } from './0007_domain_owner.js';
import { loginThrottle } from './0008_login_throttle.js';
import { people } from './0009_people.js';
import { webhooks } from './0010_webhooks.js';
import { mailbox } from './0011_mailbox.js';
import { lifecycle } from './0012_lifecycle.js';
import { app } from './0013_app.js';
import { sendOwner } from './0014_send_owner.js';
import { removedUsersMailboxes } from './0015_removed_users_mailboxes.js';

export function migrations(dialect: Dialect): Record<string, Migration> {
  const t = columnTypes(dialect);
  return {
    '0001_foundation': foundation(t),
    '0002_sending': sending(t),
    '0003_templates': templates(t),
    '0004_tracking': tracking(t),
    '0005_logging': logging(t),
    '0006_changes': changes(t),
    '0007_domain_owner': domainOwner(),
    '0008_login_throttle': loginThrottle(t),
    '0009_people': people(t),
    '0010_webhooks': webhooks(t),
    '0011_mailbox': mailbox(t),
    '0012_lifecycle': lifecycle(t),
    '0013_app': app(),
    '0014_send_owner': sendOwner(),
    '0015_removed_users_mailboxes': removedUsersMailboxes(),
  };
}
