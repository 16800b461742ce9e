// The pure rules of logging: whose timeline an email goes on, which reply proves a tracked email was
// read, and how uploaded names and types are kept.
import { describe, expect, it } from 'vitest';
import { cleanNeverLog, isAddress, onNeverLogList } from '../../src/shared/addresses.js';
import { participants } from '../../src/server/logging/recipients.js';
import { messageIds, replyTarget, trackingIdsIn, type TrackedCandidate } from '../../src/server/logging/reply.js';
import { cleanContentType, cleanFilename } from '../../src/server/logging/upload.js';
import { cleanBlockedIps, compileRanges, firstMatch, parseAddress } from '../../src/shared/ip-ranges.js';
import { snippet, compareKeys } from '../../src/server/store/timeline.js';
import { contentDisposition } from '../../src/server/http/routes/logged-emails.js';

const rules = { userAddress: 'Ann@MyCorp.test', neverLog: ['competitor.test', 'ceo@partner.test'] };
const mail = (over: Partial<{ from: string; to: string[]; cc: string[]; bcc: string[] }>) => ({ from: 'ann@mycorp.test', to: [], cc: [], bcc: [], ...over });

describe('participants', () => {
  it('logs external recipients of sent mail once each, lower-cased, in to/cc/bcc order', () => {
    const p = participants(mail({ to: ['Bob@Acme.test'], cc: ['carol@acme.test', 'bob@acme.test'], bcc: ['dan@beta.test'] }), rules);
    expect(p).toEqual({ log: ['bob@acme.test', 'carol@acme.test', 'dan@beta.test'], skipped: [], received: false });
  });

  it('skips never-log addresses and domains (with subdomains), internal ones and malformed ones', () => {
    const p = participants(mail({ to: ['x@eu.competitor.test', 'ceo@partner.test', 'cto@partner.test', 'pat@mycorp.test', 'Ann Lee <a@b.test>', ' '] }), rules);
    expect(p.log).toEqual(['cto@partner.test']);
    expect(p.skipped).toEqual([
      { address: 'x@eu.competitor.test', reason: 'NEVER_LOG' },
      { address: 'ceo@partner.test', reason: 'NEVER_LOG' },
      { address: 'pat@mycorp.test', reason: 'OWN_DOMAIN' },
      { address: 'Ann Lee <a@b.test>', reason: 'INVALID_ADDRESS' },
    ]);
  });

  it('treats the sending address domain as internal too (an alias domain)', () => {
    const p = participants(mail({ from: 'ann@mycorp-alias.test', to: ['pat@mycorp-alias.test', 'pat@mycorp.test', 'bob@acme.test'] }), rules);
    expect(p.log).toEqual(['bob@acme.test']);
    expect(p.skipped.map((s) => s.reason)).toEqual(['OWN_DOMAIN', 'OWN_DOMAIN']);
  });

  it('a never-log entry wins over the own-domain rule', () => {
    const p = participants(mail({ to: ['pat@mycorp.test'] }), { ...rules, neverLog: ['mycorp.test'] });
    expect(p.skipped).toEqual([{ address: 'pat@mycorp.test', reason: 'NEVER_LOG' }]);
  });

  it('logs received mail on its sender and the other external recipients', () => {
    const p = participants({ from: 'Bob@Acme.test', to: ['ann@mycorp.test'], cc: ['carol@acme.test', 'pat@mycorp.test'], bcc: [] }, rules);
    expect(p.received).toBe(true);
    expect(p.log).toEqual(['bob@acme.test', 'carol@acme.test']);
    expect(p.skipped).toEqual([
      { address: 'ann@mycorp.test', reason: 'OWN_DOMAIN' },
      { address: 'pat@mycorp.test', reason: 'OWN_DOMAIN' },
    ]);
  });

  it('mail from the user to themselves logs nobody', () => {
    expect(participants(mail({ to: ['ann@mycorp.test'] }), rules)).toEqual({ log: [], skipped: [{ address: 'ann@mycorp.test', reason: 'OWN_DOMAIN' }], received: false });
  });
});

describe('addresses and never-log lists', () => {
  it('accepts plain addresses only', () => {
    expect(['a@b.co', 'A.B+tag@Sub.Example.COM'].every(isAddress)).toBe(true);
    expect(['a@b', 'a b@c.com', '<a@b.com>', 'a@-b.com', '@b.com', 'a@b.c'].some(isAddress)).toBe(false);
  });

  it('matches a domain entry on subdomains but not on look-alikes', () => {
    expect(onNeverLogList('x@acme.test', ['@acme.test'])).toBe(true);
    expect(onNeverLogList('x@mail.acme.test', ['acme.test'])).toBe(true);
    expect(onNeverLogList('x@notacme.test', ['acme.test'])).toBe(false);
    expect(onNeverLogList('X@Acme.test', ['x@acme.test'])).toBe(true);
    expect(onNeverLogList('y@acme.test', ['x@acme.test'])).toBe(false);
  });

  it('normalizes, de-duplicates and points at the first bad entry', () => {
    expect(cleanNeverLog([' Acme.test', '@acme.test', 'Bob@Beta.test'])).toEqual({ list: ['acme.test', 'bob@beta.test'] });
    expect(cleanNeverLog(['acme.test', 'not a domain', 'x'])).toEqual({ badIndex: 1 });
  });

  it('accepts IP addresses and CIDR ranges, and matches hits against them', () => {
    expect(cleanBlockedIps(['203.0.113.7', '198.51.100.0/24', '2001:DB8::/32', '::1', '203.0.113.7'])).toEqual({ list: ['203.0.113.7', '198.51.100.0/24', '2001:db8::/32', '::1'] });
    for (const bad of ['203.0.113.256', '10.0.0.0/33', '2001:db8::/129', 'host.test', '10.0.0.0/8/1', '10.0.0.0/']) expect(cleanBlockedIps([bad])).toEqual({ badIndex: 0 });
    // The classifier's matcher, as it runs on a hit against the user's list.
    const list = compileRanges(['198.51.100.0/24', '2001:db8::/32'].map((cidr) => ({ cidr })));
    const check = (ip: string) => firstMatch(list, parseAddress(ip)) !== undefined;
    expect(check('198.51.100.99')).toBe(true);
    expect(check('198.51.101.1')).toBe(false);
    expect(check('2001:db8::5')).toBe(true);
  });
});

