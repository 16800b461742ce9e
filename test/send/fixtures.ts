// Shared steps of the single-send tests: templates made over the REST API, send statuses polled the
// way HubSpot's documentation says (the node client has no method for it), mail read back with mailparser.
import type { Client } from '@hubspot/api-client';
import { simpleParser, type ParsedMail } from 'mailparser';
import { expect } from 'vitest';
import type { Template, TemplateInput } from '../../src/shared/api.js';
import type { SendStatusView } from '../../src/shared/hubspot.js';
import type { RunningServer } from '../helpers/server.js';
import type { SinkMessage } from '../helpers/sink.js';

export const FAST_QUEUE = { QUEUE_RETRY_BASE: '200ms', QUEUE_RETRY_MAX: '400ms', QUEUE_LEASE: '3s' };

export function templateInput(overrides: Partial<TemplateInput> = {}): TemplateInput {
  return {
    name: 'Order confirmation',
    subject: 'Your order {{ custom.order_id }}',
    html: '<p>Hello {{ contact.firstname | default: "there" }}, order {{ custom.order_id }} is confirmed.</p>',
    text: 'Hello {{ contact.firstname | default: "there" }}, order {{ custom.order_id }} is confirmed.',
    subscriptionType: 'TRANSACTIONAL',
    sendMethod: 'API',
    ...overrides,
  };
}

/** Creates a template (published unless `draft`) and answers it. */
export async function makeTemplate(server: RunningServer, token: string, overrides: Partial<TemplateInput> = {}, opts: { draft?: boolean } = {}): Promise<Template> {
  const created = await server.api('/api/v1/emails', { method: 'POST', token, json: templateInput(overrides) });
  expect(created.status, await created.clone().text()).toBe(201);
  const template = (await created.json()) as Template;
  if (opts.draft) return template;
  const published = await server.api(`/api/v1/emails/${template.id}/publish`, { method: 'POST', token });
  expect(published.status).toBe(200);
  return (await published.json()) as Template;
}

/** GET /marketing/v3/email/send-statuses/{id} through the official client's generic request. */
export async function statusOf(client: Client, statusId: string): Promise<SendStatusView> {
  const res = await client.apiRequest({ method: 'GET', path: `/marketing/v3/email/send-statuses/${statusId}` });
  expect(res.status).toBe(200);
  return (await res.json()) as SendStatusView;
}

/** Polls the status until `done` holds for it. */
export async function waitForStatus(client: Client, statusId: string, done: (s: SendStatusView) => boolean = (s) => s.status === 'COMPLETE', timeoutMs = 15_000): Promise<SendStatusView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await statusOf(client, statusId);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`status ${statusId} is still ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function parse(m: SinkMessage): Promise<ParsedMail> {
  return simpleParser(m.raw);
}

/** Messages the sink got for one address. */
export const to = (messages: SinkMessage[], address: string) => messages.filter((m) => m.to.includes(address));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
