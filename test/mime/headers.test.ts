// Header editing on raw messages: only the fields named change; folding, order, spacing and line
// endings of every other field stay byte for byte.
import { describe, expect, it } from 'vitest';
import { MimeMessage } from '../../src/server/mime/message.js';
import { parseStructured } from '../../src/server/mime/structured.js';

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

const RAW = crlf(
  'Received: from mx.acme.test (mx.acme.test [192.0.2.1])',
  '\tby mail.example.test; Mon, 1 Jan 2024 10:00:00 +0000',
  'From: "Ann Lee" <ann@acme.test>',
  'To: bob@example.test',
  'BCC: secret1@example.test,',
  '  secret2@example.test',
  'Subject:   =?UTF-8?Q?Caf=C3=A9?= and  more  ',
  'X-Odd  :  kept',
  'bcc: third@example.test',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Body line with Bcc: not a header',
  '',
);

describe('Headers of a raw message', () => {
  it('get() unfolds the first occurrence; getAll() returns every one', () => {
    const m = MimeMessage.parse(RAW);
    expect(m.headers.get('received')).toBe('from mx.acme.test (mx.acme.test [192.0.2.1])\tby mail.example.test; Mon, 1 Jan 2024 10:00:00 +0000');
    expect(m.headers.get('Bcc')).toBe('secret1@example.test,  secret2@example.test');
    expect(m.headers.getAll('bcc')).toEqual(['secret1@example.test,  secret2@example.test', 'third@example.test']);
    expect(m.headers.get('subject')).toBe('=?UTF-8?Q?Caf=C3=A9?= and  more');
    expect(m.headers.get('x-odd')).toBe('kept');
    expect(m.headers.get('message-id')).toBeUndefined();
    expect(m.headers.names()).toEqual(['received', 'from', 'to', 'bcc', 'subject', 'x-odd', 'bcc', 'content-type']);
  });

  it('removing Bcc drops every occurrence, folded lines included, and nothing else', () => {
    const m = MimeMessage.parse(RAW);
    expect(m.headers.remove('Bcc')).toBe(2);
    const expected = RAW.toString()
      .replace('BCC: secret1@example.test,\r\n  secret2@example.test\r\n', '')
      .replace('bcc: third@example.test\r\n', '');
    expect(m.toBuffer().toString()).toBe(expected);
    expect(m.toBuffer().toString()).toContain('Body line with Bcc: not a header');
  });

  it('adds Message-ID at the end of the block only when missing, with the block’s line ending', () => {
    const m = MimeMessage.parse(RAW);
    expect(m.headers.addIfMissing('Message-ID', '<1@mb.test>')).toBe(true);
    expect(m.headers.addIfMissing('Message-ID', '<2@mb.test>')).toBe(false);
    expect(m.toBuffer().toString()).toBe(RAW.toString().replace('charset=utf-8\r\n\r\n', 'charset=utf-8\r\nMessage-ID: <1@mb.test>\r\n\r\n'));

    const has = MimeMessage.parse(crlf('Message-Id: <orig@acme.test>', 'Subject: x', '', 'hi'));
    expect(has.headers.addIfMissing('Message-ID', '<new@mb.test>')).toBe(false);
    expect(has.toBuffer().toString()).toBe('Message-Id: <orig@acme.test>\r\nSubject: x\r\n\r\nhi');
  });

  it('works on bare-LF messages and on a message that is only headers without a final newline', () => {
    const lf = MimeMessage.parse(Buffer.from('Subject: a\nBcc: x@y.test\n\nbody\n'));
    lf.headers.remove('bcc');
    lf.headers.add('Message-ID', '<m@mb.test>');
    expect(lf.toBuffer().toString()).toBe('Subject: a\nMessage-ID: <m@mb.test>\n\nbody\n');

    const bare = MimeMessage.parse(Buffer.from('Subject: only headers'));
    bare.headers.add('Message-ID', '<m@mb.test>');
    expect(bare.toBuffer().toString()).toBe('Subject: only headers\r\nMessage-ID: <m@mb.test>\r\n');
  });

  it('set() replaces the first occurrence in place and drops the others', () => {
    const m = MimeMessage.parse(RAW);
    m.headers.set('bcc', 'one@example.test');
    const out = m.toBuffer().toString();
    expect(out).toContain('To: bob@example.test\r\nbcc: one@example.test\r\nSubject:');
    expect(out).not.toContain('third@example.test');
  });

  it('refuses names and values that would inject header lines', () => {
    const m = MimeMessage.parse(RAW);
    expect(() => m.headers.add('X-Evil', 'a\r\nBcc: victim@example.test')).toThrow(TypeError);
    expect(() => m.headers.add('X Evil', 'a')).toThrow(TypeError);
    expect(m.toBuffer().equals(RAW)).toBe(true);
  });

  it('keeps 8-bit header bytes that are not UTF-8 exactly when other fields are edited', () => {
    const raw = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\r\nBcc: x@y.test\r\n\r\nbody')]);
    const m = MimeMessage.parse(raw);
    m.headers.remove('bcc');
    expect(m.toBuffer().equals(Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\nbody')]))).toBe(true);
  });
});

describe('parseStructured', () => {
  it('reads types, quoted and RFC 2231 parameters', () => {
    expect(parseStructured('Text/HTML; Charset="UTF-8" (comment); format=flowed')).toEqual({ value: 'text/html', params: { charset: 'UTF-8', format: 'flowed' } });
    expect(parseStructured('multipart/mixed; boundary="a;b\\"c"')).toEqual({ value: 'multipart/mixed', params: { boundary: 'a;b"c' } });
    expect(parseStructured("attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf; filename=resume.pdf").params.filename).toBe('résumé.pdf');
    expect(parseStructured('attachment; filename*0="long"; filename*1="name.txt"').params.filename).toBe('longname.txt');
    expect(parseStructured(undefined)).toEqual({ value: '', params: {} });
  });
});
