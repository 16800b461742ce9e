// multipart/form-data built by hand into bytes, because FormData and Blob are missing from the event
// runtime of classic Outlook on Windows (see bytes.ts).
import { concatBytes, utf8 } from './bytes.js';

export interface FilePart {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface FieldPart {
  name: string;
  value: string;
  contentType?: string;
}

/** Quotes a header parameter the way browsers do: no line breaks, `"` as %22; UTF-8 kept as is. */
const quote = (s: string) => '"' + s.replace(/[\r\n]/g, ' ').replace(/"/g, '%22') + '"';

export function encodeMultipart(fields: FieldPart[], files: FilePart[], fileField = 'attachments', boundary = randomBoundary()): { body: Uint8Array; contentType: string } {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    const type = f.contentType ? `Content-Type: ${f.contentType}; charset=utf-8\r\n` : '';
    parts.push(utf8(`--${boundary}\r\nContent-Disposition: form-data; name=${quote(f.name)}\r\n${type}\r\n`), utf8(f.value), utf8('\r\n'));
  }
  for (const f of files) {
    const head = `--${boundary}\r\nContent-Disposition: form-data; name=${quote(fileField)}; filename=${quote(f.filename)}\r\nContent-Type: ${f.contentType || 'application/octet-stream'}\r\n\r\n`;
    parts.push(utf8(head), f.bytes, utf8('\r\n'));
  }
  parts.push(utf8(`--${boundary}--\r\n`));
  return { body: concatBytes(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function randomBoundary(): string {
  let s = '';
  for (let i = 0; i < 24; i++) s += Math.floor(Math.random() * 36).toString(36);
  return `----mailbeacon${s}`;
}
