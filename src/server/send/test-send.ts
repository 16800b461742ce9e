// A test send of a template (the web app's **Send test**, docs/product.md §10): the draft as it stands (or
// as the editor shows it, unsaved),
// rendered with the values the author typed (a token without one renders empty, as in the preview),
// sent to the author's own address through the normal queue, tracked like any send, so the author
// sees it arrive and its opens come back. It belongs to no campaign: tests never count in a
// template's statistics.
import { randomUUID } from 'node:crypto';
import type { Principal } from '../store/access-tokens.js';
import type { TemplateRow } from '../store/templates.js';
import type { Source } from '../templates/engine.js';
import { invalid } from '../errors.js';
import { domainOf } from '../../shared/addresses.js';
import { foreignOwnedDomain } from '../queue/domain-owner.js';
import { messageIdFor } from './compose.js';
import type { SendDeps } from './single-send.js';
import type { SendTestResult } from '../../shared/api.js';

export async function sendTest(
  deps: SendDeps,
  principal: Principal,
  template: TemplateRow,
  source: Source,
  values: { contactProperties?: Record<string, string>; customProperties?: Record<string, unknown> },
): Promise<SendTestResult> {
  const db = deps.database.db;
  const to = principal.email;
  const from = { name: '', address: to };
  const foreign = await foreignOwnedDomain(db, principal.accountId, domainOf(to));
  if (foreign) throw invalid(`Your address's domain ${foreign} belongs to another Mailbeacon account, so a test cannot be sent from it.`);
  const statusId = randomUUID();
  const scope = { contact: { email: to, ...values.contactProperties }, custom: values.customProperties ?? {} };
  const rendered = await deps.sandbox.renderDraftEmail(source, scope, { marketing: template.subscription_type === 'MARKETING', lenient: true }, { statusId, from, to, cc: [], replyTo: [] });
  await deps.acceptor.accept({
    accountId: principal.accountId,
    source: 'API',
    campaignId: null,
    userId: principal.userId,
    mailFrom: to,
    recipients: [to],
    raw: rendered.raw!,
    subject: rendered.subject,
    messageIdHeader: messageIdFor(statusId, from),
    createContacts: false,
    track: true,
  });
  return { to, subject: rendered.subject, missing: rendered.missing };
}