describe('replyTarget', () => {
  const tracked: TrackedCandidate[] = [
    { id: 'trk1', internetMessageId: '<abc@mail.mycorp.test>', recipients: ['Bob@Acme.test', 'carol@acme.test'] },
    { id: 'trk2', internetMessageId: null, recipients: ['dan@beta.test'] },
  ];

  it('finds the tracked email by its Message-ID, with or without brackets, from one of its recipients', () => {
    expect(replyTarget({ from: 'bob@acme.test', inReplyTo: '<abc@mail.mycorp.test>' }, tracked)).toEqual({ trackedEmailId: 'trk1', recipient: 'bob@acme.test' });
    expect(replyTarget({ from: 'CAROL@acme.test', inReplyTo: ' abc@mail.mycorp.test ' }, tracked)).toEqual({ trackedEmailId: 'trk1', recipient: 'carol@acme.test' });
  });

  it('finds it by the add-in’s synthetic Message-ID', () => {
    expect(replyTarget({ from: 'dan@beta.test', inReplyTo: '<trk2@mailbeacon>' }, tracked)).toEqual({ trackedEmailId: 'trk2', recipient: 'dan@beta.test' });
  });

  it('ignores replies from someone the email was not sent to, to another message, or with no In-Reply-To', () => {
    expect(replyTarget({ from: 'eve@acme.test', inReplyTo: '<abc@mail.mycorp.test>' }, tracked)).toBeNull();
    expect(replyTarget({ from: 'bob@acme.test', inReplyTo: '<other@mail.mycorp.test>' }, tracked)).toBeNull();
    expect(replyTarget({ from: 'bob@acme.test', inReplyTo: '<trk2@mailbeacon>' }, tracked)).toBeNull();
    expect(replyTarget({ from: 'bob@acme.test' }, tracked)).toBeNull();
  });

  it('reads every id of a header value and the tracking ids among them', () => {
    const ids = messageIds('<a@x.test> <trk9@mailbeacon>');
    expect(ids).toEqual(['<a@x.test>', '<trk9@mailbeacon>']);
    expect(trackingIdsIn(ids)).toEqual(['trk9']);
    expect(messageIds('bare@x.test')).toEqual(['<bare@x.test>']);
    expect(messageIds('  ')).toEqual([]);
  });
});

describe('stored names, types and snippets', () => {
  it('keeps a file name without folders or control characters', () => {
    expect(cleanFilename('C:\\Users\\ann\\Report Q1.pdf')).toBe('Report Q1.pdf');
    expect(cleanFilename('../../etc/passwd')).toBe('passwd');
    expect(cleanFilename('a\u0000b\r\n.txt')).toBe('ab.txt');
    expect(cleanFilename('')).toBe('attachment');
    expect(cleanFilename('x'.repeat(300)).length).toBe(255);
  });

  it('keeps a well-formed media type, else application/octet-stream', () => {
    expect(cleanContentType('Application/PDF; name="x.pdf"')).toBe('application/pdf');
    expect(cleanContentType('text/html\r\nX-Evil: 1')).toBe('application/octet-stream');
    expect(cleanContentType(undefined)).toBe('application/octet-stream');
  });

  it('writes Content-Disposition with an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('Préface "draft".pdf')).toBe(`attachment; filename="Pr_face _draft_.pdf"; filename*=UTF-8''Pr%C3%A9face%20%22draft%22.pdf`);
  });

  it('cuts snippets at ~140 characters and reads HTML when there is no text', () => {
    expect(snippet('  Hello\n\n  there  ', '')).toBe('Hello there');
    const long = snippet('word '.repeat(100), '');
    expect(long.length).toBeLessThanOrEqual(140);
    expect(long.endsWith('…')).toBe(true);
    expect(snippet('', '<html><head><style>p{color:red}</style></head><body><p>Hi&nbsp;Bob &amp; co</p></body></html>')).toBe('Hi Bob & co');
  });

  it('orders timeline keys newest first, then by kind and id, descending', () => {
    const keys = [
      { at: 1, kind: 'OPEN' as const, id: 'a' },
      { at: 2, kind: 'CLICK' as const, id: 'a' },
      { at: 2, kind: 'OPEN' as const, id: 'a' },
      { at: 2, kind: 'OPEN' as const, id: 'b' },
    ];
    expect([...keys].sort(compareKeys).map((k) => `${k.at}${k.kind}${k.id}`)).toEqual(['2OPENb', '2OPENa', '2CLICKa', '1OPENa']);
  });
});
