// Contacts and their timelines (docs/product.md §6): `/api/v1/contacts`; and one contact as HubSpot's
// CRM API reads it, `GET /crm/v3/objects/contacts/{contactId}` (`crm.contacts.basicApi.getById`).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { AppContext } from '../app.js';
import type { Schema } from '../../db/schema.js';
import { ApiError, invalid, notFound } from '../../errors.js';
import { afterParam, decodePosition, encodeCursor, notACursor, pageLimit, pageOf, pagingQuery } from '../paging.js';
import type { Contact, Page, TimelineEntry, TimelineEntryType } from '../../../shared/api.js';
import type { CrmObject } from '../../../shared/hubspot.js';
import { contactScope } from '../../send/single-send.js';
import { isAddress } from '../../../shared/addresses.js';
import {
  createContact,
  findContactByEmail,
  getContact,
  LEGAL_BASES,
  listContacts,
  MAX_PROPERTIES,
  TooManyProperties,
  updateContact,
  type ContactRow,
} from '../../store/contacts.js';
import { lastActivity, timeline, type TimelineCursor } from '../../store/timeline.js';

const BASE = '/api/v1/contacts';
const ContactId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Paging = pagingQuery(100, 500);
const Name = Type.String({ maxLength: 256 });
// HubSpot-style property names: letters, digits, `_`, `.` and `-`.
const PropertyName = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$';
// Null first: with type coercion on, ajv would turn null into "" for a string branch tried before it.
const LegalBasis = Type.Union([Type.Null(), Type.Enum([...LEGAL_BASES])]);
const KINDS: TimelineEntryType[] = ['LOGGED_EMAIL', 'SENT_EMAIL', 'OPEN', 'CLICK', 'REPLY'];

/** What HubSpot answers when no `properties` are asked for; these three it adds to any that are. */
const CRM_DEFAULT_PROPERTIES = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];
const CRM_ALWAYS = ['createdate', 'hs_object_id', 'lastmodifieddate'];

/**
 * A contact in HubSpot's CRM object shape: its properties as personalization sees them (the address,
 * the first and last name its name implies, then what it stores), the asked-for ones only, null where
 * it has none.
 */
function crmContact(c: ContactRow, asked: string[] | undefined): CrmObject {
  const createdAt = new Date(Number(c.created_at)).toISOString();
  const updatedAt = new Date(Number(c.updated_at)).toISOString();
  const all: Record<string, unknown> = { ...contactScope(c, c.email), createdate: createdAt, lastmodifieddate: updatedAt, hs_object_id: c.id };
  const names = asked ? [...new Set([...asked, ...CRM_ALWAYS])] : CRM_DEFAULT_PROPERTIES;
  const properties = Object.fromEntries(names.map((n) => [n, all[n] === undefined || all[n] === null ? null : String(all[n])]));
  return { id: c.id, properties, createdAt, updatedAt, archived: false };
}

async function contactView(db: Kysely<Schema>, c: ContactRow): Promise<Contact> {
  return {
    id: c.id,
    email: c.email,
    name: c.name,
    properties: JSON.parse(c.properties),
    legalBasis: c.legal_basis,
    createdAt: new Date(Number(c.created_at)).toISOString(),
    updatedAt: new Date(Number(c.updated_at)).toISOString(),
    lastActivity: await lastActivity(db, c.account_id, c),
  };
}

function timelineCursor(after: string | undefined): TimelineCursor | undefined {
  if (after === undefined) return undefined;
  const parts = decodePosition(after, 3);
  if (!parts || !KINDS.includes(parts[1] as TimelineEntryType)) throw notACursor();
  return { at: Number(parts[0]), kind: parts[1] as TimelineEntryType, id: parts[2] };
}

