// Reads POST /api/v1/logged-emails: the `email` JSON field first, then one file part per attachment
// (any field name). Files are streamed to a private temporary folder, hashed on the way, and only
// stored once the whole request proved acceptable, so a refused upload stores nothing and no
// attachment is ever held in memory whole.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import { ApiError } from '../errors.js';
import { MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, MAX_EMAIL_JSON_BYTES, parseLoggedEmail, type LoggedEmail } from './input.js';

export interface StagedFile {
  path: string;
  /** The bytes themselves instead of a file (at most one blob chunk; see store/blobs.ts). */
  data?: Buffer;
  sha256: string;
  size: number;
  filename: string;
  contentType: string;
}

export interface Upload {
  email: LoggedEmail;
  /** Empty when `keepFiles` said no (the email was logged before). */
  files: StagedFile[];
  /** Removes the staged files. */
  cleanup(): Promise<void>;
}

// Past the limit the rest of the body is still read (and dropped), so the client gets its 413
// instead of a reset connection; past this much more it is cut off.
const DRAIN_LIMIT = 4 * MAX_ATTACHMENT_BYTES;

const tooLarge = (message: string) => new ApiError(413, 'VALIDATION_ERROR', message);
const bad = (message: string, field?: string) => new ApiError(400, 'VALIDATION_ERROR', message, [{ message, ...(field ? { in: field } : {}) }]);

/** A stored file name: no folders, no control characters, at most 255 characters. */
export function cleanFilename(name: string | undefined): string {
  const base = (name ?? '').split(/[/\\]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return base.slice(0, 255) || 'attachment';
}

export function cleanContentType(type: string | undefined): string {
  const t = (type ?? '').split(';')[0].trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(t) ? t : 'application/octet-stream';
}

/** Reads the request; `keepFiles` decides, once the email is known, whether its files are wanted. */
export async function receiveLoggedEmail(request: FastifyRequest, keepFiles: (email: LoggedEmail) => Promise<boolean>): Promise<Upload> {
  if (!request.isMultipart()) {
    if (request.body && typeof request.body === 'object') return { email: parseLoggedEmail(request.body), files: [], cleanup: async () => {} };
    throw new ApiError(415, 'VALIDATION_ERROR', 'Send multipart/form-data: an `email` field with the JSON, then one file part per attachment.');
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mailbeacon-log-'));
  const cleanup = () => fs.promises.rm(dir, { recursive: true, force: true });
  try {
    return { ...(await readParts(request, dir, keepFiles)), cleanup };
  } catch (e) {
    await cleanup();
    throw translate(e);
  }
}

async function readParts(request: FastifyRequest, dir: string, keepFiles: (email: LoggedEmail) => Promise<boolean>) {
  const parts = request.parts({
    limits: { fieldNameSize: 200, fieldSize: MAX_EMAIL_JSON_BYTES, fields: 5, fileSize: DRAIN_LIMIT, files: MAX_ATTACHMENTS, parts: MAX_ATTACHMENTS + 5 },
  });
  let email: LoggedEmail | undefined;
  let keep = false;
  let total = 0;
  // The first reason to refuse; the rest of the body is then read and dropped before answering.
  let refusal: ApiError | undefined;
  const files: StagedFile[] = [];
  for await (const part of parts) {
    try {
      if (part.type === 'field') {
        if (refusal) continue;
        if (email || part.fieldname !== 'email') throw bad(unexpectedField(part, !!email), part.fieldname);
        if (part.valueTruncated) throw tooLarge(`The email field is larger than ${MAX_EMAIL_JSON_BYTES / 1024 / 1024} MB; send big inline images as attachments.`);
        email = parseLoggedEmail(part.value);
        keep = await keepFiles(email);
        continue;
      }
      if (!email && !refusal) throw bad('The email field must come first, before any file part (send the JSON field, then the attachments).', 'email');
      const target = keep && !refusal && total <= MAX_ATTACHMENT_BYTES ? path.join(dir, String(files.length)) : null;
      const staged = await stage(part, target, total);
      total += staged.size;
      if (target && (part.filename || staged.size)) files.push(staged);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      refusal ??= e;
      if (part.type === 'file') total += await drain(part.file);
    }
    if (total > DRAIN_LIMIT) throw refusal ?? tooLarge(attachmentsTooLarge());
  }
  if (refusal) throw refusal;
  if (!email) throw bad('The email field is missing: send the LoggedEmailInput JSON as a field named `email`.', 'email');
  if (total > MAX_ATTACHMENT_BYTES) throw tooLarge(attachmentsTooLarge());
  return { email, files: keep ? files : [] };
}

const attachmentsTooLarge = () => `The attachments add up to more than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB; nothing was logged. Log the email without them.`;

function unexpectedField(part: MultipartValue, sawEmail: boolean): string {
  if (part.fieldname === 'email' && sawEmail) return 'The email field was sent twice; send it once.';
  return `Unknown field \`${part.fieldname}\`: only the \`email\` JSON field and file parts (attachments) are accepted.`;
}

/** Writes the part to `target` (or only counts it, when null) while hashing it. */
async function stage(part: MultipartFile, target: string | null, before: number): Promise<StagedFile> {
  const hash = createHash('sha256');
  const out = target ? fs.createWriteStream(target) : null;
  let size = 0;
  try {
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (before + size > DRAIN_LIMIT) break;
      // Past the limit nothing more is written: the request will be refused anyway.
      if (!out || before + size > MAX_ATTACHMENT_BYTES) continue;
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    if (out) {
      out.end();
      await once(out, 'close');
    }
  }
  return { path: target ?? '', sha256: hash.digest('hex'), size, filename: cleanFilename(part.filename), contentType: cleanContentType(part.mimetype) };
}

/** Reads what is left of a part and drops it; answers how many bytes that was. */
async function drain(stream: Readable): Promise<number> {
  let n = 0;
  if (stream.readableEnded || stream.destroyed) return n;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > DRAIN_LIMIT) break;
  }
  return n;
}

/** The multipart plugin's own errors, in the API's words. */
function translate(e: unknown): unknown {
  if (e instanceof ApiError) return e;
  const code = (e as { code?: string }).code;
  if (code === 'FST_INVALID_JSON_FIELD_ERROR') return bad('email is not valid JSON; send the LoggedEmailInput object as JSON.', 'email');
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') return tooLarge(`At most ${MAX_ATTACHMENTS} attachments are logged with one email.`);
  if (code === 'FST_FIELDS_LIMIT') return bad('Too many fields: send only the `email` field and the files.');
  if (code === 'FST_MP_PREMATURE_CLOSE' || /multipart|Unexpected end/i.test((e as Error).message ?? '')) return bad('The multipart body is malformed or ended early; send it again.');
  return e;
}
