// One account with real data of every kind, made the way clients make it (REST, SMTP, the tracker):
// what the isolation and REST fuzz suites aim at, and must never see change or leak.
import { expect } from 'vitest';
import type { RunningServer } from '../helpers/server.js';
import type { Sink } from '../helpers/sink.js';
import { smtpLogin, transport } from '../helpers/smtp-clients.js';
import { get, imageHeaders } from '../helpers/tracking.js';

export interface Seeded {
  account: string;
  accountId: string;
  email: string;
  userId: string;
  accessToken: string;
  /** A string in every subject and name this account made: it must never show in another's answers. */
  marker: string;
  smtpToken: { id: string; password: string; campaignId: string };
  template: { id: string; campaignId: string };
  sendStatusId: string;
  contact: { id: string; email: string };
  loggedEmail: { id: string; internetMessageId: string; attachmentId: string };
  tracked: { id: string; pixel: string; link: string };
  notificationId: string;
  pushEndpoint: string;
  /** The web app's transactional views: a message copy's id, a suppressed address, a sending domain. */
  messageId: string;
  suppressedEmail: string;
  domain: string;
  /** A webhook endpoint (turned off, so nothing is sent during the checks) and one delivery of it. */
  webhook: { id: string; deliveryId: string };
}

async function json(res: Response, status: number): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return text ? JSON.parse(text) : {};
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Local tracker URLs (the server's PUBLIC_URL says localhost). */
const local = (u: string) => u.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:').replace(/&amp;/g, '&');

async function smtpMail(server: RunningServer, s: { accessToken: string; marker: string }, sink: Sink) {
  const { token, creds } = await smtpLogin(server, s.accessToken, `${s.marker} smtp campaign`, true);
  const before = sink.messages.length;
  await transport(creds).sendMail({
    from: `sender@${s.marker}.test`,
    to: `rcpt@${s.marker}.test`,
    subject: `${s.marker} over SMTP`,
    html: `<p>Hello from ${s.marker}, <a href="https://${s.marker}.test/offer">offer</a></p>`,
  });
  await sink.waitFor(before + 1);
  return { id: token.id, password: token.password!, campaignId: token.emailCampaignId };
}

async function template(server: RunningServer, s: { accessToken: string; marker: string }) {
  const t = await json(
    await server.api('/api/v1/emails', {
      method: 'POST',
      token: s.accessToken,
      json: { name: `${s.marker} template`, subject: `${s.marker} receipt`, html: `<p>Receipt ${s.marker}</p>`, subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' },
    }),
    201,
  );
  await json(await server.api(`/api/v1/emails/${t.id}/publish`, { method: 'POST', token: s.accessToken }), 200);
  return { id: String(t.id), campaignId: String(t.emailCampaignId) };
}

async function singleSend(server: RunningServer, s: { accessToken: string; marker: string }, emailId: string) {
  const sent = await json(
    await server.api('/marketing/v3/transactional/single-email/send', { method: 'POST', token: s.accessToken, json: { emailId: Number(emailId), message: { to: `single@${s.marker}.test` } } }),
    200,
  );
  const statusId = String(sent.statusId);
  // Polled until COMPLETE: a status read brings a pending one up to date, which would count as a change later.
  await until('the single send to complete', async () => {
    const st = await json(await server.api(`/marketing/v3/email/send-statuses/${statusId}`, { token: s.accessToken }), 200);
    return st.status === 'COMPLETE' ? st : undefined;
  });
  return statusId;
}

async function loggedEmail(server: RunningServer, s: { accessToken: string; marker: string; email: string }, contactEmail: string) {
  const internetMessageId = `<logged-${s.marker}@${s.marker}.test>`;
  const form = new FormData();
  form.append(
    'email',
    JSON.stringify({
      subject: `${s.marker} logged`,
      html: `<p>${s.marker}</p>`,
      text: s.marker,
      from: s.email,
      to: [contactEmail],
      cc: [],
      bcc: [],
      sentAt: new Date().toISOString(),
      internetMessageId,
    }),
  );
  form.append('attachments', new Blob([`attachment of ${s.marker}`], { type: 'text/plain' }), `${s.marker}.txt`);
  const logged = await json(await server.api('/api/v1/logged-emails', { method: 'POST', token: s.accessToken, body: form }), 201);
  const attachments = logged.attachments as Array<{ id: string }>;
  return { id: String(logged.id), internetMessageId, attachmentId: attachments[0].id };
}

async function tracked(server: RunningServer, s: { accessToken: string; marker: string; email: string }) {
  const body = await json(
    await server.api('/api/v1/tracked-emails', {
      method: 'POST',
      token: s.accessToken,
      json: { subject: `${s.marker} tracked`, from: s.email, to: [`reader@${s.marker}.test`], cc: [], bcc: [], html: `<p><a href="https://${s.marker}.test/deal">deal</a></p>` },
    }),
    201,
  );
  return { id: String(body.id), pixel: local(String(body.pixelUrl)), link: local(/href="([^"]+\/t\/c\/[^"]+)"/.exec(String(body.html))![1]) };
}

/** Adds a user in a new account and gives it one of everything. */
export async function seedAccount(server: RunningServer, sink: Sink, account: string): Promise<Seeded> {
  const marker = `${account}mark`;
  const email = `owner@${marker}.test`;
  const user = await server.addUser(email, { account, name: `${marker} owner` });
  const s = { accessToken: user.accessToken, marker, email };
  const api = (path: string, init: Parameters<RunningServer['api']>[1] = {}) => server.api(path, { token: s.accessToken, ...init });

  const me = await json(await api('/api/v1/me'), 200);
  await json(await api('/api/v1/settings', { method: 'PUT', json: { defaultTrack: true, neverLog: [`private.${marker}.test`], blockedIps: ['203.0.113.0/24'] } }), 200);
  await json(await api('/api/v1/account', { method: 'PUT', json: { neverLog: [`never.${marker}.test`] } }), 200);
  const smtpToken = await smtpMail(server, s, sink);
  const tpl = await template(server, s);
  const sendStatusId = await singleSend(server, s, tpl.id);
  const contactEmail = `contact@${marker}.test`;
  const contact = await json(await api('/api/v1/contacts', { method: 'POST', json: { email: contactEmail, name: `${marker} contact`, properties: { company: marker } } }), 201);
  const logged = await loggedEmail(server, s, contactEmail);
  const mail = await tracked(server, s);
  expect((await get(mail.pixel, imageHeaders)).status).toBe(200);
  const notificationId = await until('the open notification', async () => {
    const list = await json(await api('/api/v1/notifications'), 200);
    return (list.results as Array<{ id: string }>)[0]?.id;
  });
  // A closed port: pushes to it fail to connect, which keeps the subscription (only 404/410 drop it).
  const pushEndpoint = `http://127.0.0.1:9/push/${marker}`;
  await json(await api('/api/v1/push/subscriptions', { method: 'POST', json: { endpoint: pushEndpoint, keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) } } }), 201);

  const messageId = await until('the SMTP message in the list', async () => {
    const list = await json(await api(`/api/v1/messages?recipient=${encodeURIComponent(`rcpt@${marker}.test`)}`), 200);
    return (list.results as Array<{ id: string }>)[0]?.id;
  });
  const suppressedEmail = `blocked@${marker}.test`;
  await json(await api('/api/v1/suppressions', { method: 'POST', json: { email: suppressedEmail, detail: `${marker} asked` } }), 201);
  const domain = `dkim.${marker}.test`;
  await json(await api('/api/v1/domains', { method: 'POST', json: { domain } }), 201);
  // A closed port again; the endpoint is turned off right after its test event, so the outbox stays still.
  const hook = await json(await api('/api/v1/webhooks', { method: 'POST', json: { url: `http://127.0.0.1:9/hooks/${marker}`, events: ['email.sent'], description: `${marker} webhook` } }), 201);
  const test = await json(await api(`/api/v1/webhooks/${hook.id}/test`, { method: 'POST' }), 202);
  await json(await api(`/api/v1/webhooks/${hook.id}`, { method: 'PATCH', json: { enabled: false } }), 200);

  return {
    account,
    messageId,
    suppressedEmail,
    domain,
    accountId: String((me.account as { id: string }).id),
    email,
    userId: user.id,
    accessToken: user.accessToken,
    marker,
    smtpToken,
    template: tpl,
    sendStatusId,
    contact: { id: String(contact.id), email: contactEmail },
    loggedEmail: logged,
    tracked: mail,
    notificationId,
    pushEndpoint,
    webhook: { id: String(hook.id), deliveryId: String(test.deliveryId) },
  };
}
