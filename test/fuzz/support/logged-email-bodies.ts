// Invalid uploads for POST /api/v1/logged-emails (multipart/form-data: the `email` JSON field first,
// then one file part per attachment): a bad email JSON, parts out of order, unknown or repeated
// fields, bodies cut short, boundaries that do not match, too many files — each must be refused
// whole, with nothing stored even when a valid email came before the fault.
import fc from 'fast-check';
import { isAddress } from '../../../src/shared/addresses.js';
import { brokenObject, type BodyInput, type ObjectSpec } from './bodies.js';

const LOGGED: ObjectSpec = {
  closed: true,
  fields: {
    subject: { t: 'string', req: true, max: 2000 },
    html: { t: 'string', req: true },
    text: { t: 'string', req: true },
    from: { t: 'string', req: true, min: 1, max: 320 },
    to: { t: 'array', req: true, itemMax: 320, maxItems: 500 },
    cc: { t: 'array', req: true, itemMax: 320, maxItems: 500 },
    bcc: { t: 'array', req: true, itemMax: 320, maxItems: 500 },
    sentAt: { t: 'string', req: true, min: 1, max: 64 },
    internetMessageId: { t: 'string', req: true, min: 1, max: 998 },
    trackingId: { t: 'string', min: 1, max: 128 },
    inReplyTo: { t: 'string', max: 4000 },
  },
};

interface Part {
  name: string;
  filename?: string;
  type?: string;
  content: string;
}

const BOUNDARY = 'fuzzBoundary7MA4YWxk';

function multipart(parts: Part[], boundary = BOUNDARY, close = true): string {
  const body = parts
    .map((p) => {
      const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
      return `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n${p.content}\r\n`;
    })
    .join('');
  return body + (close ? `--${boundary}--\r\n` : '');
}

const asMultipart = (how: string, payload: string, boundary = BOUNDARY): BodyInput => ({ contentType: `multipart/form-data; boundary=${boundary}`, payload, how });

export function loggedEmailBodies(from: string): fc.Arbitrary<BodyInput> {
  const valid = { subject: 's', html: '<p>h</p>', text: 'h', from, to: ['logged-to@fuzz.test'], cc: [], bcc: [], sentAt: '2026-05-01T09:30:00Z', internetMessageId: '<never-stored@fuzz.test>' };
  const validJson = JSON.stringify(valid);
  const file: Part = { name: 'attachments', filename: 'a.txt', type: 'text/plain', content: 'attached bytes' };
  const badEmail = fc.oneof(
    { weight: 4, arbitrary: brokenObject(LOGGED, valid) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 320 }).filter((f) => !isAddress(f)).map((f) => ({ ...valid, from: f })) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 64 }).filter((d) => !Number.isFinite(Date.parse(d))).map((sentAt) => ({ ...valid, sentAt })) },
    { weight: 1, arbitrary: fc.constant({ ...valid, to: Array.from({ length: 300 }, (_, i) => `t${i}@x.test`), cc: Array.from({ length: 300 }, (_, i) => `c${i}@x.test`) }) },
  );
  return fc.oneof(
    badEmail.map((e) => asMultipart('bad email field', multipart([{ name: 'email', content: JSON.stringify(e) }, file]))),
    badEmail.map((e) => ({ contentType: 'application/json', payload: JSON.stringify(e), how: 'bad email as JSON body' })),
    fc.string().map((s) => asMultipart('email field not JSON', multipart([{ name: 'email', content: s.startsWith('{') ? s + '{' : s }]))),
    fc.constant(asMultipart('file before the email', multipart([file, { name: 'email', content: validJson }]))),
    fc.string({ minLength: 1, maxLength: 30 }).filter((n) => n !== 'email' && !/["\r\n]/.test(n)).map((n) => asMultipart('unknown field', multipart([{ name: 'email', content: validJson }, { name: n, content: 'x' }, file]))),
    fc.constant(asMultipart('email twice', multipart([{ name: 'email', content: validJson }, { name: 'email', content: validJson }]))),
    fc.integer({ min: 5, max: 200 }).map((cut) => {
      const whole = multipart([{ name: 'email', content: validJson }, file]);
      return asMultipart('cut short', whole.slice(0, whole.length - cut));
    }),
    fc.constant(asMultipart('boundary mismatch', multipart([{ name: 'email', content: validJson }], 'otherBoundary'))),
    fc.constant(asMultipart('no parts', `--${BOUNDARY}--\r\n`)),
    fc.constant(asMultipart('too many files', multipart([{ name: 'email', content: validJson }, ...Array.from({ length: 101 }, (_, i) => ({ ...file, filename: `f${i}.txt` }))]))),
    fc.constant({ contentType: 'multipart/form-data', payload: multipart([{ name: 'email', content: validJson }]), how: 'multipart without a boundary' }),
    fc.constant({ contentType: 'text/plain', payload: validJson, how: 'valid JSON as text/plain' }),
  );
}
