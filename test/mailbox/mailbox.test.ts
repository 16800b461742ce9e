// The connected mailbox against a real Dovecot (docs/product.md, Connected mailbox): login check,
// sent items logged from any client with their attachments, no double logging with the add-in,
// replies (event, notification, inferred open, logged copy), UIDVALIDITY changes, a server restart,
// and follow-up reminders with a clock moved forward.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/index.js';
import type { LoggedEmailResult, MailboxView, NotificationItem, Page, TrackedEmailView } from '../../src/shared/api.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { rawMessage, startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { until } from '../helpers/until.js';
import { emailInput, postLogged } from '../logging/client.js';

const ANN = 'ann@mycorp.test';

describe.each(BACKENDS)('Connected mailbox on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let dovecot: Dovecot;
  let database: Database;
  let token: string;
  let extraEnv: Record<string, string>;

  beforeAll(async () => {
    dovecot = await startDovecot();
    dovecot.addUser(ANN, 'right-password');
    tdb = await createTestDatabase(backend);
    extraEnv = { MAILBOX_TLS_CA: dovecot.caFile, MAILBOX_ALLOW_PRIVATE: 'true', MAILBOX_POLL: '300ms', MAILBOX_RETRY_BASE: '200ms', MAILBOX_RETRY_MAX: '1s', MAILBOX_LEASE: '3s', REMINDER_CHECK: '100ms' };
    server = await startServer(tdb, extraEnv);
    token = (await server.addUser(ANN, { name: 'Ann Lee' })).accessToken;
    database = await tdb.open();
  }, 60_000);
  afterAll(async () => {
    if (process.env.MB_DEBUG) console.log(server.logs().filter((l) => l.component === 'mailbox').map((l) => JSON.stringify(l)).join('\n'));
    await database?.close();
    await server?.stop('SIGKILL');
    await dovecot?.stop();
    await tdb?.drop();
  });

  const put = (body: Record<string, unknown>) => server.api('/api/v1/mailbox', { method: 'PUT', token, json: body });
  const mailbox = async () => (await (await server.api('/api/v1/mailbox', { token })).json()) as MailboxView;
  const logged = async (internetMessageId: string) => {
    const r = await server.api(`/api/v1/logged-emails?internetMessageId=${encodeURIComponent(internetMessageId)}`, { token });
    return ((await r.json()) as Page<{ id: string; subject: string; attachments: Array<{ id: string; filename: string; size: number }>; contacts: Array<{ email: string }> }>).results[0];
  };
  const countLogged = async (where: { imid?: string; trackingId?: string }) => {
    let q = database.db.selectFrom('logged_emails').select((eb) => eb.fn.countAll<number>().as('n'));
    if (where.imid) q = q.where('internet_message_id', '=', where.imid);
    if (where.trackingId) q = q.where('tracking_id', '=', where.trackingId);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };
  const notifications = async () => ((await (await server.api('/api/v1/notifications?limit=100', { token })).json()) as Page<NotificationItem>).results;

  it('refuses a wrong password with 422 MAILBOX_LOGIN_FAILED in the server’s own words, storing nothing', async () => {
    const r = await put({ host: '127.0.0.1', port: dovecot.port, security: 'starttls', username: ANN, password: 'wrong' });
    expect(r.status).toBe(422);
    const body = (await r.json()) as { category: string; message: string };
    expect(body.category).toBe('MAILBOX_LOGIN_FAILED');
    expect(body.message).toMatch(/Authentication failed/);
    expect((await server.api('/api/v1/mailbox', { token })).status).toBe(404);
    // Neither or both secrets: a clear 400.
    const both = await put({ host: '127.0.0.1', port: dovecot.port, security: 'starttls', username: ANN, password: 'a', accessToken: 'b' });
    expect(both.status).toBe(400);
    // A line break IMAP cannot send: a 400 naming the field, not a login failure the server never saw.
    for (const [field, value] of [['password', 'right-password\n'], ['username', `${ANN}\r\nA1 LOGOUT`], ['sentFolder', 'Sent\r']] as const) {
      const r = await put({ host: '127.0.0.1', port: dovecot.port, security: 'starttls', username: ANN, password: 'right-password', [field]: value });
      expect(r.status, field).toBe(400);
      const body = (await r.json()) as { message: string; errors: Array<{ in: string }> };
      expect(body.message).toMatch(/line break/);
      expect(body.errors[0].in).toBe(field);
    }
    expect((await server.api('/api/v1/mailbox', { token })).status).toBe(404);
  });

  it('checks one login per user at a time: a second Test and save meanwhile is 409 and opens no connection', async () => {
    // A host that takes the connection and never answers keeps the first check open.
    const accepted: net.Socket[] = [];
    const silent = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const first = put({ host: '127.0.0.1', port, security: 'tls', username: ANN, password: 'right-password' });
      await until(async () => accepted.length === 1, 5000, 'the first check connecting');
      const second = await put({ host: '127.0.0.1', port, security: 'tls', username: ANN, password: 'right-password' });
      expect(second.status).toBe(409);
      expect(((await second.json()) as { message: string }).message).toMatch(/being checked already/);
      // Another user's check is not held up by Ann's.
      const bob = (await server.addUser(`bob-${backend}@mycorp.test`)).accessToken;
      const other = server.api('/api/v1/mailbox', { method: 'PUT', token: bob, json: { host: '127.0.0.1', port, security: 'tls', username: 'bob', password: 'pw' } });
      await until(async () => accepted.length === 2, 5000, "bob's check connecting");
      for (const s of accepted) s.destroy(); // the server goes away: both checks end
      expect((await first).status).toBe(422);
      expect((await other).status).toBe(422);
      expect(accepted).toHaveLength(2);
      // Once the check has answered, the next one runs.
      expect((await put({ host: '127.0.0.1', port: dovecot.port, security: 'starttls', username: ANN, password: 'wrong' })).status).toBe(422);
      expect((await server.api('/api/v1/mailbox', { token })).status).toBe(404);
    } finally {
      silent.close();
    }
  });

  it('connects with STARTTLS; the secret is stored encrypted and never answered', async () => {
    const r = await put({ host: '127.0.0.1', port: dovecot.port, security: 'starttls', username: ANN, password: 'right-password' });
    expect(r.status).toBe(200);
    const view = (await r.json()) as MailboxView & { password?: string };
    expect(view).toMatchObject({ host: '127.0.0.1', port: dovecot.port, security: 'starttls', username: ANN, sentFolder: 'Sent', inboxFolder: 'INBOX' });
    expect(JSON.stringify(view)).not.toContain('right-password');
    const row = await database.db.selectFrom('mailboxes').select('secret').executeTakeFirstOrThrow();
    expect(row.secret).not.toContain('right-password');
    expect(Buffer.from(row.secret, 'base64').toString('latin1')).not.toContain('right-password');
    await until(async () => (await mailbox()).status === 'CONNECTED', 10_000, 'CONNECTED');
    if (process.env.MB_DEBUG) console.log(server.logs().slice(-12).map((l) => JSON.stringify(l)).join('\n'));
    expect(JSON.stringify(server.logs())).not.toContain('right-password');
  });

  it('logs a message appended to Sent, with its attachment, on the recipient’s timeline within 10 s', async () => {
    const pdf = Buffer.alloc(150_000, 7);
    pdf.write('%PDF-1.4 Ünïcode ✓', 0);
    const imid = `<sent-1-${backend}@mycorp.test>`;
    const appendedAt = Date.now();
    await dovecot.append(ANN, 'Sent', rawMessage({ from: `Ann Lee <${ANN}>`, to: ['Bob Stone <bob@acme.test>'], subject: 'Pricing for Acme — Q3 ✓', messageId: imid, attachment: { name: 'quote.pdf', type: 'application/pdf', bytes: pdf } }));
    const found = await until(() => logged(imid), 10_000, 'the sent message logged');
    expect(Date.now() - appendedAt).toBeLessThan(10_000);
    expect(found.subject).toBe('Pricing for Acme — Q3 ✓');
    expect(found.contacts.map((c) => c.email)).toEqual(['bob@acme.test']);
    expect(found.attachments).toHaveLength(1);
    expect(found.attachments[0]).toMatchObject({ filename: 'quote.pdf', size: pdf.length });
    const bytes = Buffer.from(await (await server.api(`/api/v1/attachments/${found.attachments[0].id}`, { token })).arrayBuffer());
    expect(bytes.equals(pdf)).toBe(true);
    // On Bob's timeline.
    const contact = await database.db.selectFrom('contacts').select('id').where('email', '=', 'bob@acme.test').executeTakeFirstOrThrow();
    const timeline = (await (await server.api(`/api/v1/contacts/${contact.id}/timeline`, { token })).json()) as Page<{ type: string; subject?: string }>;
    expect(timeline.results.some((e) => e.type === 'LOGGED_EMAIL' && e.subject === 'Pricing for Acme — Q3 ✓')).toBe(true);
  });

  it('never logs twice what the add-in logged first (by X-Mailbeacon-Id, or by Message-ID)', async () => {
    const trackingId = `trk-addin-${backend}-0001`;
    const first = emailInput({ to: ['carol@acme.test'], trackingId, internetMessageId: `<outlook-${backend}@mycorp.test>` });
    expect((await postLogged(server, token, first)).status).toBe(201);
    // The sent copy carries the stamp, under the Message-ID the server finally gave it.
    const stamped = `<final-${backend}@mycorp.test>`;
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['carol@acme.test'], subject: first.subject, messageId: stamped, headers: { 'X-Mailbeacon-Id': trackingId } }));
    // No stamp, same Message-ID as an add-in logging.
    const second = emailInput({ to: ['dan@acme.test'] });
    expect((await postLogged(server, token, second)).status).toBe(201);
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['dan@acme.test'], subject: second.subject, messageId: second.internetMessageId }));
    // A marker after both: once it is logged, the two before it were seen.
    const marker = `<marker-1-${backend}@mycorp.test>`;
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['erin@acme.test'], subject: 'marker', messageId: marker }));
    await until(() => logged(marker), 10_000, 'the marker');
    expect(await countLogged({ trackingId })).toBe(1);
    expect(await countLogged({ imid: stamped })).toBe(0);
    expect(await countLogged({ imid: second.internetMessageId })).toBe(1);
  });

  it('a reply in the inbox: REPLY event, notification, inferred open and a logged copy', async () => {
    const trackingId = `trk-reply-${backend}-0001`;
    const t = await server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { trackingId, subject: 'Renewal', from: ANN, to: ['bob@acme.test'], cc: [], bcc: [], html: '<p>Hi</p>', remindAfterDays: 1 } });
    expect(t.status).toBe(201);
    const sentId = `<renewal-${backend}@mycorp.test>`;
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['bob@acme.test'], subject: 'Renewal', messageId: sentId, headers: { 'X-Mailbeacon-Id': trackingId } }));
    await until(() => logged(sentId), 10_000, 'the tracked email logged');
    const replyId = `<reply-${backend}@acme.test>`;
    await dovecot.append(ANN, 'INBOX', rawMessage({ from: '"Bob Stone" <bob@acme.test>', to: [ANN], subject: 'Re: Renewal', messageId: replyId, headers: { 'In-Reply-To': sentId, References: sentId } }));
    const view = await until(async () => {
      const v = (await (await server.api(`/api/v1/tracked-emails/${trackingId}`, { token })).json()) as TrackedEmailView;
      // The inferred open follows the reply's own transaction (through the hit store).
      return v.replies === 1 && v.events.some((e) => e.type === 'OPEN' && e.inferred) && v;
    }, 10_000, 'the REPLY event and the inferred open');
    expect(view.events.find((e) => e.type === 'REPLY')).toMatchObject({ who: 'bob@acme.test', counted: true });
    // The inferred open (there was none before).
    expect(view.events.filter((e) => e.type === 'OPEN' && e.inferred)).toHaveLength(1);
    const n = await until(async () => (await notifications()).find((x) => x.type === 'REPLY'), 5_000, 'the REPLY notification');
    expect(n).toMatchObject({ who: 'Bob Stone', subject: 'Renewal', emailId: trackingId });
    // The events API has it too.
    const events = (await (await server.api('/email/public/v1/events?eventType=REPLY', { token })).json()) as { events: Array<{ type: string; recipient: string }> };
    expect(events.events.some((e) => e.type === 'REPLY' && e.recipient === 'bob@acme.test')).toBe(true);
    // logReplies (default on): a logged copy.
    await until(() => logged(replyId), 5_000, 'the reply logged');
    // Bob's timeline: the reply, the inferred open and the logged reply.
    const bob = await database.db.selectFrom('contacts').select('id').where('email', '=', 'bob@acme.test').executeTakeFirstOrThrow();
    const timeline = (await (await server.api(`/api/v1/contacts/${bob.id}/timeline`, { token })).json()) as Page<{ type: string; subject?: string; summary?: string }>;
    expect(timeline.results.find((e) => e.type === 'REPLY')).toMatchObject({ subject: 'Renewal' });
    expect(timeline.results.some((e) => e.type === 'LOGGED_EMAIL' && e.subject === 'Re: Renewal')).toBe(true);
    // An unrelated inbox message records nothing.
    await dovecot.append(ANN, 'INBOX', rawMessage({ from: 'news@acme.test', to: [ANN], subject: 'News', messageId: `<news-${backend}@acme.test>`, headers: { 'In-Reply-To': '<unknown@elsewhere.test>' } }));
    const marker = `<marker-2-${backend}@mycorp.test>`;
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['erin@acme.test'], subject: 'marker 2', messageId: marker }));
    await until(() => logged(marker), 10_000, 'the marker');
    await new Promise((r) => setTimeout(r, 800)); // one more inbox pass
    expect(await countLogged({ imid: `<news-${backend}@acme.test>` })).toBe(0);
    expect((await notifications()).filter((x) => x.type === 'REPLY')).toHaveLength(1);
    // logReplies off: a second reply is an event and a notification, but no logged copy.
    expect((await server.api('/api/v1/settings', { method: 'PUT', token, json: { logReplies: false } })).status).toBe(200);
    const second = `<reply-2-${backend}@acme.test>`;
    await dovecot.append(ANN, 'INBOX', rawMessage({ from: 'Bob Stone <bob@acme.test>', to: [ANN], subject: 'Re: Renewal', messageId: second, headers: { 'In-Reply-To': replyId, References: `${sentId} ${replyId}` } }));
    await until(async () => (await notifications()).filter((x) => x.type === 'REPLY').length === 2, 10_000, 'the second REPLY');
    expect(await countLogged({ imid: second })).toBe(0);
    expect((await server.api('/api/v1/settings', { method: 'PUT', token, json: { logReplies: true } })).status).toBe(200);
  });

  it('a changed UIDVALIDITY resyncs without duplicates', async () => {
    const before = await dovecot.uidValidity(ANN, 'Sent');
    const kept = `<kept-${backend}@mycorp.test>`;
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['frank@acme.test'], subject: 'Kept', messageId: kept }));
    await until(() => logged(kept), 10_000, 'kept');
    const total = await countLogged({});
    await dovecot.recreate(ANN, 'Sent');
    expect(await dovecot.uidValidity(ANN, 'Sent')).not.toBe(before);
    // The same message again (a server restored from backup), and a new one.
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['frank@acme.test'], subject: 'Kept', messageId: kept }));
    const fresh = `<fresh-${backend}@mycorp.test>`;
    await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['frank@acme.test'], subject: 'Fresh', messageId: fresh }));
    await until(() => logged(fresh), 10_000, 'fresh');
    expect(await countLogged({ imid: kept })).toBe(1);
    expect(await countLogged({})).toBe(total + 1);
  });

  it('Dovecot stopped: ERROR with the reason; restarted: the sync resumes with nothing missed or doubled', async () => {
    const total = await countLogged({});
    await dovecot.stop();
    const failed = await until(async () => {
      const m = await mailbox();
      if (process.env.MB_DEBUG) console.log(JSON.stringify(m));
      return m.status === 'ERROR' && m;
    }, 10_000, 'ERROR').catch((e) => {
      if (process.env.MB_DEBUG) console.log(server.logs().filter((l) => l.component === 'mailbox').map((l) => JSON.stringify(l)).join('\n'));
      throw e;
    });
    expect(failed.lastError).toBeTruthy();
    await dovecot.start();
    const ids = [1, 2, 3].map((i) => `<after-restart-${i}-${backend}@mycorp.test>`);
    for (const id of ids) await dovecot.append(ANN, 'Sent', rawMessage({ from: ANN, to: ['gina@acme.test'], subject: id, messageId: id }));
    for (const id of ids) await until(() => logged(id), 15_000, id);
    await until(async () => (await mailbox()).status === 'CONNECTED', 10_000, 'CONNECTED again');
    expect(await countLogged({})).toBe(total + 3);
  });

  it('revoked credentials show as ERROR with the server’s words', async () => {
    dovecot.setPassword(ANN, 'changed-password');
    await dovecot.stop(); // drops the live session, so the next login uses the new password
    await dovecot.start();
    const m = await until(async () => {
      const v = await mailbox();
      return v.status === 'ERROR' && /Authentication failed/.test(v.lastError ?? '') && v;
    }, 15_000, 'ERROR with Authentication failed');
    expect(m.lastError).toMatch(/Authentication failed/);
    // Reconnecting with the new password clears it.
    expect((await put({ host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', username: ANN, password: 'changed-password' })).status).toBe(200);
    await until(async () => (await mailbox()).status === 'CONNECTED', 10_000, 'CONNECTED with TLS');
  });

  it('reminds once when due with no reply, not after a reply, and a restart neither loses nor repeats it', async () => {
    const quiet = `trk-quiet-${backend}-0001`;
    const r = await server.api('/api/v1/tracked-emails', { method: 'POST', token, json: { trackingId: quiet, subject: 'Proposal', from: ANN, to: ['hank@acme.test'], cc: [], bcc: [], html: '<p>Hi</p>', remindAfterDays: 1 } });
    expect(r.status).toBe(201);
    expect((await notifications()).filter((x) => x.type === 'REMINDER')).toHaveLength(0);
    // Two days later (the clock moved forward), through a restart.
    await server.stop('SIGTERM');
    server = await startServer(tdb, { ...extraEnv, REMINDER_CLOCK_OFFSET: '2d' });
    const reminder = await until(async () => (await notifications()).find((x) => x.type === 'REMINDER'), 10_000, 'the REMINDER');
    expect(reminder).toMatchObject({ subject: 'Proposal', emailId: quiet, who: 'hank@acme.test' });
    await new Promise((r) => setTimeout(r, 500)); // several sweeps
    await server.stop('SIGKILL');
    server = await startServer(tdb, { ...extraEnv, REMINDER_CLOCK_OFFSET: '3d' });
    await new Promise((r) => setTimeout(r, 1000));
    const reminders = (await notifications()).filter((x) => x.type === 'REMINDER');
    // Only the email nobody answered: the replied one (Renewal) never reminds.
    expect(reminders.map((x) => x.emailId)).toEqual([quiet]);
  }, 60_000); // two server restarts: on a slow machine 30 s was not always enough

  it('DELETE disconnects and forgets the secret', async () => {
    expect((await server.api('/api/v1/mailbox', { method: 'DELETE', token })).status).toBe(204);
    expect((await server.api('/api/v1/mailbox', { token })).status).toBe(404);
    expect(await database.db.selectFrom('mailboxes').selectAll().execute()).toHaveLength(0);
  });

  it('removing a user disconnects their mailbox: its secret is forgotten and their mail is no longer logged', async () => {
    const leaver = `leaver-${backend}@mycorp.test`;
    dovecot.addUser(leaver, 'leaver-password');
    const u = await server.addUser(leaver);
    const connected = await server.api('/api/v1/mailbox', { method: 'PUT', token: u.accessToken, json: { host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', username: leaver, password: 'leaver-password' } });
    expect(connected.status).toBe(200);
    const before = `<leaver-before-${backend}@mycorp.test>`;
    await dovecot.append(leaver, 'Sent', rawMessage({ from: leaver, to: ['ivy@acme.test'], subject: 'Before leaving', messageId: before }));
    await until(async () => (await countLogged({ imid: before })) === 1, 10_000, 'the mail sent before leaving');
    // Ann is the account's admin.
    expect((await server.api(`/api/v1/users/${u.id}`, { method: 'DELETE', token })).status).toBe(204);
    expect(await database.db.selectFrom('mailboxes').selectAll().where('user_id', '=', u.id).execute()).toEqual([]);
    expect(await database.db.selectFrom('mailbox_folders').selectAll().where('user_id', '=', u.id).execute()).toEqual([]);
    const after = `<leaver-after-${backend}@mycorp.test>`;
    await dovecot.append(leaver, 'Sent', rawMessage({ from: leaver, to: ['ivy@acme.test'], subject: 'After leaving', messageId: after }));
    await new Promise((r) => setTimeout(r, 3000)); // IDLE answers within a second, the poll is 300 ms
    expect(await countLogged({ imid: after })).toBe(0);
  });
});