export default async function contacts(fastify: FastifyInstance, ctx: AppContext) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.database.db;

  /** The contact with this address (`?email=`, 0 or 1 results), or the account's contacts (those whose address or name contains `q`), paged. */
  app.get(BASE, { schema: { querystring: Type.Object({ email: Type.Optional(Type.String({ maxLength: 320 })), q: Type.Optional(Type.String({ maxLength: 200 })), ...Paging }) } }, async (request): Promise<Page<Contact>> => {
    const { accountId } = request.principal;
    const q = request.query;
    if (q.email !== undefined) {
      const found = await findContactByEmail(db, accountId, q.email);
      return { results: found ? [await contactView(db, found)] : [] };
    }
    const limit = pageLimit(q.limit, 20, 100);
    const after = afterParam(q.after, 2);
    const rows = await listContacts(db, accountId, { after: after && { createdAt: Number(after[0]), id: after[1] }, limit: limit + 1, search: q.q?.trim() || undefined });
    const { page, next } = pageOf(rows, limit, (last) => [String(last.created_at), last.id]);
    return { results: await Promise.all(page.map((c) => contactView(db, c))), ...next };
  });

  /** Creates a contact by hand; an address the account already has answers 409 with that contact's id. */
  app.post(
    BASE,
    {
      schema: {
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 320 }),
            name: Type.Optional(Type.Union([Type.Null(), Name])),
            properties: Type.Optional(Type.Record(Type.String({ pattern: PropertyName }), Type.String({ maxLength: 10_000 }), { maxProperties: MAX_PROPERTIES, additionalProperties: false })),
            legalBasis: Type.Optional(LegalBasis),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!isAddress(body.email)) throw invalid(`email ${JSON.stringify(body.email)} is not a plain address (local@domain.tld)`, 'email');
      const outcome = await createContact(db, request.principal.accountId, body);
      if ('existingId' in outcome) {
        const message = `A contact with the address ${body.email.trim().toLowerCase()} already exists. Existing ID: ${outcome.existingId}`;
        throw new ApiError(409, 'CONFLICT', message, [{ message, in: 'email', code: 'CONTACT_EXISTS' }], { existingId: outcome.existingId });
      }
      return reply.code(201).send(await contactView(db, outcome.created));
    },
  );

  /** One contact of the account. */
  app.get(`${BASE}/:id`, { schema: { params: ContactId } }, async (request) => {
    const contact = await getContact(db, request.principal.accountId, request.params.id);
    if (!contact) throw notFound(`Contact ${request.params.id}`);
    return contactView(db, contact);
  });

  /**
   * One contact as HubSpot's CRM API answers it: by id, or by address with `idProperty=email`;
   * `properties` (repeated or comma-separated) chooses what `properties` holds. No contact is archived
   * here, so `archived=true` finds none.
   */
  app.get(
    '/crm/v3/objects/contacts/:contactId',
    {
      schema: {
        params: Type.Object({ contactId: Type.String({ minLength: 1, maxLength: 320 }) }),
        querystring: Type.Object({
          properties: Type.Optional(Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 100 })),
          idProperty: Type.Optional(Type.Enum(['email', 'hs_object_id'])),
          archived: Type.Optional(Type.Boolean()),
        }),
      },
    },
    async (request): Promise<CrmObject> => {
      const { accountId } = request.principal;
      const { contactId } = request.params;
      const q = request.query;
      const contact = q.archived ? undefined : q.idProperty === 'email' ? await findContactByEmail(db, accountId, contactId) : await getContact(db, accountId, contactId);
      if (!contact) throw notFound(`Contact ${contactId}`);
      const asked = q.properties?.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
      if (asked?.some((p) => !new RegExp(PropertyName).test(p))) throw invalid(`properties must be property names such as email,firstname (letters, digits, _ . -)`, 'properties');
      return crmContact(contact, asked?.length ? asked : undefined);
    },
  );

  /** Changes name, legal basis or properties (merged; a null value removes that property). */
  app.patch(
    `${BASE}/:id`,
    {
      schema: {
        params: ContactId,
        body: Type.Object(
          {
            name: Type.Optional(Type.Union([Type.Null(), Name])),
            properties: Type.Optional(Type.Record(Type.String({ pattern: PropertyName }), Type.Union([Type.Null(), Type.String({ maxLength: 10_000 })]), { maxProperties: MAX_PROPERTIES, additionalProperties: false })),
            legalBasis: Type.Optional(LegalBasis),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      let updated: ContactRow | undefined;
      try {
        updated = await updateContact(db, request.principal.accountId, request.params.id, request.body, MAX_PROPERTIES);
      } catch (e) {
        if (e instanceof TooManyProperties) throw invalid(e.message, 'properties');
        throw e;
      }
      if (!updated) throw notFound(`Contact ${request.params.id}`);
      return contactView(db, updated);
    },
  );

  /** The contact's logged emails, sends, opens and clicks, newest first, paged with `after`. */
  app.get(`${BASE}/:id/timeline`, { schema: { params: ContactId, querystring: Type.Object(Paging) } }, async (request): Promise<Page<TimelineEntry>> => {
    const contact = await getContact(db, request.principal.accountId, request.params.id);
    if (!contact) throw notFound(`Contact ${request.params.id}`);
    const page = await timeline(db, contact.account_id, contact, { after: timelineCursor(request.query.after), limit: pageLimit(request.query.limit, 20, 100) });
    return {
      results: page.entries,
      ...(page.next ? { paging: { next: { after: encodeCursor([String(page.next.at), page.next.kind, page.next.id]) } } } : {}),
    };
  });
}
