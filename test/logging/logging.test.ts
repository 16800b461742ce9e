// Logging one-to-one email through HTTP: real server, real multipart uploads, SQLite and PostgreSQL.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import { logEmails } from '../../src/server/logging/log-email.js';
import { readBlob } from '../../src/server/store/blobs.js';
import type { Contact, LoggedEmailResult, Page, TimelineEntry } from '../../src/shared/api.js';
import { encodeMultipart } from '../../src/ui/helpers/multipart.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { counts, emailInput, postLogged, type TestFile } from './client.js';

const MB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each(BACKENDS)('Logging on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let database: Database;
  let ann: string;
  let eve: string;

  const json = async <T>(r: Response, status: number): Promise<T> => {
    const body = await r.text();
    expect(r.status, body.slice(0, 500)).toBe(status);
    return JSON.parse(body) as T;
  };
  const contactByEmail = async (email: string) =>
    (await json<Page<Contact>>(await server.api(`/api/v1/contacts?email=${encodeURIComponent(email)}`, { token: ann }), 200)).results[0];
  const timelineOf = async (contactId: string, token = ann) => json<Page<TimelineEntry>>(await server.api(`/api/v1/contacts/${contactId}/timeline`, { token }), 200);

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb);
    ann = (await server.addUser('ann@mycorp.test', { name: 'Ann Lee' })).accessToken;
    eve = (await server.addUser('eve@other.test', { account: 'other' })).accessToken;
    database = await tdb.open();
    // A personal never-log domain and an account-wide never-log address.
    await json(await server.api('/api/v1/settings', { method: 'PUT', token: ann, json: { neverLog: ['blocked-domain.test'] } }), 200);
    await json(await server.api('/api/v1/account', { method: 'PUT', token: ann, json: { neverLog: ['legal@acme.test'] } }), 200);
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  // 5 MB and a bit: six 1 MB chunks, the last one short.
  const big: TestFile = { name: 'Proposal.pdf', type: 'application/pdf', bytes: randomBytes(5 * MB + 12_345) };
  const small: TestFile = { name: 'Préface – notes.txt', type: 'text/plain', bytes: new TextEncoder().encode('Tarifs 2026 — merci !\n') };
  const sameBytes: TestFile = { name: 'copy.txt', type: 'text/plain', bytes: small.bytes };
  let first: LoggedEmailResult;
  let firstInput: ReturnType<typeof emailInput>;

  it('files the email once on every recipient timeline, skipping never-log, own-domain and bad addresses', async () => {
    firstInput = emailInput({
      to: ['Buyer@Acme.test', 'cfo@acme.test'],
      cc: ['colleague@mycorp.test', 'someone@eu.blocked-domain.test', 'not an address', 'buyer@acme.test'],
      bcc: ['legal@acme.test'],
    });
    const before = await counts(database.db);
    first = await json<LoggedEmailResult>(await postLogged(server, ann, firstInput, [big, small, sameBytes]), 201);

    expect(first.duplicate).toBe(false);
    expect(first.contacts.map((c) => [c.email, c.created])).toEqual([
      ['buyer@acme.test', true],
      ['cfo@acme.test', true],
    ]);
    expect(first.skipped).toEqual([
      { address: 'colleague@mycorp.test', reason: 'OWN_DOMAIN' },
      { address: 'someone@eu.blocked-domain.test', reason: 'NEVER_LOG' },
      { address: 'not an address', reason: 'INVALID_ADDRESS' },
      { address: 'legal@acme.test', reason: 'NEVER_LOG' },
    ]);
    expect(first.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['Proposal.pdf', 'application/pdf', big.bytes.length],
      ['Préface – notes.txt', 'text/plain', small.bytes.length],
      ['copy.txt', 'text/plain', small.bytes.length],
    ]);

    for (const c of first.contacts) {
      const page = await timelineOf(c.id);
      const logged = page.results.filter((e) => e.type === 'LOGGED_EMAIL');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ id: first.id, subject: firstInput.subject, at: firstInput.sentAt });
      expect(logged[0].loggedEmail).toMatchObject({ from: 'ann@mycorp.test', to: firstInput.to, cc: firstInput.cc, snippet: expect.stringContaining('the pricing you asked for') });
      expect(logged[0].loggedEmail!.attachments).toEqual(first.attachments);
      // The card line the add-in shows under the recipient's name.
      expect((await contactByEmail(c.email)).lastActivity).toMatchObject({ type: 'LOGGED_EMAIL', summary: 'Email logged' });
    }

    // Never-log and internal recipients got nothing: no contact, so no timeline.
    for (const address of ['colleague@mycorp.test', 'someone@eu.blocked-domain.test', 'legal@acme.test']) expect(await contactByEmail(address)).toBeUndefined();

    // Content is stored once per account: the two text files share one blob.
    const after = await counts(database.db);
    expect(after.blobs - before.blobs).toBe(2);
    expect(after.chunks - before.chunks).toBe(6 + 1);
    expect(after.attachments - before.attachments).toBe(3);
    expect(after.links - before.links).toBe(2);
  });

  it('downloads each attachment byte-identical, to the owning account only', async () => {
    const files = [big, small, sameBytes];
    for (const [i, a] of first.attachments.entries()) {
      const r = await server.api(a.url, { token: ann });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain(files[i].type);
      expect(r.headers.get('content-length')).toBe(String(files[i].bytes.length));
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      const bytes = new Uint8Array(await r.arrayBuffer());
      expect(bytes.length).toBe(files[i].bytes.length);
      expect(sha(bytes)).toBe(sha(files[i].bytes));
    }
    const disposition = (await server.api(first.attachments[1].url, { token: ann })).headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="Pr_face _ notes.txt"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1])).toBe('Préface – notes.txt');

    for (const path of [first.attachments[0].url, `/api/v1/logged-emails/${first.id}`, `/api/v1/contacts/${first.contacts[0].id}`, `/api/v1/contacts/${first.contacts[0].id}/timeline`]) {
      const r = await server.api(path, { token: eve });
      expect(r.status, path).toBe(404);
      expect(await r.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    }
    expect((await server.api(first.attachments[0].url)).status).toBe(401);
  });

  it('stores the same internet message id once and answers the first result again', async () => {
    const before = await counts(database.db);
    const again = await json<LoggedEmailResult>(await postLogged(server, ann, firstInput, [big, small]), 200);
    expect(again).toEqual({ ...first, duplicate: true });
    expect(await counts(database.db)).toEqual(before);
    for (const c of first.contacts) expect((await timelineOf(c.id)).results.filter((e) => e.id === first.id)).toHaveLength(1);
  });

  it('stores a message once when it is logged several times at the same moment', async () => {
    const before = await counts(database.db);
    const input = emailInput({ to: ['race@theta.test'] });
    const rs = await Promise.all([1, 2, 3].map(() => postLogged(server, ann, input, [small])));
    const bodies = (await Promise.all(rs.map((r) => r.json()))) as LoggedEmailResult[];
    expect(rs.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    const after = await counts(database.db);
    expect([after.loggedEmails - before.loggedEmails, after.links - before.links, after.attachments - before.attachments, after.contacts - before.contacts]).toEqual([1, 1, 1, 1]);
  });

  it('keeps one copy of a file logged again with another email', async () => {
    const before = await counts(database.db);
    const r = await json<LoggedEmailResult>(await postLogged(server, ann, emailInput({ to: ['buyer@acme.test', 'new@beta.test'] }), [big]), 201);
    expect(r.contacts.map((c) => [c.email, c.created])).toEqual([
      ['buyer@acme.test', false],
      ['new@beta.test', true],
    ]);
    const after = await counts(database.db);
    expect(after.blobs).toBe(before.blobs);
    expect(after.chunks).toBe(before.chunks);
    expect(after.attachments).toBe(before.attachments + 1);
    const download = new Uint8Array(await (await server.api(r.attachments[0].url, { token: ann })).arrayBuffer());
    expect(sha(download)).toBe(sha(big.bytes));
    // Newest first: the second email is now on top of buyer's timeline.
    const buyer = await contactByEmail('buyer@acme.test');
    expect((await timelineOf(buyer.id)).results.map((e) => e.id).slice(0, 2)).toEqual([r.id, first.id]);
  });

  it('refuses attachments over 50 MB in all with 413 and stores nothing', async () => {
    const before = await counts(database.db);
    const half = { name: 'half.bin', type: 'application/octet-stream', bytes: randomBytes(26 * MB) };
    const r = await postLogged(server, ann, emailInput({ to: ['huge@gamma.test'] }), [half, { ...half, name: 'other-half.bin' }]);
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ status: 'error', message: expect.stringContaining('50 MB') });
    expect(await counts(database.db)).toEqual(before);
    expect(await contactByEmail('huge@gamma.test')).toBeUndefined();
  });

  it('requires the email field before the files', async () => {
    const before = await counts(database.db);
    const r = await postLogged(server, ann, emailInput({ to: ['late@delta.test'] }), [small], { emailLast: true });
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.message).toMatch(/must come first/);
    expect(body.errors).toEqual([expect.objectContaining({ in: 'email' })]);
    expect(await counts(database.db)).toEqual(before);
  });

  it('names every bad field of the email JSON', async () => {
    const { internetMessageId: _, ...rest } = emailInput();
    const r = await postLogged(server, ann, { ...rest, subject: 'x'.repeat(2001), to: 'buyer@acme.test', colour: 'red' });
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.errors.map((e: { in: string }) => e.in).sort()).toEqual(['email.colour', 'email.internetMessageId', 'email.subject', 'email.to']);

    const notJson = await postLogged(server, ann, '{"subject": ');
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).errors[0].in).toBe('email');
    const badFrom = await postLogged(server, ann, emailInput({ from: 'Ann <ann@mycorp.test>' }));
    expect((await badFrom.json()).errors[0].in).toBe('email.from');
  });

  it('also takes an email without attachments as plain JSON, and refuses other bodies', async () => {
    const r = await json<LoggedEmailResult>(await server.api('/api/v1/logged-emails', { method: 'POST', token: ann, json: emailInput({ to: ['json@iota.test'] }) }), 201);
    expect(r.contacts.map((c) => c.email)).toEqual(['json@iota.test']);
    expect(r.attachments).toEqual([]);
    const text = await server.api('/api/v1/logged-emails', { method: 'POST', token: ann, body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ status: 'error', message: expect.stringContaining('multipart/form-data') });
  });

  it('logs to existing contacts only when the account turned contact creation off', async () => {
    await json(await server.api('/api/v1/account', { method: 'PUT', token: ann, json: { createContacts: false } }), 200);
    try {
      const r = await json<LoggedEmailResult>(await postLogged(server, ann, emailInput({ to: ['cfo@acme.test', 'stranger@epsilon.test'] })), 201);
      expect(r.contacts.map((c) => [c.email, c.created])).toEqual([['cfo@acme.test', false]]);
      expect(r.skipped).toEqual([{ address: 'stranger@epsilon.test', reason: 'NO_CONTACT_CREATION' }]);
      expect(await contactByEmail('stranger@epsilon.test')).toBeUndefined();
    } finally {
      await json(await server.api('/api/v1/account', { method: 'PUT', token: ann, json: { createContacts: true } }), 200);
    }
  });

  it('logs a received email, as the add-in sends it, on its sender and shows where it went', async () => {
    const input = emailInput({ from: 'Reply@Zeta.test', to: ['ann@mycorp.test'], cc: ['boss@zeta.test'], subject: 'Re: Pricing', text: '', html: '<style>p{}</style><p>Looks good &amp; thanks!</p>' });
    const { body, contentType } = encodeMultipart([{ name: 'email', value: JSON.stringify(input), contentType: 'application/json' }], [{ filename: 'signed.pdf', contentType: 'application/pdf', bytes: big.bytes.subarray(0, 1000) }]);
    const r = await json<LoggedEmailResult>(await server.api('/api/v1/logged-emails', { method: 'POST', token: ann, body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': contentType } }), 201);
    // The sender first, as the email names them; Ann herself is internal.
    expect(r.contacts.map((c) => c.email)).toEqual(['reply@zeta.test', 'boss@zeta.test']);
    expect(r.skipped).toEqual([{ address: 'ann@mycorp.test', reason: 'OWN_DOMAIN' }]);
    const [entry] = (await timelineOf(r.contacts[0].id)).results;
    expect(entry.loggedEmail!.snippet).toBe('Looks good & thanks!');

    const view = await json<{ contacts: Array<{ email: string }>; attachments: unknown[]; bcc: string[] }>(await server.api(`/api/v1/logged-emails/${r.id}`, { token: ann }), 200);
    expect(view.contacts.map((c) => c.email)).toEqual(['reply@zeta.test', 'boss@zeta.test']);
    expect(view.attachments).toEqual(r.attachments);
    const found = await json<Page<{ id: string }>>(await server.api(`/api/v1/logged-emails?internetMessageId=${encodeURIComponent(input.internetMessageId)}`, { token: ann }), 200);
    expect(found.results.map((e) => e.id)).toEqual([r.id]);
    const foreign = await json<Page<unknown>>(await server.api(`/api/v1/logged-emails?internetMessageId=${encodeURIComponent(input.internetMessageId)}`, { token: eve }), 200);
    expect(foreign.results).toEqual([]);
  });

  it('a batch (as a connected mailbox logs it) stores each content once, held in memory or staged to a file, and reads it back intact', async () => {
    const user = await database.db.selectFrom('users').select(['id', 'account_id']).where('email', '=', 'ann@mycorp.test').executeTakeFirstOrThrow();
    const author = { accountId: user.account_id, userId: user.id, email: 'ann@mycorp.test' };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-batch-'));
    try {
      const shared = randomBytes(20_000);
      const chunked = randomBytes(2 * MB + 7); // three chunks from memory
      const staged = randomBytes(MB + 99); // two chunks from a file
      const file = path.join(dir, 'staged');
      fs.writeFileSync(file, staged);
      const held = (bytes: Buffer, filename: string) => ({ path: '', data: bytes, sha256: sha(bytes), size: bytes.length, filename, contentType: 'application/pdf' });
      const before = await counts(database.db);
      const item = (files: ReturnType<typeof held>[]) => {
        const e = emailInput({ to: ['batch@acme.test'] });
        return { email: { ...e, sentAt: new Date().toISOString(), sentAtMs: Date.now() }, files };
      };
      const results = await logEmails({ database, inferOpen: async () => false }, author, [
        item([held(shared, 'a.pdf'), held(chunked, 'b.pdf')]),
        item([held(shared, 'a-again.pdf'), { ...held(staged, 'c.pdf'), path: file, data: undefined as never }]),
        item([held(shared, 'a-third.pdf')]),
      ]);
      expect(results.map((r) => r?.attachments.map((a) => a.filename))).toEqual([['a.pdf', 'b.pdf'], ['a-again.pdf', 'c.pdf'], ['a-third.pdf']]);
      const after = await counts(database.db);
      expect(after.blobs - before.blobs).toBe(3);
      expect(after.chunks - before.chunks).toBe(1 + 3 + 2);
      expect(after.attachments - before.attachments).toBe(5);
      for (const bytes of [shared, chunked, staged]) {
        const parts: Buffer[] = [];
        for await (const c of readBlob(database.db, author.accountId, sha(bytes))) parts.push(Buffer.from(c));
        expect(sha(Buffer.concat(parts))).toBe(sha(bytes));
      }
      // Logged again in another batch with new content beside it: only the new content is stored.
      const fresh = randomBytes(1000);
      await logEmails({ database, inferOpen: async () => false }, author, [item([held(shared, 'a.pdf'), held(fresh, 'd.pdf')])]);
      const last = await counts(database.db);
      expect([last.blobs - after.blobs, last.chunks - after.chunks]).toEqual([1, 1]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes a 45 MB attachment, just under the limit, and gives it back intact', async () => {
    const file = { name: 'video.mp4', type: 'video/mp4', bytes: randomBytes(45 * MB) };
    const r = await json<LoggedEmailResult>(await postLogged(server, ann, emailInput({ to: ['media@eta.test'] }), [file]), 201);
    const back = new Uint8Array(await (await server.api(r.attachments[0].url, { token: ann })).arrayBuffer());
    expect(sha(back)).toBe(sha(file.bytes));
    // Stored as 45 chunks of 1 MB, streamed in and out one chunk at a time.
    const chunks = await database.db
      .selectFrom('blob_chunks')
      .select(['seq', sql<number>`length(data)`.as('bytes')])
      .where('sha256', '=', sha(file.bytes))
      .orderBy('seq')
      .execute();
    expect(chunks.map((c) => [Number(c.seq), Number(c.bytes)])).toEqual(Array.from({ length: 45 }, (_, i) => [i, MB]));
  });
});
