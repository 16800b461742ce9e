// The `email` field of POST /api/v1/logged-emails (LoggedEmailInput) and the limits of a logging.
import { Type } from 'typebox';
import { ApiError } from '../errors.js';
import type { LoggedEmailInput } from '../../shared/api.js';
import { isAddress, normalizeAddress } from '../../shared/addresses.js';
import { schemaErrors } from '../validation/schema.js';
import { unstorable } from '../validation/storable.js';

/** All attachments of one email together (HubSpot logs attachments of mail under 50 MB). */
export const MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024;
/** The `email` JSON (bodies included); large inline images belong in attachments. */
export const MAX_EMAIL_JSON_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENTS = 100;
export const MAX_RECIPIENTS = 500;

const Addresses = Type.Array(Type.String({ maxLength: 320 }), { maxItems: MAX_RECIPIENTS });

export const LoggedEmailSchema = Type.Object(
  {
    subject: Type.String({ maxLength: 2000 }),
    html: Type.String(),
    text: Type.String(),
    from: Type.String({ minLength: 1, maxLength: 320 }),
    to: Addresses,
    cc: Addresses,
    bcc: Addresses,
    sentAt: Type.String({ minLength: 1, maxLength: 64 }),
    internetMessageId: Type.String({ minLength: 1, maxLength: 998 }),
    trackingId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' })),
    inReplyTo: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

/** A checked email plus what the checks worked out. */
export interface LoggedEmail extends LoggedEmailInput {
  sentAtMs: number;
}

const bad = (message: string, field: string) => new ApiError(400, 'VALIDATION_ERROR', message, [{ message, in: field }]);

/** Parses and checks the field's value (already parsed when the part said application/json). */
export function parseLoggedEmail(raw: unknown): LoggedEmail {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw bad('email is not valid JSON; send the LoggedEmailInput object as JSON.', 'email');
    }
  }
  const errors = schemaErrors(LoggedEmailSchema, value, 'email');
  if (errors.length) throw new ApiError(400, 'VALIDATION_ERROR', errors.map((e) => e.message).join('; '), errors);
  const odd = unstorable(value);
  if (odd) throw bad(`email.${odd.path} ${odd.why}.`, `email.${odd.path}`);
  const input = value as LoggedEmailInput;
  if (!isAddress(input.from)) throw bad(`email.from ${JSON.stringify(input.from)} is not a plain address (local@domain.tld)`, 'email.from');
  const sentAtMs = Date.parse(input.sentAt);
  if (!Number.isFinite(sentAtMs)) throw bad('email.sentAt must be a date and time, e.g. 2026-05-01T09:30:00Z', 'email.sentAt');
  const total = input.to.length + input.cc.length + input.bcc.length;
  if (total > MAX_RECIPIENTS) throw bad(`email has ${total} recipients; at most ${MAX_RECIPIENTS} are logged`, 'email.to');
  return { ...input, from: normalizeAddress(input.from), internetMessageId: input.internetMessageId.trim(), sentAtMs };
}
