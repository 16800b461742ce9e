// Logging as a client does it: multipart/form-data over real HTTP, built with Node's FormData.
import type { Kysely } from 'kysely';
import type { Schema } from '../../src/server/db/schema.js';
import type { LoggedEmailInput } from '../../src/shared/api.js';
import type { RunningServer } from '../helpers/server.js';

export interface TestFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

let counter = 0;

/** A complete LoggedEmailInput from Ann at mycorp.test; override what the test is about. */
export function emailInput(over: Partial<LoggedEmailInput> = {}): LoggedEmailInput {
  counter++;
  return {
    subject: `Pricing for Acme #${counter}`,
    html: `<p>Hello,</p><p>the <b>pricing</b> you asked for (#${counter}).</p>`,
    text: `Hello,\n\nthe pricing you asked for (#${counter}).`,
    from: 'ann@mycorp.test',
    to: [],
    cc: [],
    bcc: [],
    sentAt: new Date(Date.UTC(2026, 4, 1, 9, 0, counter)).toISOString(),
    internetMessageId: `<msg-${counter}-${Math.random().toString(36).slice(2)}@mycorp.test>`,
    ...over,
  };
}

/** POST /api/v1/logged-emails with the email field first (or last, to test the refusal). */
export function postLogged(server: RunningServer, token: string, email: unknown, files: TestFile[] = [], opts: { emailLast?: boolean } = {}): Promise<Response> {
  const form = new FormData();
  const field = typeof email === 'string' ? email : JSON.stringify(email);
  if (!opts.emailLast) form.append('email', field);
  for (const f of files) form.append('attachments', new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: f.type }), f.name);
  if (opts.emailLast) form.append('email', field);
  return server.api('/api/v1/logged-emails', { method: 'POST', token, body: form });
}

/** Row counts of the logging tables, to prove a request stored nothing (or how much). */
export async function counts(db: Kysely<Schema>) {
  const n = async (table: 'logged_emails' | 'logged_email_contacts' | 'blobs' | 'blob_chunks' | 'attachments' | 'contacts') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    loggedEmails: await n('logged_emails'),
    links: await n('logged_email_contacts'),
    blobs: await n('blobs'),
    chunks: await n('blob_chunks'),
    attachments: await n('attachments'),
    contacts: await n('contacts'),
  };
}
